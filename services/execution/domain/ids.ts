// Ids derived from what they name, so a report or snapshot rebuilt after a restart carries the same id
// as the first copy and the outbox and every inbox downstream treat the second copy as a duplicate.

import { createHash } from "node:crypto";

/** A UUID (RFC 9562 version 8) from SHA-256 of `kind` and `parts`; different kinds never collide. */
export function deterministicUuid(kind: string, ...parts: readonly (string | number)[]): string {
  const bytes = createHash("sha256").update(JSON.stringify([kind, ...parts]), "utf8").digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const CLIENT_ID_CHARS = /[^A-Za-z0-9_-]/g;

/**
 * The client order id execution files an order under when the venue gave it none (a stop the venue
 * fired, an order placed by hand): `v-` and the venue's id, trimmed to Bybit's 36 characters.
 */
export function venueClientOrderId(venueOrderId: string): string {
  return `v-${venueOrderId.replace(CLIENT_ID_CHARS, "")}`.slice(0, 36);
}
