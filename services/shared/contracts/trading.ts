// The trading path: signal → decision → order command → execution report, and the state it leaves behind
// (positions, equity). Field meanings follow reference/domain.md.

import { Type, type Static } from "typebox";
import {
  ClientOrderId,
  Fraction,
  Leverage,
  MarketSymbol,
  NonNegativeQty,
  NotionalUsd,
  Nullable,
  OrderSideSchema,
  PhaseSchema,
  PositionSideSchema,
  PriceUsd,
  Qty,
  Reason,
  STRICT,
  SignedUsd,
  TsMs,
  Uuid,
  VenueSchema,
} from "./primitives.js";

/** The scavenger's traps (domain.md "Scavenger"); later phases add theirs with a new signal version. */
export const TRAP_TYPES = [
  "volume-cluster",
  "daily-level",
  "bollinger-squeeze",
  "oi-wipeout",
  "funding-squeeze",
  "basis",
] as const;
export const TrapTypeSchema = Type.Enum([...TRAP_TYPES]);

export const PriceZoneSchema = Type.Object({ lowPriceUsd: PriceUsd, highPriceUsd: PriceUsd }, STRICT);

/** One take-profit leg: close `fraction` of the position at `priceUsd`. */
export const TakeProfitSchema = Type.Object({ priceUsd: PriceUsd, fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) }, STRICT);
const TakeProfits = Type.Array(TakeProfitSchema, { minItems: 1, maxItems: 5 });

export const SignalSchema = Type.Object(
  {
    version: Type.Literal(1),
    signalId: Uuid,
    phase: PhaseSchema,
    symbol: MarketSymbol,
    side: PositionSideSchema,
    requestedNotionalUsd: Type.Number({ exclusiveMinimum: 0 }),
    leverage: Leverage,
    entryZone: PriceZoneSchema,
    stopLossPriceUsd: PriceUsd,
    takeProfits: TakeProfits,
    /** 0–100, the trap's confidence figure. */
    confidence: Type.Number({ minimum: 0, maximum: 100 }),
    trapType: TrapTypeSchema,
    triggerPriceUsd: PriceUsd,
    /** The strategy's parameter version that produced the signal (phases with versioned parameters). */
    configVersion: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Venue time of the trade that fired the trap, when there was one. */
    venueTsMs: Type.Optional(TsMs),
    tsMs: TsMs,
  },
  STRICT,
);
export type Signal = Static<typeof SignalSchema>;

/** The brain's figures at decision time, kept with the decision so a veto can be explained later. */
export const RiskFiguresSchema = Type.Object(
  {
    equityUsd: SignedUsd,
    phaseWeight: Fraction,
    performanceModifier: Type.Number({ minimum: 0 }),
    tierLeverageCap: Leverage,
    phaseMaxNotionalUsd: NotionalUsd,
    openNotionalUsd: NotionalUsd,
    projectedLeverage: Type.Number({ minimum: 0 }),
    /** Highest Pearson correlation with an open position on the same side; null with no open position. */
    maxCorrelation: Nullable(Type.Number({ minimum: -1, maximum: 1 })),
    sizeHalvedForCorrelation: Type.Boolean(),
    var95OneDayUsd: Type.Optional(NotionalUsd),
    dailyDrawdownFraction: Type.Optional(Fraction),
  },
  STRICT,
);
export type RiskFigures = Static<typeof RiskFiguresSchema>;

/** Why the brain said no, in pipeline order (domain.md "Signal approval"). */
export const VETO_REASONS = [
  "breaker-active",
  "trading-state",
  "stale",
  "duplicate",
  "phase-not-registered",
  "zero-allocation",
  "leverage-cap",
  "risk-limit",
] as const;
export const VetoReasonSchema = Type.Enum([...VETO_REASONS]);

const decisionFields = {
  version: Type.Literal(1),
  decisionId: Uuid,
  signalId: Uuid,
  phase: PhaseSchema,
  symbol: MarketSymbol,
  side: PositionSideSchema,
  requestedNotionalUsd: Type.Number({ exclusiveMinimum: 0 }),
  tsMs: TsMs,
};

export const DecisionSchema = Type.Union([
  Type.Object(
    {
      ...decisionFields,
      outcome: Type.Literal("approved"),
      authorisedNotionalUsd: Type.Number({ exclusiveMinimum: 0 }),
      leverage: Leverage,
      risk: RiskFiguresSchema,
    },
    STRICT,
  ),
  Type.Object(
    {
      ...decisionFields,
      outcome: Type.Literal("vetoed"),
      reason: VetoReasonSchema,
      detail: Reason,
      /** Absent when the veto came before sizing (breaker, stale, duplicate). */
      risk: Type.Optional(RiskFiguresSchema),
    },
    STRICT,
  ),
]);
export type Decision = Static<typeof DecisionSchema>;

export const OrderCommandSchema = Type.Object(
  {
    version: Type.Literal(1),
    commandId: Uuid,
    signalId: Uuid,
    decisionId: Uuid,
    /** Derived from the signal id, so a replayed command can never create a second order. */
    clientOrderId: ClientOrderId,
    symbol: MarketSymbol,
    side: OrderSideSchema,
    notionalUsd: Type.Number({ exclusiveMinimum: 0 }),
    leverage: Leverage,
    reduceOnly: Type.Boolean(),
    entryZone: PriceZoneSchema,
    stopLossPriceUsd: PriceUsd,
    takeProfits: TakeProfits,
    /** Execution refuses the command after this time instead of trading on a stale decision. */
    expiresAtMs: TsMs,
    tsMs: TsMs,
  },
  STRICT,
);
export type OrderCommand = Static<typeof OrderCommandSchema>;

export const ORDER_STATUSES = ["new", "partially-filled", "filled", "cancelled", "rejected", "expired"] as const;
export const ORDER_TYPES = ["market", "limit", "post-only"] as const;

export const FillSchema = Type.Object(
  {
    /** The venue's execution id: the key that makes a replayed fill harmless. */
    fillId: Type.String({ minLength: 1, maxLength: 128 }),
    qty: Qty,
    priceUsd: PriceUsd,
    feeUsd: SignedUsd,
    liquidity: Type.Enum(["maker", "taker"]),
  },
  STRICT,
);
export type Fill = Static<typeof FillSchema>;

export const ExecutionReportSchema = Type.Object(
  {
    version: Type.Literal(1),
    reportId: Uuid,
    venue: VenueSchema,
    clientOrderId: ClientOrderId,
    venueOrderId: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
    symbol: MarketSymbol,
    side: OrderSideSchema,
    orderType: Type.Enum([...ORDER_TYPES]),
    reduceOnly: Type.Boolean(),
    status: Type.Enum([...ORDER_STATUSES]),
    orderQty: Qty,
    limitPriceUsd: Nullable(PriceUsd),
    /** Cumulative over the order's life. */
    filledQty: NonNegativeQty,
    remainingQty: NonNegativeQty,
    avgFillPriceUsd: Nullable(PriceUsd),
    /** The fill this report announces, if it announces one. */
    fill: Type.Optional(FillSchema),
    rejectReason: Type.Optional(Reason),
    venueTsMs: TsMs,
    tsMs: TsMs,
  },
  STRICT,
);
export type ExecutionReport = Static<typeof ExecutionReportSchema>;

export const PositionSnapshotSchema = Type.Object(
  {
    version: Type.Literal(1),
    venue: VenueSchema,
    symbol: MarketSymbol,
    /** Shadow = built from execution reports; exchange = as the venue reports it. */
    source: Type.Enum(["shadow", "exchange"]),
    side: Type.Enum(["long", "short", "flat"]),
    qty: NonNegativeQty,
    entryPriceUsd: Nullable(PriceUsd),
    markPriceUsd: Nullable(PriceUsd),
    notionalUsd: NotionalUsd,
    leverage: Nullable(Leverage),
    unrealisedPnlUsd: SignedUsd,
    realisedPnlUsd: SignedUsd,
    liquidationPriceUsd: Nullable(PriceUsd),
    venueTsMs: Type.Optional(TsMs),
    tsMs: TsMs,
  },
  STRICT,
);
export type PositionSnapshot = Static<typeof PositionSnapshotSchema>;

/**
 * A position's round trip, from the fill that opened it to the fill that closed (or flipped) it, as
 * execution's shadow state saw it. Strategies learn from these: win rates, daily losses, backtests.
 */
export const TradeClosedSchema = Type.Object(
  {
    version: Type.Literal(1),
    /** Derived from the opening fill: a replay publishes the same id. */
    tradeId: Uuid,
    venue: VenueSchema,
    symbol: MarketSymbol,
    side: PositionSideSchema,
    /** The signal behind the opening order; null for an order no signal asked for. */
    signalId: Nullable(Uuid),
    openedByClientOrderId: ClientOrderId,
    entryQty: Qty,
    entryPriceUsd: PriceUsd,
    exitPriceUsd: PriceUsd,
    feesUsd: SignedUsd,
    /** Net of fees. */
    realisedPnlUsd: SignedUsd,
    openedTsMs: TsMs,
    closedTsMs: TsMs,
    tsMs: TsMs,
  },
  STRICT,
);
export type TradeClosed = Static<typeof TradeClosedSchema>;

export const EquitySnapshotSchema = Type.Object(
  {
    version: Type.Literal(1),
    venue: VenueSchema,
    account: Type.Enum(["futures", "spot"]),
    equityUsd: SignedUsd,
    walletBalanceUsd: SignedUsd,
    availableBalanceUsd: SignedUsd,
    unrealisedPnlUsd: SignedUsd,
    /** Equity at 00:00 UTC, the base of the daily drawdown. */
    startOfDayEquityUsd: Type.Optional(SignedUsd),
    dailyDrawdownFraction: Type.Optional(Fraction),
    venueTsMs: Type.Optional(TsMs),
    tsMs: TsMs,
  },
  STRICT,
);
export type EquitySnapshot = Static<typeof EquitySnapshotSchema>;
