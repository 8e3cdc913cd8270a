// PostgreSQL access to console.users and console.enrollments (the console's own schema).
import type { Queryable } from "../../shared/db/database.js";
import type { Role } from "../../shared/contracts/index.js";

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly totpSecretEnc: Buffer | null;
  readonly totpLastStep: number | null;
  readonly failedAttempts: number;
  readonly lockedUntilMs: number | null;
  readonly disabledAtMs: number | null;
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly credentialsSetAtMs: number;
  readonly lastLoginAtMs: number | null;
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  totp_secret_enc: Buffer | null;
  totp_last_step: number | null;
  failed_attempts: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_by: string;
  created_at: Date;
  credentials_set_at: Date;
  last_login_at: Date | null;
}

const USER_COLUMNS = "id, username, role, password_hash, totp_secret_enc, totp_last_step, failed_attempts, locked_until, disabled_at, created_by, created_at, credentials_set_at, last_login_at";
const ms = (d: Date | null): number | null => d?.getTime() ?? null;
const iso = (n: number | null): string | null => (n === null ? null : new Date(n).toISOString());

const userFromRow = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  totpSecretEnc: r.totp_secret_enc,
  totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  failedAttempts: r.failed_attempts,
  lockedUntilMs: ms(r.locked_until),
  disabledAtMs: ms(r.disabled_at),
  createdBy: r.created_by,
  createdAtMs: r.created_at.getTime(),
  credentialsSetAtMs: r.credentials_set_at.getTime(),
  lastLoginAtMs: ms(r.last_login_at),
});

export const findUserByName = async (q: Queryable, username: string, opts: { forUpdate?: boolean } = {}): Promise<UserRecord | null> => {
  const { rows } = await q.query<UserRow>("console_user_by_name", `SELECT ${USER_COLUMNS} FROM console.users WHERE username = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [username]);
  return rows[0] ? userFromRow(rows[0]) : null;
};

export const findUserById = async (q: Queryable, id: string, opts: { forUpdate?: boolean } = {}): Promise<UserRecord | null> => {
  const { rows } = await q.query<UserRow>("console_user_by_id", `SELECT ${USER_COLUMNS} FROM console.users WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [id]);
  return rows[0] ? userFromRow(rows[0]) : null;
};

export const listUsers = async (q: Queryable): Promise<UserRecord[]> => {
  const { rows } = await q.query<UserRow>("console_user_list", `SELECT ${USER_COLUMNS} FROM console.users ORDER BY username`);
  return rows.map(userFromRow);
};

export const countUsers = async (q: Queryable): Promise<number> => {
  const { rows } = await q.query<{ n: number }>("console_user_count", "SELECT count(*)::int AS n FROM console.users");
  return rows[0]?.n ?? 0;
};

export const activeAdminExists = async (q: Queryable): Promise<boolean> => {
  const { rows } = await q.query<{ exists: boolean }>("console_user_active_admin", "SELECT EXISTS (SELECT 1 FROM console.users WHERE role = 'admin' AND disabled_at IS NULL) AS exists");
  return rows[0]?.exists === true;
};

export interface NewUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly totpSecretEnc: Buffer | null;
  readonly totpLastStep: number | null;
  readonly createdBy: string;
  readonly atMs: number;
}

export const insertUser = async (q: Queryable, u: NewUser): Promise<void> => {
  await q.query(
    "console_user_insert",
    `INSERT INTO console.users (id, username, role, password_hash, totp_secret_enc, totp_last_step, created_by, created_at, credentials_set_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [u.id, u.username, u.role, u.passwordHash, u.totpSecretEnc, u.totpLastStep, u.createdBy, iso(u.atMs)],
  );
};

/** New password and second factor for an existing user (a credential reset), unlocking it. */
export const replaceCredentials = async (q: Queryable, id: string, c: { passwordHash: string; totpSecretEnc: Buffer | null; totpLastStep: number | null; atMs: number }): Promise<void> => {
  await q.query(
    "console_user_credentials",
    `UPDATE console.users SET password_hash = $2, totp_secret_enc = $3, totp_last_step = $4, credentials_set_at = $5, failed_attempts = 0, locked_until = NULL WHERE id = $1`,
    [id, c.passwordHash, c.totpSecretEnc, c.totpLastStep, iso(c.atMs)],
  );
};

export const saveLockState = async (q: Queryable, id: string, s: { failedAttempts: number; lockedUntilMs: number | null }): Promise<void> => {
  await q.query("console_user_lock_state", "UPDATE console.users SET failed_attempts = $2, locked_until = $3 WHERE id = $1", [id, s.failedAttempts, iso(s.lockedUntilMs)]);
};

export const recordLogin = async (q: Queryable, id: string, atMs: number, totpStep: number | null): Promise<void> => {
  await q.query(
    "console_user_login",
    "UPDATE console.users SET last_login_at = $2, failed_attempts = 0, locked_until = NULL, totp_last_step = COALESCE($3, totp_last_step) WHERE id = $1",
    [id, iso(atMs), totpStep],
  );
};

export const recordTotpStep = async (q: Queryable, id: string, step: number): Promise<void> => {
  await q.query("console_user_totp_step", "UPDATE console.users SET totp_last_step = $2, failed_attempts = 0 WHERE id = $1", [id, step]);
};

export const setUserRole = async (q: Queryable, id: string, role: Role): Promise<void> => {
  await q.query("console_user_role", "UPDATE console.users SET role = $2 WHERE id = $1", [id, role]);
};

export const setUserDisabled = async (q: Queryable, id: string, atMs: number | null): Promise<void> => {
  await q.query("console_user_disable", "UPDATE console.users SET disabled_at = $2 WHERE id = $1", [id, iso(atMs)]);
};

export interface EnrollmentRecord {
  readonly id: string;
  readonly codeSha256: Buffer;
  readonly username: string | null;
  readonly role: Role;
  readonly totpSecretEnc: Buffer | null;
  readonly createdBy: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
  readonly userId: string | null;
}

interface EnrollmentRow {
  id: string;
  code_sha256: Buffer;
  username: string | null;
  role: Role;
  totp_secret_enc: Buffer | null;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  user_id: string | null;
}

const ENROLLMENT_COLUMNS = "id, code_sha256, username, role, totp_secret_enc, created_by, created_at, expires_at, used_at, user_id";
const enrollmentFromRow = (r: EnrollmentRow): EnrollmentRecord => ({
  id: r.id,
  codeSha256: r.code_sha256,
  username: r.username,
  role: r.role,
  totpSecretEnc: r.totp_secret_enc,
  createdBy: r.created_by,
  createdAtMs: r.created_at.getTime(),
  expiresAtMs: r.expires_at.getTime(),
  usedAtMs: ms(r.used_at),
  userId: r.user_id,
});

export const insertEnrollment = async (q: Queryable, e: Omit<EnrollmentRecord, "totpSecretEnc" | "usedAtMs">): Promise<void> => {
  await q.query(
    "console_enrollment_insert",
    `INSERT INTO console.enrollments (id, code_sha256, username, role, created_by, created_at, expires_at, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [e.id, e.codeSha256, e.username, e.role, e.createdBy, iso(e.createdAtMs), iso(e.expiresAtMs), e.userId],
  );
};

export const findEnrollmentByCode = async (q: Queryable, codeSha256: Buffer, opts: { forUpdate?: boolean } = {}): Promise<EnrollmentRecord | null> => {
  const { rows } = await q.query<EnrollmentRow>("console_enrollment_by_code", `SELECT ${ENROLLMENT_COLUMNS} FROM console.enrollments WHERE code_sha256 = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [codeSha256]);
  return rows[0] ? enrollmentFromRow(rows[0]) : null;
};

export const setEnrollmentTotp = async (q: Queryable, id: string, totpSecretEnc: Buffer): Promise<void> => {
  await q.query("console_enrollment_totp", "UPDATE console.enrollments SET totp_secret_enc = $2 WHERE id = $1", [id, totpSecretEnc]);
};

export const markEnrollmentUsed = async (q: Queryable, id: string, userId: string, atMs: number): Promise<void> => {
  await q.query("console_enrollment_used", "UPDATE console.enrollments SET used_at = $2, user_id = $3 WHERE id = $1", [id, iso(atMs), userId]);
};

/** Open enrollments are closed when a newer one replaces them (a second reset, a new first-admin code). */
export const closeOpenEnrollments = async (q: Queryable, where: { username?: string; firstAdmin?: boolean }, atMs: number): Promise<number> => {
  const { rowCount } = where.firstAdmin
    ? await q.query("console_enrollment_close_first", "UPDATE console.enrollments SET expires_at = GREATEST(created_at + interval '1 millisecond', $1::timestamptz) WHERE username IS NULL AND used_at IS NULL AND expires_at > $1", [iso(atMs)])
    : await q.query("console_enrollment_close_user", "UPDATE console.enrollments SET expires_at = GREATEST(created_at + interval '1 millisecond', $2::timestamptz) WHERE username = $1 AND used_at IS NULL AND expires_at > $2", [where.username, iso(atMs)]);
  return rowCount ?? 0;
};
