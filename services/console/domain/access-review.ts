// The quarterly access review (ops/ SECURITY.accessReviewSeconds): who holds which role, when each
// person last logged in, whether they have the second factor their role needs, which API tokens are
// live, how old they are and when they were last used — and the findings a reviewer must act on.
// Pure: the route reads users and tokens, this decides.
import { SECURITY } from "../../../ops/index.js";
import type { Role } from "../../shared/contracts/index.js";
import { mfaRequired } from "./accounts.js";

const DAY_MS = 86_400_000;

/** Access not used within one review period is stale: nobody needed it since the last review. */
export const STALE_AFTER_MS = SECURITY.accessReviewSeconds.value * 1000;

/**
 * A token older than the key rotation period of ops/ is due for rotation. ops/ states that period for
 * exchange API keys; Titan's own API tokens are credentials of the same kind and follow it.
 */
export const ROTATE_AFTER_MS = SECURITY.apiKeyRotationSeconds.value * 1000;

/** The name the console gives the delegated token of a browser session (adapters/console-auth.ts). */
export const CONSOLE_SESSION_TOKEN_PREFIX = "console session ";

export type UserFinding = "stale-account" | "mfa-missing";
export type TokenFinding = "stale-token" | "rotation-due" | "bootstrap-token-live";

export interface ReviewedUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly mfa: boolean;
  readonly disabled: boolean;
  readonly createdAtMs: number;
  readonly credentialsSetAtMs: number;
  readonly lastLoginAtMs: number | null;
}

export interface ReviewedToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs: number | null;
  readonly lastUsedAtMs: number | null;
  readonly isBootstrap: boolean;
}

export interface Finding {
  readonly subject: "user" | "token";
  readonly id: string;
  readonly name: string;
  readonly finding: UserFinding | TokenFinding;
  /** What the reviewer sees, with the numbers behind the finding and what to do. */
  readonly detail: string;
}

const days = (ms: number): number => Math.floor(ms / DAY_MS);
const periodDays = days(STALE_AFTER_MS);

/** Findings of one user; a disabled account has none (it can do nothing). */
export const userFindings = (u: ReviewedUser, nowMs: number): Finding[] => {
  if (u.disabled) return [];
  const found: Finding[] = [];
  const lastAccessMs = u.lastLoginAtMs ?? u.createdAtMs;
  if (nowMs - lastAccessMs > STALE_AFTER_MS) {
    const since = u.lastLoginAtMs === null ? `never logged in since enrolling ${days(nowMs - u.createdAtMs)} days ago` : `no login for ${days(nowMs - u.lastLoginAtMs)} days`;
    found.push({ subject: "user", id: u.id, name: u.username, finding: "stale-account", detail: `${since} (review period ${periodDays} days): disable the account unless it is still needed` });
  }
  if (mfaRequired(u.role) && !u.mfa) {
    found.push({ subject: "user", id: u.id, name: u.username, finding: "mfa-missing", detail: `the ${u.role} role needs a second factor: reset the credentials or lower the role` });
  }
  return found;
};

/** Tokens that can be used now. */
export const liveTokens = <T extends ReviewedToken>(tokens: readonly T[], nowMs: number): T[] => tokens.filter((t) => t.revokedAtMs === null && t.expiresAtMs > nowMs);

export const isConsoleSessionToken = (t: Pick<ReviewedToken, "name">): boolean => t.name.startsWith(CONSOLE_SESSION_TOKEN_PREFIX);

/**
 * Findings of one live token; `adminExists`: an enabled admin exists, so the bootstrap token should be
 * gone. A browser session's delegated token has none: it ends with its session, within hours.
 */
export const tokenFindings = (t: ReviewedToken, nowMs: number, adminExists: boolean): Finding[] => {
  if (isConsoleSessionToken(t)) return [];
  const found: Finding[] = [];
  const lastUseMs = t.lastUsedAtMs ?? t.createdAtMs;
  if (nowMs - lastUseMs > STALE_AFTER_MS) {
    const since = t.lastUsedAtMs === null ? `never used in ${days(nowMs - t.createdAtMs)} days` : `not used for ${days(nowMs - t.lastUsedAtMs)} days`;
    found.push({ subject: "token", id: t.id, name: t.name, finding: "stale-token", detail: `${since} (review period ${periodDays} days): revoke it` });
  }
  if (nowMs - t.createdAtMs > ROTATE_AFTER_MS) {
    found.push({ subject: "token", id: t.id, name: t.name, finding: "rotation-due", detail: `${days(nowMs - t.createdAtMs)} days old, past the rotation period of ${days(ROTATE_AFTER_MS)} days: issue a new one and revoke this` });
  }
  if (t.isBootstrap && adminExists) {
    found.push({ subject: "token", id: t.id, name: t.name, finding: "bootstrap-token-live", detail: "the first-start bootstrap token is still live although an admin exists: revoke it" });
  }
  return found;
};

export interface AccessReview<U extends ReviewedUser, T extends ReviewedToken> {
  readonly generatedAtMs: number;
  readonly reviewEveryDays: number;
  readonly staleAfterDays: number;
  readonly rotateAfterDays: number;
  readonly users: Array<U & { readonly daysSinceLogin: number | null; readonly credentialAgeDays: number; readonly findings: UserFinding[] }>;
  readonly tokens: Array<T & { readonly ageDays: number; readonly daysSinceUse: number | null; readonly expiresInDays: number; readonly consoleSession: boolean; readonly findings: TokenFinding[] }>;
  /** Every finding, users first, in the order of the lists. */
  readonly findings: Finding[];
}

/** The review of every user and every live token at `nowMs`. */
export const accessReview = <U extends ReviewedUser, T extends ReviewedToken>(users: readonly U[], tokens: readonly T[], nowMs: number): AccessReview<U, T> => {
  const adminExists = users.some((u) => u.role === "admin" && !u.disabled);
  const reviewedUsers = users.map((u) => ({ user: u, found: userFindings(u, nowMs) }));
  const reviewed = liveTokens(tokens, nowMs).map((t) => ({ token: t, found: tokenFindings(t, nowMs, adminExists) }));
  return {
    generatedAtMs: nowMs,
    reviewEveryDays: periodDays,
    staleAfterDays: periodDays,
    rotateAfterDays: days(ROTATE_AFTER_MS),
    users: reviewedUsers.map(({ user, found }) => ({
      ...user,
      daysSinceLogin: user.lastLoginAtMs === null ? null : days(nowMs - user.lastLoginAtMs),
      credentialAgeDays: days(nowMs - user.credentialsSetAtMs),
      findings: found.map((f) => f.finding as UserFinding),
    })),
    tokens: reviewed.map(({ token, found }) => ({
      ...token,
      ageDays: days(nowMs - token.createdAtMs),
      daysSinceUse: token.lastUsedAtMs === null ? null : days(nowMs - token.lastUsedAtMs),
      expiresInDays: Math.ceil((token.expiresAtMs - nowMs) / DAY_MS),
      consoleSession: isConsoleSessionToken(token),
      findings: found.map((f) => f.finding as TokenFinding),
    })),
    findings: [...reviewedUsers.flatMap((r) => r.found), ...reviewed.flatMap((r) => r.found)],
  };
};
