// The client order id is derived from the signal id, so a retried or replayed order command can never
// create a second order: the venue refuses the repeated id, and a lost answer is looked up by it.
// Bybit's orderLinkId allows at most 36 characters of [A-Za-z0-9_-] (domain.md "Execution").

import { createHash } from "node:crypto";

export const CLIENT_ORDER_ID_MAX_LENGTH = 36;
export const CLIENT_ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,36}$/;
/** 32 base32 characters carry 160 bits of the hash: collisions are out of reach for any order volume. */
export const CLIENT_ORDER_ID_HASH_CHARS = 32;
export const DEFAULT_CLIENT_ORDER_ID_PREFIX = "tt-";

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,4}$/;
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648, no padding needed here

export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1; // keep only the bits not yet emitted, so the buffer never overflows
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * `prefix` + the first 32 characters of base32(sha256(signalId + ":" + leg)).
 * `leg` names the order within the signal: "entry", "tp1", "sl", "flatten"...
 */
export function deriveClientOrderId(signalId: string, leg: string, prefix: string = DEFAULT_CLIENT_ORDER_ID_PREFIX): string {
  if (signalId.length === 0) throw new RangeError("deriveClientOrderId: signalId must not be empty");
  if (leg.length === 0) throw new RangeError("deriveClientOrderId: leg must not be empty");
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(`deriveClientOrderId: prefix must be at most 4 characters of [A-Za-z0-9_-], got "${prefix}"`);
  }
  const digest = createHash("sha256").update(`${signalId}:${leg}`, "utf8").digest();
  return prefix + base32(digest).slice(0, CLIENT_ORDER_ID_HASH_CHARS);
}

export function isValidClientOrderId(value: string): boolean {
  return CLIENT_ORDER_ID_PATTERN.test(value);
}
