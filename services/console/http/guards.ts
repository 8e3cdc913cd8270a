// Policy for the console's routes beyond the shared role check: requests riding on the session cookie
// must carry the session's CSRF token and come from this origin (refusals are audited), some routes
// need a console session (not an API token) or one opened with a second factor, and calls to the other
// services carry the caller's own authority.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { recordAudit } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES, isMutatingMethod, problemBody, sendProblem } from "../../shared/http/index.js";
import { bearerToken } from "../../shared/auth/index.js";
import { CSRF_HEADER, csrfTokenMatches, delegateTokenFor } from "../domain/session-credentials.js";
import { sessionOf } from "../adapters/auth-strategies.js";
import { SERVICE, userActor, type SessionContext } from "../adapters/console-auth.js";
import { callUpstream, type UpstreamAnswer, type UpstreamRequest } from "../adapters/upstream.js";

const hostOf = (value: string): string => value.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");

/** Same host as the request was sent to; a request without Origin (not a browser's) passes. */
export const originMatches = (request: FastifyRequest): boolean => {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).hostname === hostOf(request.headers.host ?? "");
  } catch {
    return false;
  }
};

/**
 * preValidation hook for every console route: a state-changing request authenticated by the cookie
 * needs the CSRF token and a same-origin Origin. A bearer or enrollment credential is never sent by a
 * browser on its own, so it needs neither.
 */
export const csrfGuard = (db: Database, clock: Clock) =>
  async function csrf(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (!isMutatingMethod(request.method)) return undefined;
    const ctx = sessionOf(request);
    if (ctx === undefined) return undefined;
    const presented = request.headers[CSRF_HEADER];
    const tokenOk = csrfTokenMatches(ctx.credential.secret, typeof presented === "string" ? presented : undefined);
    const originOk = originMatches(request);
    if (tokenOk && originOk) return undefined;
    const reason = !originOk ? "cross-origin request" : presented === undefined ? "missing CSRF token" : "wrong CSRF token";
    await recordAudit(
      db,
      { actor: userActor(ctx.user), service: SERVICE, action: "session.csrf-refuse", target: `session:${ctx.session.id}`, reason, after: { method: request.method, path: request.url.split("?")[0], origin: request.headers.origin ?? null } },
      clock,
    );
    sendProblem(reply, problemBody(request, 403, `${reason}: send the X-CSRF-Token the session was given, from the console's own pages`, { type: PROBLEM_TYPES.forbidden }));
    return reply;
  };

export const registerCsrfGuard = (app: FastifyInstance, db: Database, clock: Clock): void => {
  app.addHook("preValidation", csrfGuard(db, clock));
};

/** The session behind a request, or 403: some actions are for people at the console, not tokens. */
export const requireSession = (request: FastifyRequest, what: string): SessionContext => {
  const ctx = sessionOf(request);
  if (ctx === undefined) throw new HttpProblem(403, `${what} needs a console session (log in with your password and second factor)`, { type: PROBLEM_TYPES.forbidden });
  return ctx;
};

/** Like requireSession, and the session must have been opened with a second factor. */
export const requireMfaSession = (request: FastifyRequest, what: string): SessionContext => {
  const ctx = requireSession(request, what);
  if (!ctx.session.mfa) throw new HttpProblem(403, `${what} needs a session opened with a second factor`, { type: PROBLEM_TYPES.forbidden });
  return ctx;
};

/** The credential the console presents to another service for this caller: the session's delegated token, or the caller's own bearer token. */
export const authorityOf = (request: FastifyRequest): string | null => {
  const ctx = sessionOf(request);
  if (ctx !== undefined) return delegateTokenFor(ctx.credential.secret, ctx.session.delegateTokenId);
  return bearerToken(request.headers);
};

export type Upstream = (service: UpstreamService, req: Omit<UpstreamRequest, "token" | "timeoutMs"> & { timeoutMs?: number }) => Promise<UpstreamAnswer>;
export type UpstreamService = "brain" | "execution" | "scavenger" | "quant";

export interface UpstreamTargets {
  readonly urls: { readonly brain: string; readonly execution: string; readonly scavenger: string; readonly quant: string | null };
  readonly timeoutMs: number;
}

/** A caller for the other services with this request's authority. */
export const upstreamFor = (targets: UpstreamTargets, request: FastifyRequest): Upstream => {
  const token = authorityOf(request);
  return async (service, req) => {
    const base = targets.urls[service];
    if (base === null) throw new HttpProblem(503, `the ${service} API is not configured (TITAN_QUANT_URL)`, { type: PROBLEM_TYPES.unavailable });
    return callUpstream(service, base, { ...req, token, timeoutMs: req.timeoutMs ?? targets.timeoutMs });
  };
};

/** An upstream answer as this API's answer: its own status for a refusal, 502 for a failure. */
export const relayFailure = (service: string, a: UpstreamAnswer): HttpProblem => {
  const detail = (a.body as { detail?: unknown } | null)?.detail;
  const text = `${service}: ${typeof detail === "string" ? detail : `HTTP ${a.status}`}`;
  if (a.status >= 400 && a.status < 500) return new HttpProblem(a.status, text, { type: a.status === 403 ? PROBLEM_TYPES.forbidden : a.status === 404 ? PROBLEM_TYPES.notFound : "about:blank" });
  return new HttpProblem(502, text, { type: PROBLEM_TYPES.unavailable });
};
