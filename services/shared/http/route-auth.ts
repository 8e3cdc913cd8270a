// The route authorisation policy as pure functions: what a route's declaration means (checked when the
// route is registered, default deny for anything that changes state) and whether a principal may call it.
import type { AuthFailureReason, AuthResult } from "../auth/authenticator.js";
import { SCOPE_PATTERN, isRole, roleAtLeast, scopesAdmit, type Role } from "../auth/principal.js";

/**
 * A route's `config.auth`:
 * - `"public"`: no principal needed; refused on routes that change state.
 * - `{ role }`: operators with at least this role.
 * - `{ service: true }`: services (bearer service tokens); with `role` too, also operators of that role.
 * - `scope`: additionally, a scoped token must list this scope.
 * A read route (GET, HEAD, OPTIONS) without a declaration is `{ role: "viewer" }`.
 */
export type RouteAuth = "public" | { readonly role?: Role; readonly service?: boolean; readonly scope?: string };

export type ResolvedRouteAuth =
  | { readonly kind: "public" }
  | {
      readonly kind: "protected";
      /** Weakest operator role admitted; null when only services may call. */
      readonly role: Role | null;
      readonly service: boolean;
      readonly scope: string | null;
    };

export type ForbiddenReason = "insufficient_role" | "missing_scope" | "service_not_allowed" | "operator_not_allowed";

export type AuthDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly status: 401; readonly reason: AuthFailureReason }
  | { readonly allow: false; readonly status: 403; readonly reason: ForbiddenReason; readonly detail: string };

export class RouteAuthDeclarationError extends Error {}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Anything that is not a read is treated as mutating: an unusual verb gets the strict rules. */
export const isMutatingMethod = (method: string): boolean => !READ_METHODS.has(method.toUpperCase());

export interface ResolveOptions {
  /** Path prefixes whose undeclared read routes are public (the OpenAPI docs). */
  readonly publicReadPrefixes?: readonly string[];
}

/** The effective policy of a route; throws RouteAuthDeclarationError for a declaration the policy refuses. */
export const resolveRouteAuth = (methods: string | readonly string[], url: string, declared: unknown, opts: ResolveOptions = {}): ResolvedRouteAuth => {
  const list = typeof methods === "string" ? [methods] : methods;
  const mutating = list.some(isMutatingMethod);
  const where = `${list.join(",")} ${url}`;
  if (declared === undefined) {
    if (mutating) throw new RouteAuthDeclarationError(`${where} changes state and must declare config.auth ({ role } or { service: true })`);
    if (opts.publicReadPrefixes?.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) return { kind: "public" };
    return { kind: "protected", role: "viewer", service: false, scope: null };
  }
  if (declared === "public") {
    if (mutating) throw new RouteAuthDeclarationError(`${where} changes state and cannot be public`);
    return { kind: "public" };
  }
  if (typeof declared !== "object" || declared === null || Array.isArray(declared)) {
    throw new RouteAuthDeclarationError(`${where}: config.auth must be "public" or an object, got ${JSON.stringify(declared)}`);
  }
  const { role, service, scope, ...rest } = declared as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) throw new RouteAuthDeclarationError(`${where}: config.auth has unknown keys ${unknownKeys.join(", ")}`);
  if (role !== undefined && !isRole(role)) throw new RouteAuthDeclarationError(`${where}: config.auth.role must be viewer, operator or admin`);
  if (service !== undefined && typeof service !== "boolean") throw new RouteAuthDeclarationError(`${where}: config.auth.service must be a boolean`);
  if (scope !== undefined && (typeof scope !== "string" || !SCOPE_PATTERN.test(scope) || scope.includes("*"))) {
    throw new RouteAuthDeclarationError(`${where}: config.auth.scope must be a concrete scope name such as trading:control`);
  }
  if (role === undefined && service !== true) throw new RouteAuthDeclarationError(`${where}: config.auth must name a role, or service: true`);
  return { kind: "protected", role: role ?? null, service: service === true, scope: scope ?? null };
};

/** Whether the outcome of authentication admits the caller to a route with this policy. */
export const authorise = (policy: ResolvedRouteAuth, auth: AuthResult): AuthDecision => {
  if (policy.kind === "public") return { allow: true };
  if (!auth.ok) return { allow: false, status: 401, reason: auth.reason };
  const p = auth.principal;
  if (p.kind === "service") {
    return policy.service ? { allow: true } : { allow: false, status: 403, reason: "service_not_allowed", detail: "this route is not open to service tokens" };
  }
  if (policy.role === null) return { allow: false, status: 403, reason: "operator_not_allowed", detail: "this route is for services only" };
  if (!roleAtLeast(p.role, policy.role)) {
    return { allow: false, status: 403, reason: "insufficient_role", detail: `this route needs the ${policy.role} role or stronger` };
  }
  if (policy.scope !== null && !scopesAdmit(p.scopes, policy.scope)) {
    return { allow: false, status: 403, reason: "missing_scope", detail: `this route needs the ${policy.scope} scope` };
  }
  return { allow: true };
};

/** A route's policy in words, for listings and the route-walk test. */
export const describeRouteAuth = (policy: ResolvedRouteAuth): string =>
  policy.kind === "public"
    ? "public"
    : [policy.role ? `role>=${policy.role}` : null, policy.service ? "service" : null, policy.scope ? `scope=${policy.scope}` : null].filter(Boolean).join(" ");
