// Seeded randomness and Bybit-shaped ids: the same seed gives the same order ids, prices and fills.

import { createHash } from "node:crypto";

/** mulberry32: small, fast, good enough for a price walk; not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box–Muller). */
export function normalDraw(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function formatUuid(hex: string): string {
  // Version 4 layout, as Bybit's linear order and execution ids are.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A UUID derived from a seed and a name: stable across runs, distinct per name. */
export function uuidFrom(seed: number, name: string): string {
  return formatUuid(createHash("sha256").update(`${seed}:${name}`).digest("hex"));
}
