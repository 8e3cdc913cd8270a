// The brain API's bodies, as TypeBox schemas: they validate requests, shape responses and make the
// OpenAPI document at /docs. Field meanings follow reference/domain.md; units are in the names.
import { Type, type Static } from "typebox";
import {
  BreakerEventSchema,
  MarketSymbol,
  Nullable,
  PhaseSchema,
  PositionSideSchema,
  PrincipalSchema,
  Reason,
  STRICT,
  TradingStateCauseSchema,
  TradingStateNameSchema,
  TsMs,
  Uuid,
} from "../../shared/contracts/index.js";
import { TIER_NAMES } from "../domain/index.js";

const Usd = Type.Number();
const Weights = Type.Object({ 1: Type.Number(), 2: Type.Number(), 3: Type.Number() }, STRICT);

export const TradingStateViewSchema = Type.Object(
  { state: TradingStateNameSchema, causes: Type.Array(TradingStateCauseSchema), sequence: Type.Integer({ minimum: 0 }), tsMs: TsMs },
  STRICT,
);

export const BreakerViewSchema = Type.Object(
  {
    active: Nullable(Type.Enum(["HARD", "SOFT"])),
    hard: Nullable(Type.Object({ trigger: Type.Enum(["daily-drawdown", "min-equity"]), trippedAtMs: TsMs, detail: Type.String() }, STRICT)),
    soft: Nullable(Type.Object({ trippedAtMs: TsMs, resetsAtMs: TsMs, detail: Type.String() }, STRICT)),
    figures: BreakerEventSchema.properties.figures,
    limits: Type.Object({ hardDailyDrawdownRatio: Type.Number(), hardMinEquityUsd: Usd, softConsecutiveLosses: Type.Integer(), softCooldownMs: Type.Integer() }, STRICT),
  },
  STRICT,
);

export const OverrideViewSchema = Type.Object({ weights: Weights, setBy: PrincipalSchema, reason: Type.String(), setAtMs: TsMs, expiresAtMs: TsMs }, STRICT);

export const PhasePerformanceViewSchema = Type.Object(
  { phase: PhaseSchema, tradesInWindow: Type.Integer(), wins: Type.Integer(), losses: Type.Integer(), netPnlUsd: Usd, sharpe: Nullable(Type.Number()), modifier: Type.Number() },
  STRICT,
);

export const AllocationViewSchema = Type.Object(
  {
    equityUsd: Nullable(Usd),
    tier: Type.Object({ name: Type.Enum([...TIER_NAMES]), leverageCap: Type.Number() }, STRICT),
    source: Type.Enum(["sigmoid", "override"]),
    weights: Weights,
    allocated: Weights,
    reserveWeight: Type.Number(),
    registeredPhases: Type.Array(PhaseSchema),
    override: Nullable(OverrideViewSchema),
    performance: Type.Array(PhasePerformanceViewSchema),
  },
  STRICT,
);

export const PositionViewSchema = Type.Object(
  {
    symbol: MarketSymbol,
    side: PositionSideSchema,
    qty: Type.Number(),
    notionalUsd: Usd,
    entryPriceUsd: Nullable(Type.Number()),
    markPriceUsd: Nullable(Type.Number()),
    source: Type.Enum(["snapshot", "fills"]),
    tsMs: TsMs,
  },
  STRICT,
);

export const RiskViewSchema = Type.Object(
  {
    equityUsd: Usd,
    grossExposureUsd: Usd,
    leverageRatio: Nullable(Type.Number()),
    netDeltaUsd: Usd,
    portfolioBeta: Type.Number(),
    betaWeightedDeltaUsd: Usd,
    var95OneDayUsd: Nullable(Usd),
    dailyDrawdownRatio: Type.Number(),
  },
  STRICT,
);

export const StatusViewSchema = Type.Object(
  {
    tsMs: TsMs,
    instanceId: Type.String(),
    stateVersion: Type.Integer({ minimum: 0 }),
    tradingState: TradingStateViewSchema,
    breaker: BreakerViewSchema,
    equity: Type.Object({ equityUsd: Nullable(Usd), startOfDayEquityUsd: Nullable(Usd), accounts: Type.Record(Type.String(), Type.Unknown()) }, STRICT),
    allocation: AllocationViewSchema,
    positions: Type.Array(PositionViewSchema),
    risk: Nullable(RiskViewSchema),
    priceHistoryPoints: Type.Record(Type.String(), Type.Integer()),
  },
  STRICT,
);

export const DECISION_OUTCOMES = ["approved", "vetoed"] as const;

export const DecisionViewSchema = Type.Object(
  {
    decisionId: Uuid,
    signalId: Uuid,
    phase: PhaseSchema,
    symbol: Type.String(),
    side: PositionSideSchema,
    outcome: Type.Enum([...DECISION_OUTCOMES]),
    reason: Nullable(Type.String()),
    detail: Nullable(Type.String()),
    requestedNotionalUsd: Usd,
    authorisedNotionalUsd: Nullable(Usd),
    leverage: Nullable(Type.Number()),
    clientOrderId: Nullable(Type.String()),
    commandId: Nullable(Uuid),
    risk: Nullable(Type.Unknown()),
    signalTsMs: TsMs,
    decidedAtMs: TsMs,
  },
  STRICT,
);
export type DecisionView = Static<typeof DecisionViewSchema>;

export const DecisionPageSchema = Type.Object({ decisions: Type.Array(DecisionViewSchema), nextCursor: Nullable(Type.String()) }, STRICT);

export const DecisionQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,16}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", description: "nextCursor of the previous page" })),
    outcome: Type.Optional(Type.Enum([...DECISION_OUTCOMES])),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z-]+$" })),
    symbol: Type.Optional(MarketSymbol),
    phase: Type.Optional(PhaseSchema),
    // Bounded: PostgreSQL refuses to compare a bigint column with 1e308 (the query would fail, not match nothing).
    fromMs: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "milliseconds since the Unix epoch" })),
    toMs: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "milliseconds since the Unix epoch" })),
  },
  STRICT,
);
export type DecisionQuery = Static<typeof DecisionQuerySchema>;

export const ReasonBodySchema = Type.Object({ reason: Reason }, STRICT);
export const BreakerResetBodySchema = Type.Object(
  {
    reason: Reason,
    /** The operator's verdict that the trip should not have happened: counted for the breaker's false-positive KPI. */
    falsePositive: Type.Optional(Type.Boolean({ default: false })),
  },
  STRICT,
);

export const OverrideSetBodySchema = Type.Object(
  {
    /** Weight per phase; the three must sum to 1 ± 0.001. */
    weights: Type.Object({ 1: Type.Number(), 2: Type.Number(), 3: Type.Number() }, STRICT),
    /** How long it lasts, at most 24 hours. */
    hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 }),
    reason: Reason,
  },
  STRICT,
);

export const PhaseRegisterBodySchema = Type.Object({ phase: PhaseSchema, reason: Reason }, STRICT);

export const PhaseViewSchema = Type.Object(
  {
    phase: PhaseSchema,
    name: Type.String(),
    registered: Type.Boolean(),
    registeredAtMs: Nullable(TsMs),
    weight: Type.Number(),
    allocated: Type.Number(),
    performance: PhasePerformanceViewSchema,
  },
  STRICT,
);

export const TreasuryOperationSchema = Type.Object(
  {
    transferId: Uuid,
    commandId: Uuid,
    trigger: Type.String(),
    venue: Type.String(),
    asset: Type.String(),
    amountUsd: Usd,
    fromAccount: Type.String(),
    toAccount: Type.String(),
    equityUsd: Usd,
    futuresBalanceUsd: Usd,
    targetUsd: Usd,
    tsMs: TsMs,
  },
  STRICT,
);

export const TreasuryViewSchema = Type.Object(
  {
    highWatermarkUsd: Nullable(Usd),
    lastCheckDayStartMs: Nullable(TsMs),
    sweepNow: Nullable(Type.Object({ targetUsd: Usd, triggerUsd: Usd, amountUsd: Usd }, STRICT)),
    operations: Type.Array(TreasuryOperationSchema),
  },
  STRICT,
);
