// The one place route authorisation is decided: an onRoute hook that checks each route's declaration
// when it is registered (default deny for mutating routes) and gives the route its request hooks, in
// this order: authenticate → rate limit (keyed by the principal, or the IP) → authorise.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import type { AuthResult, Authenticator } from "../auth/authenticator.js";
import type { Principal } from "../auth/principal.js";
import type { ServiceMetrics } from "../metrics.js";
import { PROBLEM_TYPES, problemBody, sendProblem } from "./problem.js";
import { authorise, resolveRouteAuth, type ResolvedRouteAuth, type RouteAuth } from "./route-auth.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Who may call the route; see RouteAuth. Read routes default to viewer; mutating routes must declare. */
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** The authenticated caller, or null on public routes and before authentication. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route registered so far with its effective auth policy (see listRouteAuth). */
    readonly titanRouteAuth: RouteAuthEntry[];
  }
}

export interface RouteAuthEntry {
  readonly method: string;
  readonly url: string;
  readonly policy: ResolvedRouteAuth;
  /** False when the policy is a default (an undeclared read route). */
  readonly declared: boolean;
}

export interface AuthPolicyOptions {
  readonly authenticator: Authenticator;
  readonly metrics: ServiceMetrics;
  /** The rate limiter to run between authentication and authorisation; omitted means none. */
  readonly rateLimiter?: onRequestHookHandler;
  /** Path prefixes whose undeclared read routes are public (the OpenAPI docs). */
  readonly publicReadPrefixes?: readonly string[];
}

/** Every registered route with its auth policy, for the route-walk test and for reviewers. */
export const listRouteAuth = (app: FastifyInstance): readonly RouteAuthEntry[] => [...app.titanRouteAuth];

const challenge = (result: AuthResult): string =>
  !result.ok && result.reason !== "missing_credentials" ? `Bearer realm="titan", error="invalid_token"` : `Bearer realm="titan"`;

const UNAUTHENTICATED_DETAIL: Record<string, string> = {
  missing_credentials: "this route needs a bearer token",
  malformed_token: "the bearer token is not in a recognised format",
  invalid_token: "the bearer token is not valid",
  expired_token: "the bearer token has expired",
  revoked_token: "the bearer token has been revoked",
};

const asHookList = (hooks: RouteOptions["onRequest"]): onRequestHookHandler[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? [...(hooks as onRequestHookHandler[])] : [hooks as onRequestHookHandler];

const authPolicy = async (app: FastifyInstance, opts: AuthPolicyOptions): Promise<void> => {
  const entries: RouteAuthEntry[] = [];
  app.decorate("titanRouteAuth", entries);
  app.decorateRequest("principal", null);
  const authResults = new WeakMap<FastifyRequest, AuthResult>();

  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    let result: AuthResult;
    try {
      result = await opts.authenticator.authenticate(request);
    } catch (err) {
      // A dependency of authentication failed (PostgreSQL): the caller did nothing wrong.
      request.log.warn({ err }, "authentication unavailable");
      sendProblem(reply, problemBody(request, 503, "authentication is temporarily unavailable", { type: PROBLEM_TYPES.unavailable }), { "retry-after": "5" });
      return reply;
    }
    authResults.set(request, result);
    if (result.ok) request.principal = result.principal;
    return undefined;
  };

  app.addHook("onRoute", (route) => {
    const declared = route.config?.auth;
    const policy = resolveRouteAuth(route.method, route.url, declared, { publicReadPrefixes: opts.publicReadPrefixes ?? [] });
    for (const method of typeof route.method === "string" ? [route.method] : route.method) {
      entries.push({ method, url: route.url, policy, declared: declared !== undefined });
    }

    const limiter = route.config?.rateLimit === undefined ? opts.rateLimiter : undefined; // false = exempt; an object = the plugin's own hook
    if (policy.kind === "public") {
      if (limiter) route.onRequest = [limiter, ...asHookList(route.onRequest)];
      return;
    }
    const routeLabel = route.url;
    opts.metrics.authFailuresTotal.inc({ reason: "missing_credentials", route: routeLabel }, 0); // the series exists before the first refusal
    const authoriseHook = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const result = authResults.get(request) ?? { ok: false, reason: "missing_credentials" };
      const decision = authorise(policy, result);
      if (decision.allow) return undefined;
      opts.metrics.authFailuresTotal.inc({ reason: decision.reason, route: routeLabel });
      if (decision.status === 401) {
        sendProblem(reply, problemBody(request, 401, UNAUTHENTICATED_DETAIL[decision.reason] ?? "not authenticated", { type: PROBLEM_TYPES.unauthenticated }), { "www-authenticate": challenge(result) });
      } else {
        sendProblem(reply, problemBody(request, 403, decision.detail, { type: PROBLEM_TYPES.forbidden }));
      }
      return reply;
    };
    route.onRequest = [authenticate, ...(limiter ? [limiter] : []), authoriseHook, ...asHookList(route.onRequest)];
  });
};

export const authPolicyPlugin = fp(authPolicy, { name: "titan-auth-policy", fastify: "5.x" });
