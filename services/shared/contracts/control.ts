// Commands that are not orders (operator and treasury controls), the one trading-state model and the
// circuit breaker's events (reference/domain.md "Trading state", "Circuit breaker", "Treasury").

import { Type, type Static } from "typebox";
import {
  Fraction,
  MarketSymbol,
  PrincipalSchema,
  Reason,
  STRICT,
  ServiceNameSchema,
  SignedUsd,
  TradingStateNameSchema,
  TsMs,
  Uuid,
  VenueSchema,
} from "./primitives.js";

const controlFields = {
  version: Type.Literal(1),
  commandId: Uuid,
  issuedBy: PrincipalSchema,
  reason: Reason,
  tsMs: TsMs,
};

export const CONTROL_COMMANDS = ["flatten", "cancel-all", "halt", "resume", "transfer"] as const;
export type ControlCommandName = (typeof CONTROL_COMMANDS)[number];

export const ACCOUNTS = ["futures", "spot"] as const;
const AccountSchema = Type.Enum([...ACCOUNTS]);

/** Discriminated by `command`. Flatten and cancel-all apply to every symbol when `symbol` is absent. */
export const ControlCommandSchema = Type.Union([
  Type.Object({ ...controlFields, command: Type.Literal("flatten"), symbol: Type.Optional(MarketSymbol) }, STRICT),
  Type.Object({ ...controlFields, command: Type.Literal("cancel-all"), symbol: Type.Optional(MarketSymbol) }, STRICT),
  Type.Object({ ...controlFields, command: Type.Literal("halt") }, STRICT),
  Type.Object({ ...controlFields, command: Type.Literal("resume") }, STRICT),
  Type.Object(
    {
      ...controlFields,
      command: Type.Literal("transfer"),
      /** Idempotency key: execution performs a given transfer at most once. */
      transferId: Uuid,
      venue: VenueSchema,
      asset: Type.String({ minLength: 1, maxLength: 16, pattern: "^[A-Z0-9]+$" }),
      amountUsd: Type.Number({ exclusiveMinimum: 0 }),
      fromAccount: AccountSchema,
      toAccount: AccountSchema,
    },
    STRICT,
  ),
]);
export type ControlCommand = Static<typeof ControlCommandSchema>;

/** Causes of a restricted trading state; the effective state is the most restrictive active cause. */
export const TRADING_STATE_CAUSES = [
  "breaker-hard",
  "breaker-soft",
  "operator-halt",
  "reconciliation-mismatch",
  "heartbeat-missing",
  "dependency-unavailable",
] as const;
export type TradingStateCause = (typeof TRADING_STATE_CAUSES)[number];

export const TradingStateCauseSchema = Type.Object(
  {
    cause: Type.Enum([...TRADING_STATE_CAUSES]),
    state: Type.Enum(["REDUCING", "HALTED"]),
    raisedBy: PrincipalSchema,
    raisedAtMs: TsMs,
    detail: Reason,
    /** For `dependency-unavailable`: which one. */
    dependency: Type.Optional(Type.Enum(["postgres", "redis", "venue", "brain"])),
    /** Causes that clear themselves (SOFT breaker after 30 min) say when. */
    clearsAtMs: Type.Optional(TsMs),
  },
  STRICT,
);

export const TradingStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    state: TradingStateNameSchema,
    causes: Type.Array(TradingStateCauseSchema, { maxItems: 32 }),
    publishedBy: ServiceNameSchema,
    /** Increases with every publication from one publisher, so a consumer can drop an older one. */
    sequence: Type.Integer({ minimum: 0 }),
    tsMs: TsMs,
  },
  STRICT,
);
export type TradingState = Static<typeof TradingStateSchema>;

export const BREAKER_TRIGGERS = [
  "daily-drawdown",
  "min-equity",
  "consecutive-losses",
  "operator-reset",
  "cooldown-elapsed",
] as const;

export const BreakerEventSchema = Type.Object(
  {
    version: Type.Literal(1),
    eventId: Uuid,
    breaker: Type.Enum(["HARD", "SOFT"]),
    action: Type.Enum(["trip", "reset"]),
    trigger: Type.Enum([...BREAKER_TRIGGERS]),
    /** Who tripped or reset it: the brain, or the operator who reset a HARD trip. */
    actor: PrincipalSchema,
    /** The operator's reason for a reset, or the measured condition for a trip. */
    detail: Reason,
    figures: Type.Object(
      {
        equityUsd: SignedUsd,
        startOfDayEquityUsd: SignedUsd,
        dailyDrawdownFraction: Fraction,
        consecutiveLosses: Type.Integer({ minimum: 0 }),
      },
      STRICT,
    ),
    /** A SOFT trip resets itself at this time. */
    resetsAtMs: Type.Optional(TsMs),
    tsMs: TsMs,
  },
  STRICT,
);
export type BreakerEvent = Static<typeof BreakerEventSchema>;
