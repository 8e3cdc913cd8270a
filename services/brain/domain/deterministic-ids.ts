// Ids derived from what they identify, so that deciding the same signal twice (a replay, a restart
// between commit and publish) yields the same decision, command and client order ids, and the
// second copy is harmless everywhere downstream. Hashing is computation, not I/O.

import { createHash } from "node:crypto";
import { DEFAULT_CLIENT_ORDER_ID_PREFIX, deriveClientOrderId } from "../../shared/client-order-id.js";

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/**
 * A UUID (RFC 9562 version 8, "custom") from the SHA-256 of `kind` and `parts`: the same inputs always
 * give the same id, different kinds never collide by construction of the hashed text.
 */
export function deterministicUuid(kind: string, ...parts: readonly (string | number)[]): string {
  const bytes = sha256(JSON.stringify([kind, ...parts]));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** RFC 4648 base32 without padding; one implementation, shared with the client order ids. */
export { base32 } from "../../shared/client-order-id.js";

export const CLIENT_ORDER_ID_PREFIX = DEFAULT_CLIENT_ORDER_ID_PREFIX;

/**
 * Bybit's orderLinkId allows 36 characters of `[A-Za-z0-9_-]` (domain.md "Execution"): a short prefix
 * plus the first 32 characters of base32(sha256(signal id + ":" + leg)). Execution derives the same id.
 */
export function clientOrderIdFor(signalId: string, leg = "entry"): string {
  return deriveClientOrderId(signalId, leg);
}
