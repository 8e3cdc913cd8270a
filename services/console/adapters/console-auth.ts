// Operator authentication: password + second factor with lock-out, browser sessions (each with a
// delegated API token the console acts with), the step-up check before an emergency action, and the
// sweep that closes lapsed sessions. Every outcome that matters lands in the audit log, in the
// transaction of the change it records.
import { randomUUID } from "node:crypto";
import { appendAudit, type AuditActor, type AuditTransaction } from "../../shared/audit/index.js";
import { hashApiToken, type Principal } from "../../shared/auth/index.js";
import { insertApiToken, markApiTokenRevoked } from "../../shared/auth/api-token-store.js";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import { mfaRequired } from "../domain/accounts.js";
import { afterFailure, isLocked } from "../domain/lockout.js";
import { delegateTokenFor, newSessionCredential, secretMatches, sha256, type SessionCredential } from "../domain/session-credentials.js";
import { sessionVerdict, shouldTouch } from "../domain/session-policy.js";
import type { SecretBox } from "../domain/secret-box.js";
import { verifyTotp } from "../domain/totp.js";
import { verifyAgainstNobody, verifyPassword } from "./passwords.js";
import { findSession, insertSession, lapsedSessions, revokeSession, revokeUserSessions, touchSession, type SessionRecord } from "./session-store.js";
import { findUserById, findUserByName, recordLogin, recordTotpStep, saveLockState, type UserRecord } from "./user-store.js";

export const SERVICE = "console";
/** Audit actor for refusals before anyone is authenticated. */
export const LOGIN_GATE: AuditActor = { kind: "system", id: "console-login", name: "console login" };

export const userActor = (u: Pick<UserRecord, "id" | "username">): AuditActor => ({ kind: "operator", id: `user:${u.id}`, name: u.username });
export const userPrincipal = (u: Pick<UserRecord, "id" | "username" | "role">): Principal => ({ kind: "operator", id: `user:${u.id}`, name: u.username, role: u.role, scopes: [] });

export type LoginRefusal = "unknown-user" | "disabled" | "locked" | "wrong-password" | "mfa-not-enrolled" | "missing-code" | "wrong-code" | "replayed-code" | "malformed-code";

export type CredentialCheck = { readonly ok: true; readonly user: UserRecord; readonly mfa: boolean } | { readonly ok: false; readonly reason: LoginRefusal };

/** A request's authenticated session, as the session strategy found it. */
export interface SessionContext {
  readonly session: SessionRecord;
  readonly user: UserRecord;
  readonly credential: SessionCredential;
  readonly principal: Principal;
}

export type SessionCheck = { readonly ok: true; readonly context: SessionContext } | { readonly ok: false; readonly reason: "invalid" | "expired" | "revoked" };

export interface ConsoleAuthOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly box: SecretBox;
  readonly sessionTtlMs: number;
  readonly sessionIdleMs: number;
  /** Counts logins by outcome (a bounded label set). */
  readonly onLogin?: (outcome: "ok" | LoginRefusal) => void;
}

export interface NewSession {
  readonly credential: SessionCredential;
  readonly session: SessionRecord;
}

export class ConsoleAuth {
  constructor(private readonly o: ConsoleAuthOptions) {}

  private now(): number {
    return Math.floor(this.o.clock.nowMs());
  }

  /**
   * Checks a username, password and (for roles that need one, or users who enrolled one) a TOTP code.
   * A failure counts towards the lock-out and is audited with its precise reason; the caller only ever
   * tells the client that the login failed.
   */
  async checkCredentials(username: string, password: string, code: string | undefined, clientIp: string): Promise<CredentialCheck> {
    const result = await this.o.db.transaction(async (tx): Promise<CredentialCheck> => {
      const nowMs = this.now();
      const user = await findUserByName(tx, username, { forUpdate: true });
      const refuse = async (reason: LoginRefusal, target: UserRecord | null, extra: Record<string, unknown> = {}): Promise<CredentialCheck> => {
        await appendAudit(
          tx,
          { actor: LOGIN_GATE, service: SERVICE, action: "session.login-refuse", target: `user:${target?.id ?? (username.slice(0, 64) || "(empty)")}`, reason, after: { username: username.slice(0, 64), clientIp, ...extra } },
          this.o.clock,
        );
        return { ok: false, reason };
      };
      const fail = async (reason: LoginRefusal, u: UserRecord): Promise<CredentialCheck> => {
        const next = afterFailure(u, nowMs);
        await saveLockState(tx, u.id, next);
        if (next.lockedNow) await this.closeSessions(tx, u, "account locked after repeated failures", nowMs);
        return refuse(reason, u, { failedAttempts: next.failedAttempts, lockedUntilMs: next.lockedUntilMs, lockedNow: next.lockedNow });
      };
      if (user === null) {
        await verifyAgainstNobody(password);
        return refuse("unknown-user", null);
      }
      if (user.disabledAtMs !== null) return refuse("disabled", user);
      if (isLocked(user, nowMs)) return refuse("locked", user, { lockedUntilMs: user.lockedUntilMs });
      if (!(await verifyPassword(user.passwordHash, password))) return fail("wrong-password", user);
      const needsCode = mfaRequired(user.role) || user.totpSecretEnc !== null;
      if (!needsCode) {
        await recordLogin(tx, user.id, nowMs, null);
        return { ok: true, user, mfa: false };
      }
      if (user.totpSecretEnc === null) return refuse("mfa-not-enrolled", user);
      if (code === undefined || code === "") return fail("missing-code", user);
      const verdict = verifyTotp(this.o.box.open(user.totpSecretEnc), code, nowMs, user.totpLastStep);
      if (!verdict.ok) return fail(verdict.reason === "replayed" ? "replayed-code" : verdict.reason === "malformed" ? "malformed-code" : "wrong-code", user);
      await recordLogin(tx, user.id, nowMs, verdict.step);
      return { ok: true, user: { ...user, totpLastStep: verdict.step }, mfa: true };
    });
    this.o.onLogin?.(result.ok ? "ok" : result.reason);
    return result;
  }

  /** Opens a session for a user whose credentials were just checked, with its delegated API token. */
  async openSession(user: UserRecord, mfa: boolean, clientIp: string): Promise<NewSession> {
    const credential = newSessionCredential();
    const nowMs = this.now();
    const delegateTokenId = randomUUID();
    const session: SessionRecord = {
      id: credential.sessionId,
      userId: user.id,
      secretSha256: sha256(credential.secret),
      delegateTokenId,
      mfa,
      createdAtMs: nowMs,
      lastSeenAtMs: nowMs,
      expiresAtMs: nowMs + this.o.sessionTtlMs,
      revokedAtMs: null,
      revokeReason: null,
      clientIp,
    };
    await this.o.db.transaction(async (tx) => {
      await insertApiToken(tx, {
        id: delegateTokenId,
        name: `console session ${user.username}`,
        tokenSha256: hashApiToken(delegateTokenFor(credential.secret, delegateTokenId)),
        role: user.role,
        scopes: [],
        createdBy: `user:${user.id}`,
        createdAtMs: nowMs,
        expiresAtMs: session.expiresAtMs,
        isBootstrap: false,
      });
      await insertSession(tx, session);
      await appendAudit(
        tx,
        {
          actor: userActor(user),
          service: SERVICE,
          action: "session.login",
          target: `session:${session.id}`,
          after: { role: user.role, mfa, clientIp, delegateTokenId, expiresAtMs: session.expiresAtMs },
        },
        this.o.clock,
      );
    });
    return { credential, session };
  }

  /** The session behind a cookie. An expired or idle one is closed (and audited) the first time it is presented. */
  async checkSession(credential: SessionCredential): Promise<SessionCheck> {
    const session = await findSession(this.o.db, credential.sessionId);
    if (session === null || !secretMatches(credential.secret, session.secretSha256)) return { ok: false, reason: "invalid" };
    const nowMs = this.now();
    const verdict = sessionVerdict(session, nowMs, this.o.sessionIdleMs);
    if (verdict === "revoked") return { ok: false, reason: "revoked" };
    const user = await findUserById(this.o.db, session.userId);
    if (verdict !== "ok" || user === null || user.disabledAtMs !== null) {
      const reason = verdict === "expired" ? "session expired" : verdict === "idle" ? "session idle too long" : "user disabled";
      await this.o.db.transaction(async (tx) => {
        if (!(await revokeSession(tx, session.id, nowMs, reason))) return;
        await markApiTokenRevoked(tx, session.delegateTokenId, nowMs);
        const actor = user ? userActor(user) : LOGIN_GATE;
        await appendAudit(tx, { actor, service: SERVICE, action: "session.expire", target: `session:${session.id}`, reason, after: { presented: true } }, this.o.clock);
      });
      return { ok: false, reason: verdict === "ok" ? "revoked" : "expired" };
    }
    if (shouldTouch(session, nowMs)) await touchSession(this.o.db, session.id, nowMs);
    return { ok: true, context: { session, user, credential, principal: userPrincipal(user) } };
  }

  async logout(ctx: SessionContext): Promise<void> {
    const nowMs = this.now();
    await this.o.db.transaction(async (tx) => {
      if (!(await revokeSession(tx, ctx.session.id, nowMs, "logged out"))) return;
      await markApiTokenRevoked(tx, ctx.session.delegateTokenId, nowMs);
      await appendAudit(tx, { actor: userActor(ctx.user), service: SERVICE, action: "session.logout", target: `session:${ctx.session.id}` }, this.o.clock);
    });
  }

  /**
   * The second-factor check before an emergency action: a fresh TOTP code, never one used before. A
   * wrong code counts towards the lock-out, and a lock closes every session of the user.
   */
  async stepUp(ctx: SessionContext, code: string, action: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    return this.o.db.transaction(async (tx) => {
      const nowMs = this.now();
      const user = await findUserById(tx, ctx.user.id, { forUpdate: true });
      const refuse = async (reason: string, extra: Record<string, unknown> = {}) => {
        await appendAudit(tx, { actor: userActor(ctx.user), service: SERVICE, action: "session.step-up-refuse", target: `session:${ctx.session.id}`, reason, after: { action, ...extra } }, this.o.clock);
        return { ok: false as const, reason };
      };
      if (user === null || user.totpSecretEnc === null) return refuse("no second factor enrolled");
      if (isLocked(user, nowMs)) return refuse("account locked", { lockedUntilMs: user.lockedUntilMs });
      const verdict = verifyTotp(this.o.box.open(user.totpSecretEnc), code, nowMs, user.totpLastStep);
      if (verdict.ok) {
        await recordTotpStep(tx, user.id, verdict.step);
        return { ok: true as const };
      }
      const next = afterFailure(user, nowMs);
      await saveLockState(tx, user.id, next);
      if (next.lockedNow) await this.closeSessions(tx, user, "account locked after repeated failures", nowMs);
      return refuse(verdict.reason === "replayed" ? "code already used" : "wrong code", { failedAttempts: next.failedAttempts, lockedNow: next.lockedNow });
    });
  }

  /** Closes every session of a user (lock, disable, role change, credential reset), with their tokens. */
  async closeSessions(tx: AuditTransaction, user: Pick<UserRecord, "id" | "username">, reason: string, nowMs = this.now()): Promise<number> {
    const closed = await revokeUserSessions(tx, user.id, nowMs, reason);
    for (const s of closed) await markApiTokenRevoked(tx, s.delegateTokenId, nowMs);
    if (closed.length > 0) {
      await appendAudit(tx, { actor: LOGIN_GATE, service: SERVICE, action: "session.revoke", target: `user:${user.id}`, reason, after: { sessions: closed.map((s) => s.id) } }, this.o.clock);
    }
    return closed.length;
  }

  /** Closes sessions that lapsed without being presented again; returns how many. */
  async sweep(): Promise<number> {
    const nowMs = this.now();
    const lapsed = await lapsedSessions(this.o.db, nowMs, this.o.sessionIdleMs);
    for (const s of lapsed) {
      await this.o.db.transaction(async (tx) => {
        const reason = s.expiresAtMs <= nowMs ? "session expired" : "session idle too long";
        if (!(await revokeSession(tx, s.id, nowMs, reason))) return;
        await markApiTokenRevoked(tx, s.delegateTokenId, nowMs);
        await appendAudit(tx, { actor: LOGIN_GATE, service: SERVICE, action: "session.expire", target: `session:${s.id}`, reason, after: { presented: false } }, this.o.clock);
      });
    }
    return lapsed.length;
  }
}
