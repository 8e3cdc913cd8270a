// Who is calling: an operator (through an API token, later a console session) or another service.
// Roles and scope names come from the contracts; what a principal carries is defined here.
import { ROLES, ScopeSchema, isRole, roleAtLeast, type Role } from "../contracts/index.js";

export { ROLES, isRole, roleAtLeast, type Role };

export type PrincipalKind = "operator" | "service";

export interface Principal {
  readonly kind: PrincipalKind;
  /** Token id for an operator's API token, service name for a service. */
  readonly id: string;
  readonly name: string;
  /** A service principal carries "viewer": services are admitted by `service: true`, never by role. */
  readonly role: Role;
  /** Empty means unrestricted; otherwise a route that requires a scope admits the principal only if listed. */
  readonly scopes: readonly string[];
}

/** Scope names as the contracts define them: `tokens:write`, `brain:breaker-reset`, `trading:*`. */
export const SCOPE_PATTERN = new RegExp((ScopeSchema as { pattern?: string }).pattern ?? "^$");

const segmentsMatch = (granted: readonly string[], required: readonly string[]): boolean => {
  for (let i = 0; i < granted.length; i += 1) {
    const g = granted[i];
    // A trailing `*` grants everything below it: `trading:*` covers `trading:halt` and `trading:halt:all`.
    if (g === "*" && i === granted.length - 1) return required.length > i;
    if (i >= required.length || (g !== "*" && g !== required[i])) return false;
  }
  return granted.length === required.length;
};

/**
 * Whether a principal's scopes admit a route that requires `scope`. An empty list is unrestricted
 * (sessions and ordinary tokens); a scoped token must list the scope, or a pattern covering it.
 */
export const scopesAdmit = (scopes: readonly string[], scope: string): boolean =>
  scopes.length === 0 || scopes.some((granted) => segmentsMatch(granted.split(":"), scope.split(":")));
