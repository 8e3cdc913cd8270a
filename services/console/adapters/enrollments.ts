// Enrollment: how a person gets a password and a second factor. A one-time code (the first admin's is
// written to a 0600 file on a fresh installation; an admin hands out the others, shown once) lets its
// holder choose a password and prove they hold a new TOTP secret. The first real admin retires the
// bootstrap API token.
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { appendAudit, type AuditActor } from "../../shared/audit/index.js";
import { BOOTSTRAP_ACTOR, revokeBootstrapTokens } from "../../shared/auth/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Role } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { USERNAME_PATTERN, mfaRequired, passwordProblems } from "../domain/accounts.js";
import type { SecretBox } from "../domain/secret-box.js";
import { sha256 } from "../domain/session-credentials.js";
import { newTotpSecret, totpUri, verifyTotp } from "../domain/totp.js";
import { SERVICE, userActor, type ConsoleAuth } from "./console-auth.js";
import { hashPassword } from "./passwords.js";
import { writeSecretFile } from "../../shared/secret-file.js";
import {
  activeAdminExists,
  closeOpenEnrollments,
  findEnrollmentByCode,
  findUserByName,
  insertEnrollment,
  insertUser,
  markEnrollmentUsed,
  replaceCredentials,
  setEnrollmentTotp,
  type EnrollmentRecord,
} from "./user-store.js";

export const ENROLLMENT_CODE_PATTERN = /^tse_[A-Za-z0-9_-]{43}$/;
const SETUP_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('titan.console.first-admin', 0))";

/** A refusal the person can act on (400 with every problem, 409 for a name already taken). */
export class EnrollmentError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly problems: readonly string[],
  ) {
    super(problems.join("; "));
  }
}

export interface EnrollmentsOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly box: SecretBox;
  readonly auth: ConsoleAuth;
  readonly ttlMs: number;
  /** The first admin's setup code file. */
  readonly setupCodeFile: string;
  readonly log: (line: string) => void;
}

export interface EnrollmentStart {
  readonly username: string | null;
  readonly role: Role;
  readonly mfaRequired: boolean;
  readonly totpSecret: string;
  readonly totpUri: string;
  readonly expiresAtMs: number;
}

const newCode = (): string => `tse_${randomBytes(32).toString("base64url")}`;

export class Enrollments {
  constructor(private readonly o: EnrollmentsOptions) {}

  private now(): number {
    return Math.floor(this.o.clock.nowMs());
  }

  /** An enrollment its code still opens, or null (unknown, used or expired: one answer for all). */
  async usable(code: string): Promise<EnrollmentRecord | null> {
    if (!ENROLLMENT_CODE_PATTERN.test(code)) return null;
    const e = await findEnrollmentByCode(this.o.db, sha256(code));
    return e !== null && e.usedAtMs === null && e.expiresAtMs > this.now() ? e : null;
  }

  /**
   * On start: while no admin exists, makes sure the setup file holds a usable first-admin code (its
   * path is logged, never the code); once one exists, removes the file.
   */
  async ensureFirstAdminSetup(): Promise<"not-needed" | "kept" | "created"> {
    const file = this.o.setupCodeFile;
    if (await activeAdminExists(this.o.db)) {
      if (existsSync(file)) rmSync(file, { force: true });
      return "not-needed";
    }
    if (existsSync(file)) {
      const kept = await this.usable(readFileSync(file, "utf8").trim());
      if (kept !== null && kept.username === null) return "kept";
    }
    const outcome = await this.o.db.transaction(async (tx) => {
      await tx.query("console_setup_lock", SETUP_LOCK_SQL);
      if (await activeAdminExists(tx)) return "not-needed" as const;
      const nowMs = this.now();
      await closeOpenEnrollments(tx, { firstAdmin: true }, nowMs);
      const code = newCode();
      const id = randomUUID();
      await insertEnrollment(tx, { id, codeSha256: sha256(code), username: null, role: "admin", createdBy: BOOTSTRAP_ACTOR.id, createdAtMs: nowMs, expiresAtMs: nowMs + this.o.ttlMs, userId: null });
      await appendAudit(tx, { actor: BOOTSTRAP_ACTOR, service: SERVICE, action: "user.setup-code", target: `enrollment:${id}`, reason: "no admin exists", after: { role: "admin", expiresAtMs: nowMs + this.o.ttlMs } }, this.o.clock);
      writeSecretFile(file, `${code}\n`); // before commit: a failed write leaves no code nobody can read
      return "created" as const;
    });
    if (outcome === "created") this.o.log(`no console admin yet: a one-time setup code was written to ${file}; open /setup in the console`);
    return outcome;
  }

  /** An admin invites a new user, or resets an existing one's credentials; the code is returned once. */
  async issue(actor: AuditActor, req: { username: string; role: Role; reset: boolean; reason?: string | null }): Promise<{ code: string; id: string; expiresAtMs: number }> {
    if (!USERNAME_PATTERN.test(req.username)) throw new EnrollmentError(400, [`username must match ${USERNAME_PATTERN.source}`]);
    return this.o.db.transaction(async (tx) => {
      const nowMs = this.now();
      const existing = await findUserByName(tx, req.username);
      if (req.reset && existing === null) throw new EnrollmentError(404, [`no user ${req.username}`]);
      if (!req.reset && existing !== null) throw new EnrollmentError(409, [`user ${req.username} already exists`]);
      const role = existing?.role ?? req.role;
      await closeOpenEnrollments(tx, { username: req.username }, nowMs);
      const code = newCode();
      const id = randomUUID();
      const expiresAtMs = nowMs + this.o.ttlMs;
      await insertEnrollment(tx, { id, codeSha256: sha256(code), username: req.username, role, createdBy: actor.id, createdAtMs: nowMs, expiresAtMs, userId: existing?.id ?? null });
      if (existing !== null) await this.o.auth.closeSessions(tx, existing, "credentials reset", nowMs);
      await appendAudit(
        tx,
        { actor, service: SERVICE, action: req.reset ? "user.reset" : "user.invite", target: `user:${existing?.id ?? req.username}`, reason: req.reason ?? null, after: { username: req.username, role, enrollmentId: id, expiresAtMs } },
        this.o.clock,
      );
      return { code, id, expiresAtMs };
    });
  }

  /** First step: a new TOTP secret for the person to put in their authenticator app. */
  async begin(e: EnrollmentRecord): Promise<EnrollmentStart> {
    const secret = newTotpSecret();
    await setEnrollmentTotp(this.o.db, e.id, this.o.box.seal(secret));
    return { username: e.username, role: e.role, mfaRequired: mfaRequired(e.role), totpSecret: secret, totpUri: totpUri(secret, e.username ?? "admin"), expiresAtMs: e.expiresAtMs };
  }

  /** Second step: the password and a code from the app; creates the user (or replaces its credentials). */
  async complete(code: string, input: { username?: string; password: string; totpCode?: string }, clientIp: string): Promise<{ userId: string; username: string; role: Role }> {
    const done = await this.o.db.transaction(async (tx) => {
      const nowMs = this.now();
      const e = await findEnrollmentByCode(tx, sha256(code), { forUpdate: true });
      if (e === null || e.usedAtMs !== null || e.expiresAtMs <= nowMs) throw new EnrollmentError(404, ["this enrollment code is not valid any more"]);
      const problems: string[] = [];
      const username = e.username ?? input.username ?? "";
      if (e.username === null && !USERNAME_PATTERN.test(username)) problems.push(`username must match ${USERNAME_PATTERN.source}`);
      if (e.username !== null && input.username !== undefined && input.username !== e.username) problems.push(`this code is for ${e.username}`);
      problems.push(...passwordProblems(input.password, username));
      let totp: { sealed: Buffer; step: number } | null = null;
      const wantsTotp = mfaRequired(e.role) || (input.totpCode !== undefined && input.totpCode !== "");
      if (wantsTotp) {
        if (e.totpSecretEnc === null) problems.push("start the setup first: no second-factor secret was issued");
        else if (input.totpCode === undefined || input.totpCode === "") problems.push(`the ${e.role} role needs a second factor: enter the code your authenticator app shows`);
        else {
          const verdict = verifyTotp(this.o.box.open(e.totpSecretEnc), input.totpCode, nowMs, null);
          if (verdict.ok) totp = { sealed: e.totpSecretEnc, step: verdict.step };
          else problems.push("the code does not match the secret shown at setup (check the device's clock)");
        }
      }
      if (problems.length > 0) throw new EnrollmentError(400, problems);
      const passwordHash = await hashPassword(input.password);
      const existing = await findUserByName(tx, username, { forUpdate: true });
      let userId: string;
      if (e.userId !== null) {
        if (existing === null || existing.id !== e.userId) throw new EnrollmentError(404, ["the user this code was for no longer exists"]);
        userId = existing.id;
        await replaceCredentials(tx, userId, { passwordHash, totpSecretEnc: totp?.sealed ?? null, totpLastStep: totp?.step ?? null, atMs: nowMs });
      } else {
        if (existing !== null) throw new EnrollmentError(409, [`user ${username} already exists`]);
        userId = randomUUID();
        await insertUser(tx, { id: userId, username, role: e.role, passwordHash, totpSecretEnc: totp?.sealed ?? null, totpLastStep: totp?.step ?? null, createdBy: e.createdBy, atMs: nowMs });
      }
      await markEnrollmentUsed(tx, e.id, userId, nowMs);
      await appendAudit(
        tx,
        { actor: userActor({ id: userId, username }), service: SERVICE, action: "user.enroll", target: `user:${userId}`, after: { username, role: e.role, mfa: totp !== null, enrollmentId: e.id, invitedBy: e.createdBy, clientIp } },
        this.o.clock,
      );
      return { userId, username, role: e.role };
    });
    if (done.role === "admin") await this.retireBootstrap(done);
    return done;
  }

  /** A real admin exists: the bootstrap API token and the setup file have served their purpose. */
  private async retireBootstrap(admin: { userId: string; username: string }): Promise<void> {
    const revoked = await revokeBootstrapTokens(this.o.db, this.o.clock, userActor({ id: admin.userId, username: admin.username }), SERVICE);
    rmSync(this.o.setupCodeFile, { force: true });
    if (revoked > 0) this.o.log(`a console admin exists: ${revoked} bootstrap admin token(s) revoked`);
  }
}
