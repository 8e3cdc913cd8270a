// Authentication as an ordered list of strategies: the first that recognises the request's credential
// decides. Bearer service tokens and bearer API tokens here; the console adds a session-cookie strategy.
import type { IncomingHttpHeaders } from "node:http";
import type { Clock } from "../clock.js";
import type { Queryable } from "../db/database.js";
import { API_TOKEN_PREFIX, apiTokenMatches, parseApiToken } from "./api-token-format.js";
import { canTouchApiTokens, findApiToken, tokenUnusableReason, touchApiToken } from "./api-token-store.js";
import type { Principal } from "./principal.js";
import { SERVICE_TOKEN_PREFIX, assertServiceTokenSecret, verifyServiceToken } from "./service-token.js";

/** Why a request could not be authenticated; a bounded set, used as a metric label. */
export type AuthFailureReason = "missing_credentials" | "malformed_token" | "invalid_token" | "expired_token" | "revoked_token";

/** What a strategy needs of a request; a FastifyRequest qualifies. */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly cookies?: Readonly<Record<string, string | undefined>>;
}

export type StrategyOutcome =
  /** Not this strategy's kind of credential: the next one is asked. */
  | { readonly kind: "pass" }
  | { readonly kind: "principal"; readonly principal: Principal }
  | { readonly kind: "rejected"; readonly reason: AuthFailureReason };

export interface AuthStrategy {
  readonly name: string;
  authenticate(request: AuthRequest): Promise<StrategyOutcome>;
}

export type AuthResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: AuthFailureReason };

export interface Authenticator {
  readonly strategies: readonly AuthStrategy[];
  /** Throws only when a dependency (PostgreSQL) fails: the caller answers 503, not 401. */
  authenticate(request: AuthRequest): Promise<AuthResult>;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export const bearerToken = (headers: IncomingHttpHeaders): string | null => {
  const header = headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match?.[1] ?? null;
};

export const composeAuthenticator = (strategies: readonly AuthStrategy[]): Authenticator => ({
  strategies,
  async authenticate(request) {
    for (const strategy of strategies) {
      const outcome = await strategy.authenticate(request);
      if (outcome.kind === "principal") return { ok: true, principal: outcome.principal };
      if (outcome.kind === "rejected") return { ok: false, reason: outcome.reason };
    }
    // A credential no strategy recognises is malformed, not missing: the client did try.
    return { ok: false, reason: request.headers.authorization === undefined ? "missing_credentials" : "malformed_token" };
  },
});

export const serviceTokenStrategy = (secret: string, clock: Clock): AuthStrategy => {
  assertServiceTokenSecret(secret);
  return {
    name: "service-token",
    async authenticate(request) {
      const token = bearerToken(request.headers);
      if (token === null || !token.startsWith(SERVICE_TOKEN_PREFIX)) return { kind: "pass" };
      const verdict = verifyServiceToken(token, secret, clock);
      if (!verdict.ok) return { kind: "rejected", reason: verdict.reason };
      return { kind: "principal", principal: { kind: "service", id: verdict.service, name: verdict.service, role: "viewer", scopes: [] } };
    },
  };
};

/** How often last_used_at may be written per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiTokenStrategyOptions {
  readonly db: Queryable;
  readonly clock: Clock;
  /**
   * Record last_used_at. "auto" (default) writes it only when the connected role may UPDATE
   * auth.api_tokens (the console); the other services only read tokens.
   */
  readonly trackLastUsed?: boolean | "auto";
}

export const apiTokenStrategy = (opts: ApiTokenStrategyOptions): AuthStrategy => {
  let mayTrack: Promise<boolean> | null = typeof opts.trackLastUsed === "boolean" ? Promise.resolve(opts.trackLastUsed) : null;
  const shouldTrack = (): Promise<boolean> => {
    // Asked once; a failure (PostgreSQL down) is retried at the next use rather than cached.
    mayTrack ??= canTouchApiTokens(opts.db).catch(() => {
      mayTrack = null;
      return false;
    });
    return mayTrack;
  };
  return {
    name: "api-token",
    async authenticate(request) {
      const token = bearerToken(request.headers);
      if (token === null || !token.startsWith(API_TOKEN_PREFIX)) return { kind: "pass" };
      const parsed = parseApiToken(token);
      if (parsed === null) return { kind: "rejected", reason: "malformed_token" };
      const record = await findApiToken(opts.db, parsed.id);
      if (record === null || !apiTokenMatches(token, record.tokenSha256)) return { kind: "rejected", reason: "invalid_token" };
      const nowMs = opts.clock.nowMs();
      const unusable = tokenUnusableReason(record, nowMs);
      if (unusable !== null) return { kind: "rejected", reason: unusable };
      if ((record.lastUsedAtMs === null || record.lastUsedAtMs < nowMs - LAST_USED_RESOLUTION_MS) && (await shouldTrack())) {
        // Bookkeeping only: a failed write must not turn a valid token away.
        await touchApiToken(opts.db, record.id, nowMs, LAST_USED_RESOLUTION_MS).catch(() => undefined);
      }
      return { kind: "principal", principal: { kind: "operator", id: record.id, name: record.name, role: record.role, scopes: record.scopes } };
    },
  };
};

export interface AuthenticatorOptions {
  readonly db: Queryable;
  /** TITAN_SERVICE_TOKEN_SECRET. */
  readonly serviceTokenSecret: string;
  readonly clock: Clock;
  readonly trackLastUsed?: boolean | "auto";
}

/** Bearer service tokens, then bearer API tokens. */
export const createAuthenticator = (opts: AuthenticatorOptions): Authenticator =>
  composeAuthenticator([
    serviceTokenStrategy(opts.serviceTokenSecret, opts.clock),
    apiTokenStrategy({ db: opts.db, clock: opts.clock, ...(opts.trackLastUsed !== undefined ? { trackLastUsed: opts.trackLastUsed } : {}) }),
  ]);
