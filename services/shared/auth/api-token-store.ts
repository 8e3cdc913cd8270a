// PostgreSQL access to auth.api_tokens. Every service reads (to authenticate); only the console writes.
import type { Queryable } from "../db/database.js";
import type { Role } from "./principal.js";

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  readonly tokenSha256: Buffer;
  readonly role: Role;
  readonly scopes: readonly string[];
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
  readonly lastUsedAtMs: number | null;
  readonly isBootstrap: boolean;
}

interface TokenRow {
  id: string;
  name: string;
  token_sha256: Buffer;
  role: Role;
  scopes: string[];
  created_by: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  is_bootstrap: boolean;
}

const COLUMNS = "id, name, token_sha256, role, scopes, created_by, created_at, expires_at, revoked_at, last_used_at, is_bootstrap";

const fromRow = (r: TokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  tokenSha256: r.token_sha256,
  role: r.role,
  scopes: r.scopes,
  createdBy: r.created_by,
  createdAtMs: r.created_at.getTime(),
  expiresAtMs: r.expires_at.getTime(),
  revokedAtMs: r.revoked_at?.getTime() ?? null,
  lastUsedAtMs: r.last_used_at?.getTime() ?? null,
  isBootstrap: r.is_bootstrap,
});

const iso = (ms: number): string => new Date(ms).toISOString();

/** Why a token cannot be used now, or null when it can. */
export const tokenUnusableReason = (t: ApiTokenRecord, nowMs: number): "revoked_token" | "expired_token" | null =>
  t.revokedAtMs !== null ? "revoked_token" : t.expiresAtMs <= nowMs ? "expired_token" : null;

export const insertApiToken = async (q: Queryable, t: Omit<ApiTokenRecord, "revokedAtMs" | "lastUsedAtMs">): Promise<void> => {
  await q.query(
    "auth_token_insert",
    `INSERT INTO auth.api_tokens (id, name, token_sha256, role, scopes, created_by, created_at, expires_at, is_bootstrap)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [t.id, t.name, t.tokenSha256, t.role, t.scopes, t.createdBy, iso(t.createdAtMs), iso(t.expiresAtMs), t.isBootstrap],
  );
};

export const findApiToken = async (q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<ApiTokenRecord | null> => {
  const { rows } = await q.query<TokenRow>("auth_token_find", `SELECT ${COLUMNS} FROM auth.api_tokens WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? fromRow(rows[0]) : null;
};

/** Every token, newest first; hashes stay in the record and are never serialised by the routes. */
export const listApiTokens = async (q: Queryable): Promise<ApiTokenRecord[]> => {
  const { rows } = await q.query<TokenRow>("auth_token_list", `SELECT ${COLUMNS} FROM auth.api_tokens ORDER BY created_at DESC, id`);
  return rows.map(fromRow);
};

export const markApiTokenRevoked = async (q: Queryable, id: string, atMs: number): Promise<void> => {
  await q.query("auth_token_revoke", "UPDATE auth.api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, iso(atMs)]);
};

/** Records use at most once per `resolutionMs` per token, so authentication is not a write per request. */
export const touchApiToken = async (q: Queryable, id: string, atMs: number, resolutionMs: number): Promise<void> => {
  await q.query(
    "auth_token_touch",
    "UPDATE auth.api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
    [id, iso(atMs), iso(atMs - resolutionMs)],
  );
};

export const activeAdminTokenExists = async (q: Queryable, nowMs: number): Promise<boolean> => {
  const { rows } = await q.query<{ exists: boolean }>(
    "auth_token_active_admin",
    "SELECT EXISTS (SELECT 1 FROM auth.api_tokens WHERE role = 'admin' AND revoked_at IS NULL AND expires_at > $1) AS exists",
    [iso(nowMs)],
  );
  return rows[0]?.exists === true;
};

export const activeBootstrapTokenIds = async (q: Queryable, nowMs: number): Promise<string[]> => {
  const { rows } = await q.query<{ id: string }>(
    "auth_token_active_bootstrap",
    "SELECT id FROM auth.api_tokens WHERE is_bootstrap AND revoked_at IS NULL AND expires_at > $1 ORDER BY id FOR UPDATE",
    [iso(nowMs)],
  );
  return rows.map((r) => r.id);
};

/** Whether the connected role may write last_used_at (only the console's role is granted UPDATE). */
export const canTouchApiTokens = async (q: Queryable): Promise<boolean> => {
  const { rows } = await q.query<{ allowed: boolean }>("auth_token_can_touch", "SELECT has_table_privilege('auth.api_tokens', 'UPDATE') AS allowed");
  return rows[0]?.allowed === true;
};
