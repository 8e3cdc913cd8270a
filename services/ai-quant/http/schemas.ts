// The AI Quant API's bodies as TypeBox schemas: routes, OpenAPI and titanctl read the same shapes.
import { Type, type Static } from "typebox";
import { BacktestFiguresSchema, Nullable, PRINCIPAL_KINDS, PROPOSAL_STATUSES, QUANT_PARAMETERS, Reason, STRICT, TsMs, Uuid } from "../../shared/contracts/index.js";

const Actor = Type.Object({ kind: Type.Enum([...PRINCIPAL_KINDS]), id: Type.String(), name: Type.String() }, STRICT);
const Change = Type.Object({ parameter: Type.Enum([...QUANT_PARAMETERS]), fromValue: Type.Number(), toValue: Type.Number() }, STRICT);

export const ProposalParamsSchema = Type.Object({ proposalId: Uuid }, STRICT);
export const RunParamsSchema = Type.Object({ runId: Uuid }, STRICT);

export const ProposalListQuerySchema = Type.Object(
  {
    status: Type.Optional(Type.Enum([...PROPOSAL_STATUSES])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  STRICT,
);

const summaryFields = {
  proposalId: Uuid,
  runId: Nullable(Uuid),
  targetService: Type.Literal("scavenger"),
  baseConfigVersion: Type.Integer({ minimum: 1 }),
  changes: Type.Array(Change),
  outOfSample: BacktestFiguresSchema,
  baselineOutOfSample: BacktestFiguresSchema,
  status: Type.Enum([...PROPOSAL_STATUSES]),
  createdAtMs: TsMs,
  decidedAtMs: Nullable(TsMs),
  decidedBy: Nullable(Actor),
  decisionReason: Nullable(Type.String()),
  appliedConfigVersion: Nullable(Type.Integer({ minimum: 1 })),
  contentSha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
};

export const ProposalSummarySchema = Type.Object(summaryFields, STRICT);
export const ProposalListSchema = Type.Object({ proposals: Type.Array(ProposalSummarySchema) }, STRICT);
export type ProposalListBody = Static<typeof ProposalListSchema>;

export const ProposalDetailSchema = Type.Object(
  {
    ...summaryFields,
    /** The optimiser's output: full proposed parameters, every fold, the checks, the reasoning, the settings. */
    content: Type.Unknown(),
    /** Where the equity-curve plot (SVG) is served. */
    equitySvgPath: Type.String(),
  },
  STRICT,
);

export const DecisionRequestSchema = Type.Object({ reason: Reason }, STRICT);

export const DecisionResponseSchema = Type.Object(
  {
    proposalId: Uuid,
    status: Type.Enum([...PROPOSAL_STATUSES]),
    /** Set for an approval: the scavenger version created from the proposal, now active. */
    configVersion: Nullable(Type.Integer({ minimum: 1 })),
    previousVersion: Nullable(Type.Integer({ minimum: 1 })),
  },
  STRICT,
);

const DayOrTime = Type.String({ minLength: 10, maxLength: 40, description: "YYYY-MM-DD (UTC midnight) or an ISO-8601 time" });

export const RunRequestSchema = Type.Object(
  {
    from: Type.Optional(DayOrTime),
    to: Type.Optional(DayOrTime),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
    reason: Reason,
  },
  STRICT,
);
export type RunRequest = Static<typeof RunRequestSchema>;

export const RunSchema = Type.Object(
  {
    id: Uuid,
    trigger: Type.Enum(["cron", "manual"]),
    startedAtMs: TsMs,
    finishedAtMs: Nullable(TsMs),
    outcome: Nullable(Type.Enum(["succeeded", "failed", "skipped"])),
    detail: Nullable(Type.String()),
    figures: Type.Record(Type.String(), Type.Number()),
    progressFraction: Type.Number({ minimum: 0, maximum: 1 }),
    progressDetail: Nullable(Type.String()),
    requestedBy: Nullable(Actor),
    options: Type.Record(Type.String(), Type.Unknown()),
  },
  STRICT,
);
export type RunBody = Static<typeof RunSchema>;

export const RunListSchema = Type.Object({ runs: Type.Array(RunSchema) }, STRICT);
export const RunStartedSchema = Type.Object({ runId: Uuid }, STRICT);
