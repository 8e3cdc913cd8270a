// The typed bus: contracts' envelopes over the exactly-once messaging layer. Services publish inside
// the transaction of the state change that causes the message and subscribe by message type.
import type { ServiceName } from "../../ops/services.js";
import type { Clock } from "./clock.js";
import { makeEnvelope, streamOf, validateEnvelope, type Envelope, type EnvelopeOf, type MessageOf, type MessageType } from "./contracts/index.js";
import type { Queryable } from "./db/database.js";
import { findInputProblem } from "./input-problems.js";
import { StreamConsumer, enqueueInTransaction, type Delivery, type MessageValidator } from "./messaging/index.js";
import type { ServiceContext, Stopper } from "./runtime.js";

export interface PublishOptions {
  readonly source: ServiceName;
  readonly clock: Clock;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** A deterministic id makes a replayed publish collapse into the first one downstream. */
  readonly id?: string;
  /** With a deterministic id: nothing is written when the outbox already holds that id (see EnqueueOptions). */
  readonly skipIfPresent?: boolean;
}

/** Writes a message to the outbox in the caller's transaction; it is published after the commit. */
export const publishInTransaction = async <T extends MessageType>(tx: Queryable, type: T, payload: MessageOf<T>, opts: PublishOptions): Promise<EnvelopeOf<T>> => {
  const envelope = makeEnvelope(type, payload, opts);
  await enqueueInTransaction(tx, envelope, streamOf(type), { validate: storableValidator, ...(opts.skipIfPresent ? { skipIfPresent: true } : {}) });
  return envelope;
};

/** Contracts' validator in the messaging layer's shape. */
export const contractValidator: MessageValidator = (raw) => {
  // Refused before the schema: such text would fail at its first write, such nesting overflow the validator.
  const problem = findInputProblem(raw, "");
  if (problem !== null) return { ok: false, reason: `${problem.path || "/"}: ${problem.message}` };
  const result = validateEnvelope(raw);
  return result.ok ? { ok: true, envelope: result.envelope } : { ok: false, reason: result.reason };
};

/** For an envelope makeEnvelope built (it checked the schema): only what no store can take. */
const storableValidator: MessageValidator = (raw) => {
  const problem = findInputProblem(raw, "");
  return problem === null ? { ok: true, envelope: raw as Envelope } : { ok: false, reason: `${problem.path || "/"}: ${problem.message}` };
};

export type TypedHandler = (envelope: Envelope, tx: Queryable, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  /** Message types to receive; their streams are read by one consumer. */
  readonly types: readonly MessageType[];
  readonly handler: TypedHandler;
  /**
   * Messages of the wanted types the handler would do nothing with (e.g. execution reports without a
   * fill for a ledger of fills): acknowledged without a transaction. Must be pure: the same message
   * always gets the same answer, on every delivery.
   */
  readonly accepts?: (envelope: Envelope) => boolean;
  readonly maxAttempts?: number;
  /** Messages handled per transaction when a read brings several (StreamConsumerOptions.transactionBatch). */
  readonly transactionBatch?: number;
}

/**
 * Starts a consumer in the service's group. Messages of other types arriving on the same streams, and
 * those `accepts` turns down, are acknowledged without a transaction. Returns its stop function.
 */
export const subscribe = <S extends ServiceName>(ctx: ServiceContext<S>, opts: SubscribeOptions): Stopper => {
  const wanted = new Set<string>(opts.types);
  const consumer = new StreamConsumer({
    db: ctx.db,
    redis: ctx.redis,
    service: ctx.service,
    consumer: ctx.instanceId,
    streams: [...new Set(opts.types.map(streamOf))],
    validate: contractValidator,
    // The validator above has checked the envelope against its contract: it is a contracts' Envelope.
    accepts: (envelope) => wanted.has(envelope.type) && (opts.accepts?.(envelope as Envelope) ?? true),
    handler: (envelope, tx, delivery) => opts.handler(envelope as Envelope, tx, delivery),
    clock: ctx.clock,
    metrics: ctx.metrics,
    logger: ctx.logger,
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.transactionBatch !== undefined ? { transactionBatch: opts.transactionBatch } : {}),
  });
  // Not awaited: while Redis is down start() waits, and the service must still boot and report unready.
  void consumer.start().catch((err: unknown) => ctx.logger.error({ err }, "stream consumer failed to start"));
  return () => consumer.stop();
};
