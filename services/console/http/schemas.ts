// The console API's bodies as TypeBox schemas: they validate every form (each problem named), shape
// the answers, and make the OpenAPI document at /docs.
import { Type, type Static } from "typebox";
import { MarketSymbol, Nullable, RoleSchema, STRICT, TsMs, Uuid } from "../../shared/contracts/index.js";
import { PASSWORD_MAX_LENGTH, USERNAME_PATTERN } from "../domain/accounts.js";
import { CONTROL_ACTIONS } from "../domain/controls.js";
import { TOTP_DIGITS } from "../domain/totp.js";

export const Username = Type.String({ pattern: USERNAME_PATTERN.source, description: "lower-case letters, digits, dot, underscore or hyphen; 3 to 64 characters" });
export const TotpCode = Type.String({ pattern: `^[0-9]{${TOTP_DIGITS}}$`, description: `the ${TOTP_DIGITS}-digit code the authenticator app shows` });
/** A reason a person wrote: not blank. */
export const WrittenReason = Type.String({ minLength: 1, maxLength: 1000, pattern: "\\S", description: "why, in the operator's words" });

export const SessionViewSchema = Type.Object(
  { username: Username, role: RoleSchema, mfa: Type.Boolean(), csrfToken: Type.String(), expiresAtMs: TsMs },
  STRICT,
);
export type SessionView = Static<typeof SessionViewSchema>;

export const EnrollmentStartSchema = Type.Object(
  { username: Nullable(Username), role: RoleSchema, mfaRequired: Type.Boolean(), totpSecret: Type.String(), totpUri: Type.String(), expiresAtMs: TsMs },
  STRICT,
);

export const EnrollmentCompleteSchema = Type.Object(
  {
    /** Chosen here only by the first admin; other codes name their user. */
    username: Type.Optional(Username),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    totpCode: Type.Optional(TotpCode),
  },
  STRICT,
);

export const EnrolledSchema = Type.Object({ username: Username, role: RoleSchema }, STRICT);

export const UserInviteSchema = Type.Object({ username: Username, role: RoleSchema, reason: Type.Optional(WrittenReason) }, STRICT);
export const UserParamsSchema = Type.Object({ username: Username }, STRICT);
export const UserRoleChangeSchema = Type.Object({ role: RoleSchema, reason: WrittenReason }, STRICT);
export const ReasonOnlySchema = Type.Object({ reason: WrittenReason }, STRICT);

export const EnrollmentIssuedSchema = Type.Object({ username: Username, code: Type.String(), expiresAtMs: TsMs, setupPath: Type.String() }, STRICT);

export const UserViewSchema = Type.Object(
  {
    id: Uuid,
    username: Username,
    role: RoleSchema,
    mfa: Type.Boolean(),
    disabled: Type.Boolean(),
    locked: Type.Boolean(),
    createdBy: Type.String(),
    createdAtMs: TsMs,
    credentialsSetAtMs: TsMs,
    lastLoginAtMs: Nullable(TsMs),
    activeSessions: Type.Integer({ minimum: 0 }),
  },
  STRICT,
);
export const UserListSchema = Type.Object({ users: Type.Array(UserViewSchema) }, STRICT);

const UserFindingSchema = Type.Enum(["stale-account", "mfa-missing"]);
const TokenFindingSchema = Type.Enum(["stale-token", "rotation-due", "bootstrap-token-live"]);

/** The quarterly access review (domain/access-review.ts): every user, every live token, and the findings. */
export const AccessReviewSchema = Type.Object(
  {
    generatedAtMs: TsMs,
    reviewEveryDays: Type.Integer(),
    staleAfterDays: Type.Integer(),
    rotateAfterDays: Type.Integer(),
    users: Type.Array(
      Type.Object(
        {
          ...UserViewSchema.properties,
          credentialAgeDays: Type.Integer({ minimum: 0 }),
          daysSinceLogin: Nullable(Type.Integer({ minimum: 0 })),
          findings: Type.Array(UserFindingSchema),
        },
        STRICT,
      ),
    ),
    tokens: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          role: RoleSchema,
          scopes: Type.Array(Type.String()),
          createdBy: Type.String(),
          createdAtMs: TsMs,
          expiresAtMs: TsMs,
          lastUsedAtMs: Nullable(TsMs),
          ageDays: Type.Integer({ minimum: 0 }),
          expiresInDays: Type.Integer(),
          daysSinceUse: Nullable(Type.Integer({ minimum: 0 })),
          consoleSession: Type.Boolean(),
          bootstrap: Type.Boolean(),
          findings: Type.Array(TokenFindingSchema),
        },
        STRICT,
      ),
    ),
    findings: Type.Array(
      Type.Object({ subject: Type.Enum(["user", "token"]), id: Type.String(), name: Type.String(), finding: Type.Union([UserFindingSchema, TokenFindingSchema]), detail: Type.String() }, STRICT),
    ),
  },
  STRICT,
);

export const ControlParamsSchema = Type.Object({ action: Type.Enum([...CONTROL_ACTIONS]) }, STRICT);

export const ControlRequestSchema = Type.Object(
  {
    /** The action's confirmation words, typed exactly. */
    confirmation: Type.String({ minLength: 1, maxLength: 100 }),
    reason: WrittenReason,
    /** A fresh code: the step-up check. */
    totpCode: TotpCode,
    symbol: Type.Optional(MarketSymbol),
    falsePositive: Type.Optional(Type.Boolean()),
    weights: Type.Optional(Type.Object({ 1: Type.Number({ minimum: 0, maximum: 1 }), 2: Type.Number({ minimum: 0, maximum: 1 }), 3: Type.Number({ minimum: 0, maximum: 1 }) }, STRICT)),
    hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 })),
  },
  STRICT,
);
export type ControlRequest = Static<typeof ControlRequestSchema>;

export const ControlResultSchema = Type.Object(
  { action: Type.Enum([...CONTROL_ACTIONS]), status: Type.Integer(), result: Type.Unknown() },
  STRICT,
);

export const ProposalParamsSchema = Type.Object({ proposalId: Uuid }, STRICT);

export const AuditQuerySchema = Type.Object(
  {
    /** Rows with a seq below this, newest first (paging backwards); the newest when absent. */
    beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    action: Type.Optional(Type.String({ pattern: "^[a-z][a-z0-9.-]{0,99}$" })),
  },
  STRICT,
);

export const AuditVerdictSchema = Type.Object(
  {
    ok: Type.Boolean(),
    rows: Type.Integer({ minimum: 0 }),
    /** The newest row, to compare with a copy kept elsewhere (a deleted tail is only seen that way). */
    head: Nullable(Type.Object({ seq: Type.Integer(), hash: Type.String() }, STRICT)),
    problem: Type.Optional(Type.Object({ seq: Type.Integer(), kind: Type.String(), detail: Type.String() }, STRICT)),
  },
  STRICT,
);
export type AuditVerdictView = Static<typeof AuditVerdictSchema>;

export const KlineQuerySchema = Type.Object(
  {
    symbol: MarketSymbol,
    interval: Type.Optional(Type.Enum(["1m", "5m", "15m", "1h"])),
    limit: Type.Optional(Type.Integer({ minimum: 10, maximum: 1000 })),
  },
  STRICT,
);
