// Whether a stored session may still be used: revoked, past its absolute expiry, or idle too long.
export interface SessionTimes {
  readonly createdAtMs: number;
  readonly lastSeenAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
}

export type SessionVerdict = "ok" | "revoked" | "expired" | "idle";

export const sessionVerdict = (s: SessionTimes, nowMs: number, idleMs: number): SessionVerdict => {
  if (s.revokedAtMs !== null) return "revoked";
  if (s.expiresAtMs <= nowMs) return "expired";
  if (s.lastSeenAtMs + idleMs <= nowMs) return "idle";
  return "ok";
};

/** last_seen_at is written at most this often per session, so browsing is not a write per request. */
export const LAST_SEEN_RESOLUTION_MS = 30_000;

export const shouldTouch = (s: SessionTimes, nowMs: number): boolean => nowMs - s.lastSeenAtMs >= LAST_SEEN_RESOLUTION_MS;
