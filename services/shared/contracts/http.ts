// HTTP bodies shared by every service: errors (RFC 9457 problem+json), health, API tokens, roles.

import { Type, type Static } from "typebox";
import { Nullable, STRICT, ServiceNameSchema, TsMs, Uuid } from "./primitives.js";

/** Operator roles, least to most powerful. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = Type.Enum([...ROLES]);

/** True when a principal holding `have` may do what needs `need` (admin ≥ operator ≥ viewer). */
export const roleAtLeast = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);

export const ValidationIssueSchema = Type.Object(
  {
    /** JSON pointer into the request (`/body/symbol`), or the parameter's name. */
    path: Type.String(),
    message: Type.String(),
  },
  STRICT,
);
export type ValidationIssue = Static<typeof ValidationIssueSchema>;

/** RFC 9457. Extension members beyond `errors` are not used, so clients can rely on this shape. */
export const ProblemDetailsSchema = Type.Object(
  {
    type: Type.String({ description: "URI reference naming the problem type; about:blank when none" }),
    title: Type.String(),
    status: Type.Integer({ minimum: 100, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(ValidationIssueSchema)),
  },
  STRICT,
);
export type ProblemDetails = Static<typeof ProblemDetailsSchema>;
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const HealthLiveSchema = Type.Object(
  {
    status: Type.Literal("ok"),
    service: ServiceNameSchema,
    instanceId: Type.String(),
    uptimeSeconds: Type.Number({ minimum: 0 }),
  },
  STRICT,
);
export type HealthLive = Static<typeof HealthLiveSchema>;

export const HealthCheckSchema = Type.Object(
  {
    status: Type.Enum(["ok", "fail"]),
    latencySeconds: Type.Optional(Type.Number({ minimum: 0 })),
    /** Why it failed, without secrets (no connection strings). */
    error: Type.Optional(Type.String()),
  },
  STRICT,
);
export type HealthCheck = Static<typeof HealthCheckSchema>;

/** `status` is ok only when every check is ok; the answer is 503 otherwise. */
export const HealthReadySchema = Type.Object(
  {
    status: Type.Enum(["ok", "fail"]),
    service: ServiceNameSchema,
    instanceId: Type.String(),
    checks: Type.Record(Type.String({ pattern: "^[a-z][a-z0-9-]*$" }), HealthCheckSchema, STRICT),
  },
  STRICT,
);
export type HealthReady = Static<typeof HealthReadySchema>;

/** A scope such as `tokens:write` or `brain:breaker-reset`. */
export const ScopeSchema = Type.String({ minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9-]*(:[a-z0-9*][a-z0-9*-]*)*$" });

export const DEFAULT_TOKEN_TTL_SECONDS = 90 * 24 * 3600;
export const MAX_TOKEN_TTL_SECONDS = 366 * 24 * 3600;

export const ApiTokenCreateRequestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9][A-Za-z0-9 ._-]*$" }),
    role: RoleSchema,
    scopes: Type.Array(ScopeSchema, { maxItems: 50, uniqueItems: true }),
    /** Lifetime; DEFAULT_TOKEN_TTL_SECONDS when absent. Every token expires. */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: MAX_TOKEN_TTL_SECONDS })),
  },
  STRICT,
);
export type ApiTokenCreateRequest = Static<typeof ApiTokenCreateRequestSchema>;

const apiTokenFields = {
  id: Uuid,
  name: Type.String(),
  role: RoleSchema,
  scopes: Type.Array(ScopeSchema),
  expiresAtMs: TsMs,
  revokedAtMs: Nullable(TsMs),
  createdAtMs: TsMs,
  /** The principal that issued it: a token id, a user, or `bootstrap`. */
  createdBy: Type.String(),
};

export const ApiTokenListItemSchema = Type.Object(apiTokenFields, STRICT);
export type ApiTokenListItem = Static<typeof ApiTokenListItemSchema>;

export const ApiTokenListSchema = Type.Object({ tokens: Type.Array(ApiTokenListItemSchema) }, STRICT);
export type ApiTokenList = Static<typeof ApiTokenListSchema>;

/** The only time the secret is shown: it is stored hashed. */
export const ApiTokenCreateResponseSchema = Type.Object({ ...apiTokenFields, token: Type.String({ minLength: 32 }) }, STRICT);
export type ApiTokenCreateResponse = Static<typeof ApiTokenCreateResponseSchema>;
