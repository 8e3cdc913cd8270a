// The scavenger API's bodies as TypeBox schemas (routes, OpenAPI and titanctl read the same shapes).
// They belong in services/shared/contracts once that module takes service-specific HTTP bodies; until
// then they live here, beside the only service that answers them.
import { Type, type Static } from "typebox";
import { Nullable, PRINCIPAL_KINDS, Reason, STRICT, TRAP_TYPES, TsMs, Uuid } from "../../shared/contracts/index.js";
import { BAD_MARKET_DATA_KINDS, ScavengerParametersSchema } from "../domain/index.js";

// Bounded by the integer column it is looked up in: a larger number would fail the query, not miss.
const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: "a parameter version number" });
const Actor = Type.Object({ kind: Type.Enum([...PRINCIPAL_KINDS]), id: Type.String(), name: Type.String() }, STRICT);

export const VersionParamsSchema = Type.Object({ version: Version }, STRICT);

const summaryFields = {
  version: Version,
  createdAtMs: TsMs,
  createdBy: Actor,
  reason: Type.String(),
  proposalId: Nullable(Uuid),
  parametersSha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  active: Type.Boolean(),
  lastActivatedAtMs: Nullable(TsMs),
};

export const ConfigVersionSummarySchema = Type.Object(summaryFields, STRICT);
export const ConfigVersionDetailSchema = Type.Object({ ...summaryFields, parameters: ScavengerParametersSchema }, STRICT);
export type ConfigVersionDetailBody = Static<typeof ConfigVersionDetailSchema>;

export const ConfigVersionListSchema = Type.Object(
  {
    /** The version stored as active. */
    activeVersion: Nullable(Version),
    /** The version this instance runs (differs from activeVersion only for the moment a change takes). */
    appliedVersion: Nullable(Version),
    versions: Type.Array(ConfigVersionSummarySchema),
  },
  STRICT,
);
export type ConfigVersionListBody = Static<typeof ConfigVersionListSchema>;

export const CreateConfigVersionRequestSchema = Type.Object(
  {
    /** A full or partial parameter set; what is missing takes domain.md's defaults. Checked field by field. */
    parameters: Type.Unknown({ description: "scavenger parameters (see ScavengerParametersSchema); partial sets take defaults" }),
    reason: Reason,
    /** The approved AI Quant proposal this version comes from. */
    proposalId: Type.Optional(Uuid),
  },
  STRICT,
);
export type CreateConfigVersionRequest = Static<typeof CreateConfigVersionRequestSchema>;

export const ActivateConfigVersionRequestSchema = Type.Object({ reason: Reason }, STRICT);

export const ActivationResponseSchema = Type.Object(
  {
    version: Version,
    previousVersion: Nullable(Version),
    action: Type.Enum(["activated", "rolled-back"]),
    activationSeq: Type.Integer({ minimum: 1 }),
    /** The version this instance runs after the call (the same as `version`: it applies at once). */
    appliedVersion: Nullable(Version),
  },
  STRICT,
);

const TrapSchema = Type.Object(
  {
    symbol: Type.String(),
    trapType: Type.Enum([...TRAP_TYPES]),
    side: Type.Enum(["long", "short"]),
    levelPriceUsd: Type.Number(),
    triggerPriceUsd: Type.Number(),
    stopLossPriceUsd: Type.Number(),
    takeProfitPriceUsd: Type.Number(),
    confidence: Type.Number(),
    leverage: Type.Number(),
    armedAtTsMs: Type.Number(),
    lastPriceUsd: Nullable(Type.Number()),
    /** (trigger − last price) / last price × 100: positive when the trigger is above the price. */
    distanceToTriggerPercent: Nullable(Type.Number()),
    coolingDownUntilTsMs: Nullable(Type.Number()),
  },
  STRICT,
);

export const TrapsResponseSchema = Type.Object(
  {
    tsMs: TsMs,
    configVersion: Nullable(Version),
    lastRecomputeTsMs: Nullable(Type.Number()),
    /** Nearest to its trigger first. */
    traps: Type.Array(TrapSchema),
  },
  STRICT,
);
export type TrapsResponse = Static<typeof TrapsResponseSchema>;

const counts = (keys: readonly string[]) => Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Number()])), STRICT);

export const StatusResponseSchema = Type.Object(
  {
    service: Type.Literal("scavenger"),
    instanceId: Type.String(),
    tsMs: TsMs,
    config: Type.Object({ appliedVersion: Nullable(Version), activationSeq: Nullable(Type.Integer()), appliedAtMs: Nullable(Type.Number()), listening: Type.Boolean() }, STRICT),
    strategy: Type.Object(
      {
        symbols: Type.Integer(),
        armedTraps: Type.Integer(),
        signals: Type.Integer(),
        lastRecomputeTsMs: Nullable(Type.Number()),
        triggered: counts(TRAP_TYPES),
        suppressed: counts(["no-edge", "max-open-positions", "max-daily-loss"]),
        top: Type.Array(
          Type.Object({ symbol: Type.String(), score: Type.Number(), atrPercent: Type.Number(), volume24hUsd: Type.Number(), traps: Type.Integer() }, STRICT),
        ),
      },
      STRICT,
    ),
    allocation: Type.Object(
      { allocationUsd: Nullable(Type.Number()), source: Type.Enum(["equity-snapshot", "fallback", "none"]), equityTsMs: Nullable(Type.Number()), openPositions: Type.Integer() },
      STRICT,
    ),
    marketData: Type.Object(
      {
        reader: Type.Enum(["idle", "warm-up", "live", "stopped"]),
        entriesRead: Type.Integer(),
        lastVenueTsMs: Type.Record(Type.String(), Type.Number()),
        messages: Type.Record(Type.String(), Type.Number()),
        dropped: counts([...BAD_MARKET_DATA_KINDS, "malformed"]),
      },
      STRICT,
    ),
    outcomes: Type.Object(
      {
        /** Closed trades of this scavenger's signals and how many made money, by trap type (the win-rate calibration). */
        byTrapType: Type.Record(Type.String(), Type.Object({ trades: Type.Integer(), wins: Type.Integer() }, STRICT)),
        /** Realised result of the UTC day's closed trades, percent of the allocation (the daily-loss gate). */
        realisedPnlPercentToday: Type.Number(),
      },
      STRICT,
    ),
    signals: Type.Object(
      {
        published: Type.Integer(),
        duplicate: Type.Integer(),
        unsized: Type.Integer(),
        failed: Type.Integer(),
        recent: Type.Array(
          Type.Object(
            { signalId: Uuid, symbol: Type.String(), trapType: Type.String(), side: Type.String(), configVersion: Type.Integer(), requestedNotionalUsd: Type.Number(), signalAtMs: Type.Number() },
            STRICT,
          ),
        ),
      },
      STRICT,
    ),
  },
  STRICT,
);
export type StatusResponse = Static<typeof StatusResponseSchema>;
