// The HMAC-SHA256 both simulated exchanges sign with (what each signs differs: see their signature.ts),
// and a constant-time comparison of hex signatures.

import { createHmac, timingSafeEqual } from "node:crypto";

export interface ApiCredential {
  readonly apiKey: string;
  readonly secret: string;
}

export function hmacSha256Hex(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload, "utf8").digest("hex");
}

/** Hex signatures compared without leaking timing; case-insensitive as both exchanges accept. */
export function signaturesMatch(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, "utf8");
  const given = Buffer.from(givenHex.toLowerCase(), "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
