// Bybit-shaped ids (seeded randomness itself is shared: tools/sim-common/random.ts): the same seed gives
// the same order ids, prices and fills.

import { createHash } from "node:crypto";

export { normalDraw, seededRandom } from "../sim-common/random.js";

function formatUuid(hex: string): string {
  // Version 4 layout, as Bybit's linear order and execution ids are.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A UUID derived from a seed and a name: stable across runs, distinct per name. */
export function uuidFrom(seed: number, name: string): string {
  return formatUuid(createHash("sha256").update(`${seed}:${name}`).digest("hex"));
}
