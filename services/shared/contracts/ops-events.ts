// Operational messages: liveness, configuration, AI Quant proposals, audit, dead letters, console feed.

import { Type, type Static } from "typebox";
import { RoleSchema } from "./http.js";
import {
  Fraction,
  MarketSymbol,
  Nullable,
  PrincipalSchema,
  Reason,
  STRICT,
  ServiceNameSchema,
  SignedUsd,
  TradingStateNameSchema,
  TsMs,
  Uuid,
} from "./primitives.js";

export const HeartbeatSchema = Type.Object(
  {
    version: Type.Literal(1),
    service: ServiceNameSchema,
    instanceId: Type.String({ minLength: 1, maxLength: 200 }),
    /** Increases by one per beat of one instance; a gap means beats were lost. */
    sequence: Type.Integer({ minimum: 0 }),
    startedAtMs: TsMs,
    /** The brain includes the state it publishes, so the dead-man switch sees it with each beat. */
    tradingState: Type.Optional(TradingStateNameSchema),
    tsMs: TsMs,
  },
  STRICT,
);
export type Heartbeat = Static<typeof HeartbeatSchema>;

const Kebab = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9-]*$" });
const ConfigVersion = Type.Integer({ minimum: 1 });

export const ConfigChangeSchema = Type.Object(
  {
    version: Type.Literal(1),
    changeId: Uuid,
    /** The service that owns the configuration and made the change through its API. */
    service: ServiceNameSchema,
    /** Which configuration, e.g. `scavenger-parameters`, `allocation-override`. */
    configKind: Kebab,
    configVersion: ConfigVersion,
    action: Type.Enum(["created", "activated", "rolled-back"]),
    previousVersion: Nullable(ConfigVersion),
    changedBy: PrincipalSchema,
    reason: Reason,
    /** Set when an approved AI Quant proposal created this version. */
    proposalId: Type.Optional(Uuid),
    tsMs: TsMs,
  },
  STRICT,
);
export type ConfigChange = Static<typeof ConfigChangeSchema>;

/** The parameters AI Quant may search (domain.md "AI Quant", step 3); bounds live with the optimiser. */
export const QUANT_PARAMETERS = [
  "maxLeverage",
  "stopLossPercent",
  "takeProfitPercent",
  "riskPerTradePercent",
  "maxDailyLossPercent",
  "maxPositionSizePercent",
  "maxOpenPositions",
  "cooldownSeconds",
] as const;

export const BacktestFiguresSchema = Type.Object(
  {
    trades: Type.Integer({ minimum: 0 }),
    netPnlUsd: SignedUsd,
    returnFraction: Type.Number(),
    /** Null with fewer than two daily returns. */
    sharpe: Nullable(Type.Number()),
    maxDrawdownFraction: Fraction,
    winRate: Nullable(Fraction),
    profitFactor: Nullable(Type.Number({ minimum: 0 })),
  },
  STRICT,
);
export type BacktestFigures = Static<typeof BacktestFiguresSchema>;

const Window = Type.Object({ fromMs: TsMs, toMs: TsMs }, STRICT);

export const PROPOSAL_STATUSES = ["pending", "approved", "rejected", "superseded"] as const;

export const ProposalSchema = Type.Object(
  {
    version: Type.Literal(1),
    proposalId: Uuid,
    targetService: ServiceNameSchema,
    baseConfigVersion: ConfigVersion,
    changes: Type.Array(
      Type.Object({ parameter: Type.Enum([...QUANT_PARAMETERS]), fromValue: Type.Number(), toValue: Type.Number() }, STRICT),
      { minItems: 1, maxItems: QUANT_PARAMETERS.length },
    ),
    inSampleWindow: Window,
    outOfSampleWindow: Window,
    inSample: BacktestFiguresSchema,
    outOfSample: BacktestFiguresSchema,
    /** The current parameters over the same out-of-sample window: what the proposal must beat. */
    baselineOutOfSample: BacktestFiguresSchema,
    reasoning: Type.String({ minLength: 1, maxLength: 20_000 }),
    status: Type.Enum([...PROPOSAL_STATUSES]),
    decidedBy: Type.Optional(PrincipalSchema),
    decisionReason: Type.Optional(Reason),
    tsMs: TsMs,
  },
  STRICT,
);
export type Proposal = Static<typeof ProposalSchema>;

/** One operator or system action, as written to the hash-chained audit log (who, what, why, when, before/after). */
export const AuditEventSchema = Type.Object(
  {
    version: Type.Literal(1),
    eventId: Uuid,
    service: ServiceNameSchema,
    actor: PrincipalSchema,
    actorRole: Type.Optional(RoleSchema),
    /** `<area>.<verb>`, e.g. `breaker.reset`, `token.create`, `config.activate`. */
    action: Type.String({ minLength: 3, maxLength: 100, pattern: "^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+$" }),
    target: Type.Optional(Type.Object({ kind: Kebab, id: Type.String({ minLength: 1, maxLength: 200 }) }, STRICT)),
    reason: Nullable(Reason),
    before: Type.Unknown(),
    after: Type.Unknown(),
    correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tsMs: TsMs,
  },
  STRICT,
);
export type AuditEvent = Static<typeof AuditEventSchema>;

/** A message a consumer gave up on: the original entry as received, and why. */
export const DeadLetterSchema = Type.Object(
  {
    version: Type.Literal(1),
    originalStream: Type.String({ minLength: 1, maxLength: 200 }),
    /** The Redis stream entry id (`<ms>-<seq>`). */
    originalEntryId: Type.String({ pattern: "^[0-9]+-[0-9]+$" }),
    group: Type.String({ minLength: 1, maxLength: 200 }),
    consumer: Type.String({ minLength: 1, maxLength: 200 }),
    attempts: Type.Integer({ minimum: 1 }),
    reason: Type.String({ minLength: 1, maxLength: 4000 }),
    /** Known only when the entry parsed as an envelope. */
    messageId: Type.Optional(Type.String({ maxLength: 200 })),
    messageType: Type.Optional(Type.String({ maxLength: 100 })),
    /** The entry's payload exactly as read, so nothing is lost even when it was malformed. */
    raw: Type.String({ maxLength: 1_048_576 }),
    deadLetteredAtMs: TsMs,
  },
  STRICT,
);
export type DeadLetter = Static<typeof DeadLetterSchema>;

export const CONSOLE_TOPICS = [
  "signal",
  "decision",
  "order",
  "fill",
  "position",
  "equity",
  "breaker",
  "trading-state",
  "proposal",
  "config",
  "audit",
  "alert",
  "system",
] as const;

/** What the console backend fans out to browsers: a summary a person reads, plus the data behind it. */
export const ConsoleEventSchema = Type.Object(
  {
    version: Type.Literal(1),
    eventId: Uuid,
    topic: Type.Enum([...CONSOLE_TOPICS]),
    severity: Type.Enum(["info", "warning", "critical"]),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    detail: Type.Optional(Type.String({ maxLength: 4000 })),
    symbol: Type.Optional(MarketSymbol),
    /** The bus message this event was made from. */
    source: Type.Optional(Type.Object({ messageType: Type.String({ maxLength: 100 }), messageId: Type.String({ maxLength: 200 }) }, STRICT)),
    data: Type.Optional(Type.Unknown()),
    tsMs: TsMs,
  },
  STRICT,
);
export type ConsoleEvent = Static<typeof ConsoleEventSchema>;
