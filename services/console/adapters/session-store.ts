// PostgreSQL access to console.sessions.
import type { Queryable } from "../../shared/db/database.js";

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly secretSha256: Buffer;
  readonly delegateTokenId: string;
  readonly mfa: boolean;
  readonly createdAtMs: number;
  readonly lastSeenAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
  readonly revokeReason: string | null;
  readonly clientIp: string | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  secret_sha256: Buffer;
  delegate_token_id: string;
  mfa: boolean;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoke_reason: string | null;
  client_ip: string | null;
}

const COLUMNS = "id, user_id, secret_sha256, delegate_token_id, mfa, created_at, last_seen_at, expires_at, revoked_at, revoke_reason, client_ip";
const iso = (n: number): string => new Date(n).toISOString();
const fromRow = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  secretSha256: r.secret_sha256,
  delegateTokenId: r.delegate_token_id,
  mfa: r.mfa,
  createdAtMs: r.created_at.getTime(),
  lastSeenAtMs: r.last_seen_at.getTime(),
  expiresAtMs: r.expires_at.getTime(),
  revokedAtMs: r.revoked_at?.getTime() ?? null,
  revokeReason: r.revoke_reason,
  clientIp: r.client_ip,
});

export const insertSession = async (q: Queryable, s: Omit<SessionRecord, "revokedAtMs" | "revokeReason" | "lastSeenAtMs">): Promise<void> => {
  await q.query(
    "console_session_insert",
    `INSERT INTO console.sessions (id, user_id, secret_sha256, delegate_token_id, mfa, created_at, last_seen_at, expires_at, client_ip)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)`,
    [s.id, s.userId, s.secretSha256, s.delegateTokenId, s.mfa, iso(s.createdAtMs), iso(s.expiresAtMs), s.clientIp],
  );
};

export const findSession = async (q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<SessionRecord | null> => {
  const { rows } = await q.query<SessionRow>("console_session_find", `SELECT ${COLUMNS} FROM console.sessions WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? fromRow(rows[0]) : null;
};

export const touchSession = async (q: Queryable, id: string, atMs: number): Promise<void> => {
  await q.query("console_session_touch", "UPDATE console.sessions SET last_seen_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, iso(atMs)]);
};

/** Revokes one session; false when it was already revoked. */
export const revokeSession = async (q: Queryable, id: string, atMs: number, reason: string): Promise<boolean> => {
  const { rowCount } = await q.query("console_session_revoke", "UPDATE console.sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL", [id, iso(atMs), reason]);
  return (rowCount ?? 0) > 0;
};

/** Revokes every active session of a user and returns them (their delegated tokens go too). */
export const revokeUserSessions = async (q: Queryable, userId: string, atMs: number, reason: string): Promise<SessionRecord[]> => {
  const { rows } = await q.query<SessionRow>(
    "console_session_revoke_user",
    `UPDATE console.sessions SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [userId, iso(atMs), reason],
  );
  return rows.map(fromRow);
};

/** Sessions past their expiry or idle limit that were never revoked: the sweeper closes them. */
export const lapsedSessions = async (q: Queryable, nowMs: number, idleMs: number, limit = 100): Promise<SessionRecord[]> => {
  const { rows } = await q.query<SessionRow>(
    "console_session_lapsed",
    `SELECT ${COLUMNS} FROM console.sessions WHERE revoked_at IS NULL AND (expires_at <= $1 OR last_seen_at <= $2) ORDER BY expires_at LIMIT $3`,
    [iso(nowMs), iso(nowMs - idleMs), limit],
  );
  return rows.map(fromRow);
};

export const activeSessionCounts = async (q: Queryable): Promise<Map<string, number>> => {
  const { rows } = await q.query<{ user_id: string; n: number }>("console_session_counts", "SELECT user_id, count(*)::int AS n FROM console.sessions WHERE revoked_at IS NULL AND expires_at > now() GROUP BY user_id");
  return new Map(rows.map((r) => [r.user_id, r.n]));
};
