// Consumes Redis streams through a consumer group with exactly-once effects: each message's effect
// runs in a PostgreSQL transaction that first inserts the message id into the inbox (a redelivered
// message finds it and only acknowledges), and XACK follows the COMMIT. A crash anywhere leaves the
// entry pending: this consumer reclaims its own pending entries on start, and every consumer claims
// entries left idle by others. Handler failures are retried in place with backoff and dead-lettered
// after `maxAttempts`; malformed entries are dead-lettered at once; the consumer keeps running.
// With `transactionBatch` > 1, the entries of one read share a transaction (one inbox insert, one
// COMMIT, one XACK): the per-message cost on a busy stream is then the handler's own statements. If
// anything in a batch fails, it is rolled back whole and its entries are handled one by one, so a bad
// message still fails alone, with its retries and its dead letter.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { ServiceName } from "../../../ops/services.js";
import { systemClock, type Clock } from "../clock.js";
import { TransactionAbortedError, flushBeforeCommit, type Database, type Queryable } from "../db/database.js";
import { faultPoint } from "../faults.js";
import { STOPPED, StopSignal } from "../stop-signal.js";
import { ServiceMetrics } from "../metrics.js";
import { describeError, recordDeadLetter } from "./dead-letter.js";
import { buildDeadLetterEnvelope, parseStreamEntry, storableDeadLetterPayload, storableText, streamNameProblem } from "./entry.js";
import { consumerMetrics, type ConsumerMetrics } from "./messaging-metrics.js";
import { guardCheckedOutClient } from "./pg-guard.js";
import { ConsumerGroupClient } from "./group-client.js";
import type { StreamEntry } from "./redis-replies.js";
import { RedisTimeoutError } from "./timeout.js";
import { DEFAULT_RETRY_BACKOFF, backoffDelayMs, decideAfterFailure, exceedsDeliveryLimit, isTransientError, validateBackoff, type BackoffPolicy } from "./retry-policy.js";
import {
  DEAD_LETTER_REASON_CLASSES,
  DEFAULT_DEAD_LETTER_STREAM,
  MESSAGING_FAULT_POINTS,
  silentLogger,
  type DeadLetterPayload,
  type DeadLetterReasonClass,
  type Envelope,
  type MessageValidator,
  type MessagingLogger,
} from "./types.js";

export interface Delivery {
  readonly stream: string;
  readonly entryId: string;
  /** 1-based attempt at running the handler for this entry. */
  readonly attempt: number;
}

/** Runs the message's effect inside `tx`; throwing rolls it back and counts as a failed attempt. */
export type MessageHandler = (envelope: Envelope, tx: Queryable, delivery: Delivery) => Promise<void>;

export interface StreamConsumerOptions {
  readonly db: Database;
  /** Command connection (the caller owns it); blocking reads use a duplicate of it. */
  readonly redis: Redis;
  readonly service: ServiceName;
  /** Consumer group; the consuming service by default. */
  readonly group?: string;
  /** This instance's name in the group; keep it stable across restarts to reclaim at once. */
  readonly consumer: string;
  readonly streams: readonly string[];
  readonly handler: MessageHandler;
  readonly validate: MessageValidator;
  readonly deadLetterStream?: string;
  /** Handler runs before a failing message is dead-lettered. */
  readonly maxAttempts?: number;
  /** Deliveries without an outcome (the consumer died each time) before dead-lettering. */
  readonly maxDeliveries?: number;
  /** Waits between retries, and while PostgreSQL or Redis is down. */
  readonly backoff?: BackoffPolicy;
  readonly batchSize?: number;
  /**
   * Entries of one read handled in one transaction (1: a transaction each). Only for handlers whose
   * effects all go through `tx` and after-commit hooks: a batch that fails is rolled back and replayed
   * entry by entry.
   */
  readonly transactionBatch?: number;
  /** How long one XREADGROUP blocks; also bounds how late a due claim sweep runs. */
  readonly blockMs?: number;
  /** A pending entry idle this long belongs to a dead or stuck consumer and is claimed. */
  readonly claimIdleMs?: number;
  readonly claimIntervalMs?: number;
  /** A Redis command not answered within this fails (the loop retries; the entry stays pending). */
  readonly commandTimeoutMs?: number;
  /**
   * A valid message this returns false for is acknowledged without a transaction or an inbox row: for
   * messages on a shared stream whose handler would do nothing (no effect, so nothing to do once).
   */
  readonly accepts?: (envelope: Envelope) => boolean;
  readonly clock?: Clock;
  readonly metrics?: ServiceMetrics;
  readonly logger?: MessagingLogger;
  readonly newId?: () => string;
}

/** The handler threw; anything else that fails is infrastructure (PostgreSQL, Redis). */
class HandlerError extends Error {
  constructor(readonly original: unknown) {
    super(describeError(original), { cause: original });
  }
}

type Outcome = "processed" | "duplicate";

/**
 * A handler that swallowed an SQL error left its transaction aborted, which the transaction helper
 * finds at COMMIT (PostgreSQL would roll back without an error): the handler's failure, not the store's.
 */
const handlerAbortedTransaction = (err: unknown): never => {
  throw err instanceof TransactionAbortedError ? new HandlerError(err) : err;
};

export class StreamConsumer {
  readonly group: string;
  private readonly o: Required<
    Pick<StreamConsumerOptions, "maxAttempts" | "maxDeliveries" | "batchSize" | "transactionBatch" | "blockMs" | "claimIdleMs" | "claimIntervalMs" | "commandTimeoutMs" | "deadLetterStream">
  >;
  private readonly clock: Clock;
  private readonly log: MessagingLogger;
  private readonly metrics: ConsumerMetrics;
  private readonly backoff: BackoffPolicy;
  private readonly newId: () => string;
  private readonly redis: ConsumerGroupClient;
  private running = false;
  private loop: Promise<void> | null = null;
  private claimDue = true;
  /** Set when our own pending entries must be re-examined: at start, after errors and reconnects. */
  private needsSetup = true;
  private cancelClaimTimer: (() => void) | null = null;
  private readonly interrupts = new Set<() => void>();
  private markReady: () => void = () => undefined;
  private stopSignal = new StopSignal("stopped");
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly opts: StreamConsumerOptions) {
    this.group = opts.group ?? opts.service;
    const maxAttempts = opts.maxAttempts ?? 5;
    this.o = {
      maxAttempts,
      maxDeliveries: opts.maxDeliveries ?? maxAttempts * 2,
      batchSize: opts.batchSize ?? 50,
      transactionBatch: opts.transactionBatch ?? 1,
      blockMs: opts.blockMs ?? 2_000,
      claimIdleMs: opts.claimIdleMs ?? 30_000,
      claimIntervalMs: opts.claimIntervalMs ?? 5_000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 5_000,
      deadLetterStream: opts.deadLetterStream ?? DEFAULT_DEAD_LETTER_STREAM,
    };
    for (const [name, value] of Object.entries(this.o)) {
      if (typeof value === "number" && !(Number.isInteger(value) && value > 0)) throw new RangeError(`StreamConsumer: ${name} must be a positive integer`);
    }
    if (opts.streams.length === 0) throw new RangeError("StreamConsumer: at least one stream is needed");
    for (const stream of [...opts.streams, this.o.deadLetterStream]) {
      const problem = streamNameProblem(stream);
      if (problem) throw new RangeError(`StreamConsumer: ${problem}`);
    }
    if (opts.streams.includes(this.o.deadLetterStream)) throw new RangeError("StreamConsumer: a consumer of the dead-letter stream cannot dead-letter into it");
    if (!opts.consumer || !this.group) throw new RangeError("StreamConsumer: consumer and group names must be non-empty");
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    this.metrics = consumerMetrics(opts.metrics ?? new ServiceMetrics(opts.service, { defaultMetrics: false }));
    // Every series exists from the start, at zero: rates and alerts over them read 0, not "no data".
    for (const stream of opts.streams) {
      const labels = { stream, group: this.group };
      for (const counter of [this.metrics.processedTotal, this.metrics.duplicatesSkippedTotal, this.metrics.claimedTotal, this.metrics.ignoredTotal]) counter.inc(labels, 0);
      for (const kind of ["handler", "infrastructure"]) this.metrics.failedTotal.inc({ ...labels, kind }, 0);
      for (const reasonClass of DEAD_LETTER_REASON_CLASSES) this.metrics.deadLetteredTotal.inc({ ...labels, reason_class: reasonClass }, 0);
    }
    this.backoff = opts.backoff ?? DEFAULT_RETRY_BACKOFF;
    validateBackoff(this.backoff, "StreamConsumer backoff");
    this.newId = opts.newId ?? randomUUID;
    this.redis = new ConsumerGroupClient({
      redis: opts.redis,
      group: this.group,
      consumer: opts.consumer,
      clock: this.clock,
      commandTimeoutMs: this.o.commandTimeoutMs,
      log: this.log,
      onReconnect: () => (this.needsSetup = true),
    });
  }

  /**
   * Starts consuming. Resolves once the groups exist and this consumer's own pending entries were
   * handled; while Redis is unreachable that waits, so a service need not await it to boot.
   */
  start(): Promise<void> {
    if (this.running) return this.ready;
    this.running = true;
    this.claimDue = true;
    this.needsSetup = true;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.stopSignal = new StopSignal();
    this.redis.openBlocking();
    this.scheduleClaimSweep();
    this.loop = this.run();
    return this.ready;
  }

  /** Finishes the message in hand, leaves the rest pending for the next start, and closes its connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelClaimTimer?.();
    for (const interrupt of [...this.interrupts]) interrupt();
    this.stopSignal.stop(); // never depend on the client settling a read it queued while reconnecting
    this.redis.closeBlocking();
    await this.loop;
    this.markReady();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (this.needsSetup) {
          this.needsSetup = false;
          await this.setup();
          this.markReady();
        }
        if (this.claimDue) {
          this.claimDue = false;
          await this.claimIdleEntries();
          await this.updateGauges();
        }
        await this.readNew();
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures += 1;
        this.needsSetup = true; // the group may have gone with Redis's data; pending entries need a re-check
        if (err instanceof RedisTimeoutError) this.redis.replaceBlocking();
        const delayMs = backoffDelayMs(failures, this.backoff);
        this.log.warn({ err: describeError(err), delayMs }, "stream consumer: Redis or PostgreSQL failed; retrying");
        await this.pause(delayMs);
      }
    }
  }

  private async setup(): Promise<void> {
    await this.redis.commandConnectionReady(this.stopSignal);
    for (const stream of this.opts.streams) {
      if (await this.redis.ensureGroup(stream)) this.log.info({ stream, group: this.group }, "stream consumer: created consumer group");
    }
    await this.recoverOwnPending();
  }

  private async readNew(): Promise<void> {
    const batch = await this.stopSignal.race(this.redis.readNew(this.opts.streams, this.o.batchSize, this.o.blockMs));
    if (batch === STOPPED) return;
    for (const { stream, entries } of batch) {
      for (let from = 0; from < entries.length; from += this.o.transactionBatch) {
        if (!this.running) return; // the rest stay pending for the next start
        await this.handleFresh(stream, entries.slice(from, from + this.o.transactionBatch));
      }
    }
  }

  /** First deliveries: together in one transaction when there are several valid ones, else one by one. */
  private async handleFresh(stream: string, entries: readonly StreamEntry[]): Promise<void> {
    if (entries.length === 1) return this.handleEntry(stream, entries[0]!, 1);
    const ready: Array<{ readonly entry: StreamEntry; readonly envelope: Envelope }> = [];
    const gone: string[] = [];
    let ignored = 0;
    for (const entry of entries) {
      const parsed = parseStreamEntry(entry.fields, this.opts.validate);
      if (parsed.kind === "message" && this.opts.accepts?.(parsed.envelope) === false) {
        gone.push(entry.id);
        ignored += 1;
      } else if (parsed.kind === "message") ready.push({ entry, envelope: parsed.envelope });
      else if (parsed.kind === "gone") gone.push(entry.id);
      else await this.handleEntry(stream, entry, 1); // dead-letters it
    }
    if (ignored > 0) this.metrics.ignoredTotal.inc({ stream, group: this.group }, ignored);
    if (ready.length > 1) {
      const startedMs = this.clock.monotonicMs();
      let outcomes: Outcome[] | null = null;
      try {
        outcomes = await this.processBatch(stream, ready);
      } catch (err) {
        this.log.warn({ stream, entries: ready.length, err: describeError(err instanceof HandlerError ? err.original : err) }, "stream consumer: a batch failed; handling its entries one by one");
      }
      if (outcomes !== null) {
        const labels = { stream, group: this.group };
        const seconds = Math.max(0, this.clock.monotonicMs() - startedMs) / 1000;
        for (const outcome of outcomes) {
          if (outcome === "processed") this.metrics.processedTotal.inc(labels);
          else this.metrics.duplicatesSkippedTotal.inc(labels);
          this.metrics.handlingSeconds.observe({ ...labels, outcome }, seconds);
        }
        await this.redis.ackMany(stream, [...gone, ...ready.map((r) => r.entry.id)]);
        return;
      }
    }
    for (const { entry } of ready) {
      if (!this.running) return;
      await this.handleEntry(stream, entry, 1);
    }
    if (gone.length > 0) await this.redis.ackMany(stream, gone);
  }

  /** One transaction for several first deliveries: one inbox insert, each new message's effect, one commit. */
  private processBatch(stream: string, ready: ReadonlyArray<{ readonly entry: StreamEntry; readonly envelope: Envelope }>): Promise<Outcome[]> {
    return this.opts.db.transaction(async (tx) => {
      guardCheckedOutClient(tx.client);
      const { rows } = await tx.query<{ message_id: string }>(
        "messaging_inbox_insert_batch",
        "INSERT INTO inbox (consumer_group, message_id, stream) SELECT $1, id, $3 FROM unnest($2::uuid[]) AS id ON CONFLICT DO NOTHING RETURNING message_id::text",
        [this.group, ready.map((r) => r.envelope.id), stream],
      );
      // A message id inserted now is handled once, by its first entry; every other copy is a duplicate.
      const fresh = new Set(rows.map((r) => r.message_id));
      const outcomes: Outcome[] = [];
      for (const { entry, envelope } of ready) {
        if (!fresh.delete(envelope.id.toLowerCase())) {
          outcomes.push("duplicate");
          continue;
        }
        try {
          await this.opts.handler(envelope, tx, { stream, entryId: entry.id, attempt: 1 });
        } catch (err) {
          throw new HandlerError(err);
        }
        outcomes.push("processed");
      }
      await flushBeforeCommit(tx);
      faultPoint(MESSAGING_FAULT_POINTS.consumerAfterReceiveBeforeCommit);
      return outcomes;
    }).catch(handlerAbortedTransaction).then((outcomes) => {
      if (outcomes.includes("processed")) faultPoint(MESSAGING_FAULT_POINTS.consumerAfterCommitBeforeAck);
      return outcomes;
    });
  }

  /** Entries this consumer name received before a crash, restart or lost reply: ours to finish, at once. */
  private async recoverOwnPending(): Promise<void> {
    for (const stream of this.opts.streams) {
      let start = "-";
      while (this.running) {
        const pending = await this.redis.ownPending(stream, start, this.o.batchSize);
        if (pending.length === 0) break;
        const entries = await this.redis.claim(stream, pending.map((p) => p.id));
        const counts = new Map(pending.map((p) => [p.id, p.deliveryCount + 1]));
        for (const entry of entries) {
          if (!this.running) return;
          await this.handleEntry(stream, entry, counts.get(entry.id) ?? 2);
        }
        if (pending.length < this.o.batchSize) break;
        start = `(${pending[pending.length - 1]?.id}`;
      }
    }
  }

  /** Takes over entries idle longer than `claimIdleMs`: their consumer died or is stuck. */
  private async claimIdleEntries(): Promise<void> {
    for (const stream of this.opts.streams) {
      let cursor = "0-0";
      for (let page = 0; page < 10 && this.running; page += 1) {
        const claimed = await this.redis.claimIdle(stream, this.o.claimIdleMs, cursor, this.o.batchSize);
        if (claimed.entries.length > 0) {
          this.metrics.claimedTotal.inc({ stream, group: this.group }, claimed.entries.length);
          this.log.info({ stream, count: claimed.entries.length }, "stream consumer: claimed idle pending entries");
          const counts = await this.redis.deliveryCounts(stream, claimed.entries);
          for (const entry of claimed.entries) {
            if (!this.running) return;
            await this.handleEntry(stream, entry, counts.get(entry.id) ?? 2);
          }
        }
        cursor = claimed.cursor;
        if (cursor === "0-0") break;
      }
    }
  }

  private async handleEntry(stream: string, entry: StreamEntry, deliveryCount: number): Promise<void> {
    const labels = { stream, group: this.group };
    const startedMs = this.clock.monotonicMs();
    const observe = (outcome: string) => this.metrics.handlingSeconds.observe({ ...labels, outcome }, Math.max(0, this.clock.monotonicMs() - startedMs) / 1000);
    const parsed = parseStreamEntry(entry.fields, this.opts.validate);
    if (parsed.kind === "gone") {
      await this.redis.ack(stream, entry.id);
      return;
    }
    if (parsed.kind === "malformed") {
      const { messageId, messageType, reason, raw } = parsed;
      await this.deadLetter(stream, entry.id, "malformed", { messageId, messageType, reason, attempts: deliveryCount, raw });
      observe("dead-lettered");
      return;
    }
    const { envelope } = parsed;
    if (this.opts.accepts?.(envelope) === false) {
      await this.redis.ack(stream, entry.id);
      this.metrics.ignoredTotal.inc(labels);
      observe("ignored");
      return;
    }
    if (exceedsDeliveryLimit(deliveryCount, this.o.maxDeliveries)) {
      const reason = `delivered ${deliveryCount} times without an outcome (its consumers crashed or stalled while handling it)`;
      await this.deadLetter(stream, entry.id, "delivery-limit", { ...this.identify(envelope), reason, attempts: deliveryCount }, envelope);
      observe("dead-lettered");
      return;
    }
    let attempt = deliveryCount;
    let infrastructureFailures = 0;
    for (;;) {
      try {
        const outcome = await this.processOnce(stream, entry.id, envelope, attempt);
        // Counted at commit: if the ack fails, the redelivery shows up as a skipped duplicate.
        if (outcome === "processed") this.metrics.processedTotal.inc(labels);
        else this.metrics.duplicatesSkippedTotal.inc(labels);
        observe(outcome);
        await this.redis.ack(stream, entry.id);
        return;
      } catch (err) {
        const failure = err instanceof HandlerError && !isTransientError(err.original) ? "handler" : "infrastructure";
        if (failure === "infrastructure") infrastructureFailures += 1;
        this.metrics.failedTotal.inc({ ...labels, kind: failure });
        const decision = decideAfterFailure({ attempt, maxAttempts: this.o.maxAttempts, failure, infrastructureFailures, backoff: this.backoff });
        if (decision.kind === "dead-letter") {
          const reason = describeError(err instanceof HandlerError ? err.original : err);
          await this.deadLetter(stream, entry.id, "handler-failed", { ...this.identify(envelope), reason, attempts: attempt }, envelope);
          observe("dead-lettered");
          return;
        }
        this.log.warn({ stream, entryId: entry.id, messageId: envelope.id, attempt, failure, err: describeError(err), delayMs: decision.delayMs }, "stream consumer: handling failed; will retry");
        await this.pause(decision.delayMs);
        // Stopping, or the entry left our pending list (acknowledged elsewhere, trimmed): leave it.
        if (!this.running || !(await this.redis.touch(stream, entry.id))) {
          observe("failed");
          return;
        }
        attempt = decision.nextAttempt;
      }
    }
  }

  /** One try: inbox row, effect, commit. A duplicate commits nothing and only needs its ack. */
  private processOnce(stream: string, entryId: string, envelope: Envelope, attempt: number): Promise<Outcome> {
    return this.opts.db.transaction(async (tx) => {
      guardCheckedOutClient(tx.client);
      const inserted = await tx.query(
        "messaging_inbox_insert",
        "INSERT INTO inbox (consumer_group, message_id, stream) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [this.group, envelope.id, stream],
      );
      if (inserted.rowCount === 0) return "duplicate";
      try {
        await this.opts.handler(envelope, tx, { stream, entryId, attempt });
        await flushBeforeCommit(tx); // the handler's gathered writes (its outbox rows) fail as the handler's
      } catch (err) {
        throw new HandlerError(err);
      }
      faultPoint(MESSAGING_FAULT_POINTS.consumerAfterReceiveBeforeCommit);
      return "processed";
    }).catch(handlerAbortedTransaction).then((outcome) => {
      if (outcome === "processed") faultPoint(MESSAGING_FAULT_POINTS.consumerAfterCommitBeforeAck);
      return outcome;
    });
  }

  private identify(envelope: Envelope): { messageId: string; messageType: string; raw: string } {
    return { messageId: envelope.id, messageType: envelope.type, raw: JSON.stringify(envelope) };
  }

  private async deadLetter(
    stream: string,
    entryId: string,
    reasonClass: DeadLetterReasonClass,
    d: { messageId: string | null; messageType: string | null; reason: string; attempts: number; raw: string },
    original?: Envelope,
  ): Promise<void> {
    // Hostile text (U+0000, lone surrogates) is escaped: a dead letter PostgreSQL refused would block the stream.
    const payload: DeadLetterPayload = storableDeadLetterPayload({
      version: 1,
      originalStream: stream,
      originalEntryId: entryId,
      group: this.group,
      consumer: this.opts.consumer,
      attempts: Math.max(1, d.attempts),
      reason: d.reason,
      ...(d.messageId !== null ? { messageId: d.messageId } : {}),
      ...(d.messageType !== null ? { messageType: d.messageType } : {}),
      raw: d.raw,
      deadLetteredAtMs: this.clock.nowMs(),
    });
    const correlationId = original?.correlationId === undefined ? undefined : storableText(original.correlationId);
    const envelope = buildDeadLetterEnvelope({ id: this.newId(), source: this.opts.service, payload, ...(correlationId ? { correlationId } : {}) });
    const recorded = await this.opts.db.transaction((tx) => {
      guardCheckedOutClient(tx.client);
      return recordDeadLetter(tx, { payload, reasonClass }, envelope, this.o.deadLetterStream);
    });
    await this.redis.ack(stream, entryId);
    if (recorded) this.metrics.deadLetteredTotal.inc({ stream, group: this.group, reason_class: reasonClass });
    this.log.warn({ stream, entryId, messageId: d.messageId, reasonClass, reason: d.reason, attempts: d.attempts }, "stream consumer: message dead-lettered");
  }

  private async updateGauges(): Promise<void> {
    for (const stream of this.opts.streams) {
      const info = await this.redis.groupInfo(stream);
      if (!info) continue;
      this.metrics.pendingMessages.set({ stream, group: this.group }, info.pending);
      if (info.lag !== null) this.metrics.lagMessages.set({ stream, group: this.group }, info.lag);
    }
  }

  private scheduleClaimSweep(): void {
    this.cancelClaimTimer = this.clock.setTimer(this.o.claimIntervalMs, () => {
      this.claimDue = true;
      if (this.running) this.scheduleClaimSweep();
    });
  }

  /** Waits on the injected clock; `stop` cuts it short. */
  private pause(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.running) return resolve();
      const done = (): void => {
        cancel();
        this.interrupts.delete(done);
        resolve();
      };
      const cancel = this.clock.setTimer(delayMs, done);
      this.interrupts.add(done);
    });
  }
}
