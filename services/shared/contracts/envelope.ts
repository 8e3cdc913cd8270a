// The bus envelope and the registry of message types: each type's schema, version and Redis stream.
// Every message on the bus is an Envelope; consumers call validateEnvelope before acting on one.

import { randomUUID } from "node:crypto";
import { Type, type Static, type TSchema } from "typebox";
import type { Clock } from "../clock.js";
import type { ServiceName } from "../../../ops/services.js";
import { BreakerEventSchema, ControlCommandSchema, TradingStateSchema } from "./control.js";
import { MarketFundingSchema, MarketKlineSchema, MarketOpenInterestSchema, MarketTickerSchema, MarketTradeSchema } from "./market.js";
import { AuditEventSchema, ConfigChangeSchema, ConsoleEventSchema, DeadLetterSchema, HeartbeatSchema, ProposalSchema } from "./ops-events.js";
import { STRICT, ServiceNameSchema, TsMs, Uuid } from "./primitives.js";
import { DecisionSchema, EquitySnapshotSchema, ExecutionReportSchema, OrderCommandSchema, PositionSnapshotSchema, SignalSchema, TradeClosedSchema } from "./trading.js";
import { checkSchema, formatIssues, type SchemaIssue } from "./validation.js";

export const DEAD_LETTER_STREAM = "titan:dead-letter";

const entry = <S extends TSchema>(schema: S, stream: string) => ({ version: 1, schema, stream }) as const;

/** Message type → payload schema, its current version and the stream it travels on. */
export const MESSAGES = {
  signal: entry(SignalSchema, "titan:signals"),
  decision: entry(DecisionSchema, "titan:decisions"),
  "order-command": entry(OrderCommandSchema, "titan:orders"),
  "control-command": entry(ControlCommandSchema, "titan:control"),
  "execution-report": entry(ExecutionReportSchema, "titan:execution-reports"),
  "position-snapshot": entry(PositionSnapshotSchema, "titan:positions"),
  "equity-snapshot": entry(EquitySnapshotSchema, "titan:equity"),
  "trade-closed": entry(TradeClosedSchema, "titan:trades-closed"),
  "trading-state": entry(TradingStateSchema, "titan:trading-state"),
  "breaker-event": entry(BreakerEventSchema, "titan:breaker"),
  heartbeat: entry(HeartbeatSchema, "titan:heartbeats"),
  "market-trade": entry(MarketTradeSchema, "titan:market:trades"),
  "market-ticker": entry(MarketTickerSchema, "titan:market:tickers"),
  "market-kline": entry(MarketKlineSchema, "titan:market:klines"),
  "market-open-interest": entry(MarketOpenInterestSchema, "titan:market:open-interest"),
  "market-funding": entry(MarketFundingSchema, "titan:market:funding"),
  "config-change": entry(ConfigChangeSchema, "titan:config"),
  proposal: entry(ProposalSchema, "titan:proposals"),
  "audit-event": entry(AuditEventSchema, "titan:audit"),
  "console-event": entry(ConsoleEventSchema, "titan:console"),
  "dead-letter": entry(DeadLetterSchema, DEAD_LETTER_STREAM),
} as const;

type Registry = typeof MESSAGES;
export type MessageType = keyof Registry;
export const MESSAGE_TYPES = Object.keys(MESSAGES) as readonly MessageType[];

// Widened view for code that works on any type; MESSAGES itself keeps each schema's precise type.
export const MESSAGE_REGISTRY: Readonly<Record<MessageType, { readonly version: number; readonly schema: TSchema; readonly stream: string }>> = MESSAGES;

export type MessageOf<T extends MessageType> = Static<Registry[T]["schema"]>;

export const isMessageType = (value: unknown): value is MessageType => typeof value === "string" && Object.hasOwn(MESSAGES, value);

/** The envelope without its payload: what every message carries regardless of type. */
export const EnvelopeHeaderSchema = Type.Object(
  {
    id: Uuid,
    type: Type.Enum([...MESSAGE_TYPES]),
    version: Type.Integer({ minimum: 1 }),
    source: ServiceNameSchema,
    tsMs: TsMs,
    /** Ties every message of one flow together (a signal's decision, order, fills). */
    correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The id of the message that directly caused this one. */
    causationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    payload: Type.Unknown(),
  },
  STRICT,
);

export interface EnvelopeOf<T extends MessageType> {
  readonly id: string;
  readonly type: T;
  readonly version: number;
  readonly source: ServiceName;
  readonly tsMs: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly payload: MessageOf<T>;
}

/** Any envelope, discriminated by `type`: `if (e.type === "signal") e.payload.signalId`. */
export type Envelope = { [T in MessageType]: EnvelopeOf<T> }[MessageType];

export type EnvelopeValidation = { ok: true; envelope: Envelope } | { ok: false; reason: string; issues: SchemaIssue[] };

/** Checks the envelope, then its payload against its type's schema and version. Never throws. */
export function validateEnvelope(raw: unknown): EnvelopeValidation {
  const header = checkSchema(EnvelopeHeaderSchema, raw);
  if (!header.ok) return { ok: false, reason: header.reason, issues: header.issues };
  const { type, version, payload } = header.value;
  const spec = MESSAGE_REGISTRY[type as MessageType];
  if (version !== spec.version) {
    const issues = [{ path: "version", message: `${type} version ${version} is not supported (this build reads version ${spec.version})` }];
    return { ok: false, reason: formatIssues(issues), issues };
  }
  const body = checkSchema(spec.schema, payload, "/payload");
  if (!body.ok) return { ok: false, reason: body.reason, issues: body.issues };
  return { ok: true, envelope: raw as Envelope };
}

/** Parses a JSON text (as read from a stream entry) and validates it. */
export function parseEnvelope(text: string): EnvelopeValidation {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = `(root): not valid JSON (${(error as Error).message})`;
    return { ok: false, reason, issues: [{ path: "(root)", message: `not valid JSON (${(error as Error).message})` }] };
  }
  return validateEnvelope(raw);
}

export class ContractError extends Error {
  constructor(
    message: string,
    readonly issues: readonly SchemaIssue[],
  ) {
    super(message);
    this.name = "ContractError";
  }
}

export interface MakeEnvelopeOptions {
  readonly source: ServiceName;
  readonly clock: Clock;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Defaults to a random UUID; pass one to make the id deterministic (derived from the effect's key). */
  readonly id?: string;
}

/**
 * Wraps a payload for publication. The payload is validated here so a bad message fails at its
 * producer, with the field named, instead of being dead-lettered by every consumer.
 */
export function makeEnvelope<T extends MessageType>(type: T, payload: MessageOf<T>, options: MakeEnvelopeOptions): EnvelopeOf<T> {
  const spec = MESSAGE_REGISTRY[type];
  const envelope: EnvelopeOf<T> = {
    id: options.id ?? randomUUID(),
    type,
    version: spec.version,
    source: options.source,
    tsMs: options.clock.nowMs(),
    ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
    payload,
  };
  const result = validateEnvelope(envelope);
  if (!result.ok) throw new ContractError(`invalid ${type} message: ${result.reason}`, result.issues);
  return envelope;
}

/** The stream a message type travels on. */
export const streamOf = (type: MessageType): string => MESSAGE_REGISTRY[type].stream;
