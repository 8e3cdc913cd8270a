// Issuing and revoking operator API tokens: each change and its audit event in one transaction.
import type { AuditActor, AuditTransaction } from "../audit/index.js";
import { appendAudit } from "../audit/index.js";
import type { Clock } from "../clock.js";
import { ApiTokenCreateRequestSchema, DEFAULT_TOKEN_TTL_SECONDS, checkSchema, type ApiTokenCreateRequest, type ApiTokenListItem } from "../contracts/index.js";
import { generateApiToken } from "./api-token-format.js";
import { findApiToken, insertApiToken, markApiTokenRevoked, type ApiTokenRecord } from "./api-token-store.js";

/** A token request as the contracts define it: name, role, scopes, and a lifetime (90 days when absent). */
export type ApiTokenRequest = ApiTokenCreateRequest;

export class ApiTokenInputError extends Error {}

/** Every problem with a token request, one line each; empty when it is acceptable. */
export const apiTokenRequestProblems = (req: unknown): string[] => {
  const checked = checkSchema(ApiTokenCreateRequestSchema, req);
  return checked.ok ? [] : checked.issues.map((issue) => `${issue.path}: ${issue.message}`);
};

/** What the API shows of a token (the contracts' list item): never its secret or hash. */
export const publicTokenView = (t: Omit<ApiTokenRecord, "tokenSha256">): ApiTokenListItem => ({
  id: t.id,
  name: t.name,
  role: t.role,
  scopes: [...t.scopes],
  createdBy: t.createdBy,
  createdAtMs: t.createdAtMs,
  expiresAtMs: t.expiresAtMs,
  revokedAtMs: t.revokedAtMs,
});
export type PublicTokenView = ApiTokenListItem;

/** What the audit log records of a token: the public view, and whether it was the bootstrap token. */
const auditView = (t: Omit<ApiTokenRecord, "tokenSha256">) => ({ ...publicTokenView(t), isBootstrap: t.isBootstrap });

export interface IssuedApiToken {
  /** The token itself: hand it to its owner once, never log or store it. */
  readonly token: string;
  readonly record: PublicTokenView;
}

interface Context {
  readonly clock: Clock;
  readonly actor: AuditActor;
  /** The service writing the audit event. */
  readonly service: string;
  readonly reason?: string | null;
}

export const issueApiToken = async (tx: AuditTransaction, req: ApiTokenRequest, ctx: Context & { readonly isBootstrap?: boolean }): Promise<IssuedApiToken> => {
  const problems = apiTokenRequestProblems(req);
  if (problems.length > 0) throw new ApiTokenInputError(problems.join("; "));
  const generated = generateApiToken();
  const createdAtMs = Math.floor(ctx.clock.nowMs());
  const record = {
    id: generated.id,
    name: req.name,
    tokenSha256: generated.sha256,
    role: req.role,
    scopes: [...req.scopes],
    createdBy: ctx.actor.id,
    createdAtMs,
    expiresAtMs: createdAtMs + (req.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000,
    isBootstrap: ctx.isBootstrap === true,
  };
  await insertApiToken(tx, record);
  const stored = { ...record, revokedAtMs: null, lastUsedAtMs: null };
  await appendAudit(
    tx,
    { actor: ctx.actor, service: ctx.service, action: ctx.isBootstrap ? "token.bootstrap" : "token.create", target: `api-token:${record.id}`, reason: ctx.reason ?? null, after: auditView(stored) },
    ctx.clock,
  );
  return { token: generated.token, record: publicTokenView(stored) };
};

/**
 * Revokes a token; revoking one already revoked changes nothing and writes no event.
 * Returns null when there is no such token.
 */
export const revokeApiToken = async (tx: AuditTransaction, id: string, ctx: Context): Promise<PublicTokenView | null> => {
  const current = await findApiToken(tx, id, { forUpdate: true });
  if (current === null) return null;
  if (current.revokedAtMs !== null) return publicTokenView(current);
  const revokedAtMs = Math.floor(ctx.clock.nowMs());
  await markApiTokenRevoked(tx, id, revokedAtMs);
  const revoked = { ...current, revokedAtMs };
  await appendAudit(
    tx,
    { actor: ctx.actor, service: ctx.service, action: "token.revoke", target: `api-token:${id}`, reason: ctx.reason ?? null, before: auditView(current), after: auditView(revoked) },
    ctx.clock,
  );
  return publicTokenView(revoked);
};
