// Publishes a schema's outbox to Redis Streams. Rows a transaction of this process commits are handed
// over at once (the fast path: XADD, then a mark gathered off the path, no claim); rows from elsewhere wake it by
// NOTIFY, and a poll is the fallback for everything.
// Rows are claimed with FOR UPDATE SKIP LOCKED (several relays share an outbox safely) and marked
// published by the same statement, added to their streams in one pipeline, and the transaction commits
// after the XADD: a crash between XADD and COMMIT republishes the batch, which consumers' inboxes absorb. Redis or PostgreSQL being down
// only delays publishing; rows stay until they are out.
import type pg from "pg";
import type { Redis } from "ioredis";
import type { ServiceName } from "../../../ops/services.js";
import { systemClock, type Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { faultPoint } from "../faults.js";
import { ServiceMetrics } from "../metrics.js";
import { relayMetrics, type RelayMetrics } from "./messaging-metrics.js";
import { attachCommittedRowsSink, outboxChannel, type CommittedOutboxRow, type CommittedRowsSink } from "./outbox.js";
import { guardCheckedOutClient } from "./pg-guard.js";
import { withTimeout } from "./timeout.js";
import { DEFAULT_RETRY_BACKOFF, backoffDelayMs, validateBackoff, type BackoffPolicy } from "./retry-policy.js";
import { ENTRY_ENVELOPE_FIELD, ENTRY_ID_FIELD, MESSAGING_FAULT_POINTS, silentLogger, type MessagingLogger } from "./types.js";

export interface OutboxRelayOptions {
  readonly db: Database;
  /** A command connection (not used for blocking reads); the caller owns and closes it. */
  readonly redis: Redis;
  readonly service: ServiceName;
  readonly clock?: Clock;
  readonly metrics?: ServiceMetrics;
  readonly logger?: MessagingLogger;
  /** Fallback poll when no notification arrives (a lost LISTEN connection, a missed wake-up). */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  /** Approximate cap per stream (XADD MAXLEN ~); null never trims. */
  readonly maxLenApprox?: number | null;
  /** Waits between failed cycles while Redis or PostgreSQL is down. */
  readonly backoff?: BackoffPolicy;
  /** Schema whose outbox this is; by default the connection's current_schema(). */
  readonly schema?: string;
  /** A publish not answered within this is abandoned (rolled back, retried later). */
  readonly redisTimeoutMs?: number;
}

interface OutboxRow {
  /** Enqueue order (claimed rows; the fast path's rows come in commit order already). */
  readonly seq?: number;
  readonly id: string;
  readonly stream: string;
  readonly envelope: string;
  readonly lag_seconds: number;
}

type FailedStore = "postgres" | "redis";

class RelayCycleError extends Error {
  constructor(readonly store: FailedStore, readonly ids: readonly string[], cause: unknown) {
    super(`outbox relay: ${store} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export class OutboxRelay implements CommittedRowsSink {
  private readonly clock: Clock;
  private readonly log: MessagingLogger;
  private readonly metrics: RelayMetrics;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxLenApprox: number | null;
  private readonly backoff: BackoffPolicy;
  private readonly redisTimeoutMs: number;
  private running = false;
  private draining: Promise<void> | null = null;
  private wakeRequested = false;
  private failures = 0;
  private backingOffUntilMs = 0;
  private listener: pg.PoolClient | null = null;
  /** A LISTEN connection being set up: the poll and the reconnect timer must not start a second one. */
  private listening = false;
  private listenFailures = 0;
  private readonly cancels = new Set<() => void>();
  /** Committed rows handed over by this process's transactions, leased to this relay (claims skip them). */
  private fastQueue: Array<CommittedOutboxRow & { readonly committedAtMs: number }> = [];
  private fastDraining: Promise<void> | null = null;
  /** Published on the fast path, not yet marked; `marking` is the statement in flight. */
  private unmarked: string[] = [];
  private marking: Promise<void> | null = null;
  private detachSink: (() => void) | null = null;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
    this.metrics = relayMetrics(opts.metrics ?? new ServiceMetrics(opts.service, { defaultMetrics: false }));
    for (const store of ["postgres", "redis"]) this.metrics.publishFailuresTotal.inc({ reason: store }, 0); // zero series from the start
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
    this.batchSize = opts.batchSize ?? 200;
    this.maxLenApprox = opts.maxLenApprox === undefined ? 100_000 : opts.maxLenApprox;
    this.backoff = opts.backoff ?? DEFAULT_RETRY_BACKOFF;
    this.redisTimeoutMs = opts.redisTimeoutMs ?? 5_000;
    if (!(this.redisTimeoutMs > 0)) throw new RangeError("OutboxRelay: redisTimeoutMs must be > 0");
    if (!(this.pollIntervalMs > 0)) throw new RangeError("OutboxRelay: pollIntervalMs must be > 0");
    if (!(Number.isInteger(this.batchSize) && this.batchSize > 0)) throw new RangeError("OutboxRelay: batchSize must be a positive integer");
    if (this.maxLenApprox !== null && !(Number.isInteger(this.maxLenApprox) && this.maxLenApprox > 0)) {
      throw new RangeError("OutboxRelay: maxLenApprox must be a positive integer or null");
    }
    validateBackoff(this.backoff, "OutboxRelay backoff");
    if (opts.schema !== undefined) outboxChannel(opts.schema);
  }

  /** Starts listening and polling; never fails because Redis or PostgreSQL is down. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.detachSink = attachCommittedRowsSink(this.opts.db.pool, this);
    this.schedulePoll();
    await this.listen();
    this.wake();
  }

  /** Rows a transaction on this relay's pool has just committed: published now, marked after. */
  publishCommitted(rows: readonly CommittedOutboxRow[]): void {
    if (!this.running || this.clock.nowMs() < this.backingOffUntilMs) return; // the poll takes them
    const committedAtMs = this.clock.nowMs();
    for (const row of rows) this.fastQueue.push({ ...row, committedAtMs });
    this.fastDraining ??= this.fastDrain().finally(() => {
      this.fastDraining = null;
      if (this.wakeRequested) this.wake();
    });
  }

  private async fastDrain(): Promise<void> {
    while (this.fastQueue.length > 0 && this.running) {
      const batch = this.fastQueue.splice(0, this.batchSize);
      try {
        await this.xaddAll(batch.map((r) => ({ id: r.id, stream: r.stream, envelope: r.json, lag_seconds: 0 })));
      } catch (err) {
        // Redis failed: the rows are released to the claiming path, which waits out the backoff.
        const rest = this.fastQueue.splice(0).map((r) => r.id);
        await this.backOff(err, "redis", [...batch.map((r) => r.id), ...rest]);
        continue;
      }
      this.failures = 0;
      faultPoint(MESSAGING_FAULT_POINTS.relayAfterXaddBeforeMarkPublished);
      const nowMs = this.clock.nowMs();
      for (const row of batch) {
        this.metrics.publishedTotal.inc({ stream: row.stream });
        this.metrics.lagSeconds.observe(Math.max(0, nowMs - row.committedAtMs) / 1000);
      }
      this.queueMarks(batch.map((r) => r.id));
    }
    this.fastQueue = this.running ? this.fastQueue : [];
  }

  /**
   * Marks published rows off the publishing path, one statement at a time: rows published while one
   * is in flight share the next. Until marked, a row stays leased to this relay; a crash before the mark
   * lets another relay send it again once the lease ends, which consumers' inboxes absorb.
   */
  private queueMarks(ids: readonly string[]): void {
    this.unmarked.push(...ids);
    this.marking ??= this.markAll().finally(() => {
      this.marking = null;
    });
  }

  private async markAll(): Promise<void> {
    while (this.unmarked.length > 0) {
      const ids = this.unmarked.splice(0);
      try {
        await this.opts.db.query(
          "messaging_outbox_mark_published_fast",
          "UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL, leased_until = NULL WHERE id = ANY($1::uuid[]) AND published_at IS NULL",
          [ids],
        );
      } catch (err) {
        // Published but not marked: the claiming path sends them again after the lease, and consumers' inboxes absorb the repeat.
        this.metrics.publishFailuresTotal.inc({ reason: "postgres" });
        this.log.warn({ err: (err as Error).message, rows: ids.length }, "outbox relay: marking published rows failed; they will be sent again");
      }
    }
  }

  /** Asks for a publish cycle now (a same-process producer calls this after its commit). */
  wake(): void {
    if (!this.running || this.clock.nowMs() < this.backingOffUntilMs) return;
    // One path at a time: the claiming path waits for the fast one, so a Redis outage counts one failed attempt.
    if (this.draining || this.fastDraining) {
      this.wakeRequested = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.wakeRequested) this.wake();
    });
  }

  /** Stops timers and the listener and waits for the cycle in progress. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.detachSink?.();
    this.detachSink = null;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    await this.fastDraining;
    await this.draining;
    await this.marking;
    this.dropListener(undefined);
  }

  /** Resolves when no publish cycle or mark is in progress (one that a wake-up queued included). */
  async drained(): Promise<void> {
    while (this.draining || this.fastDraining || this.marking) await (this.draining ?? this.fastDraining ?? this.marking);
  }

  private async drain(): Promise<void> {
    try {
      let published: number;
      do {
        this.wakeRequested = false;
        published = await this.publishBatch();
      } while (this.running && published === this.batchSize);
      this.failures = 0;
    } catch (err) {
      const store = err instanceof RelayCycleError ? err.store : "postgres";
      await this.backOff(err, store, err instanceof RelayCycleError ? err.ids : []);
    }
  }

  /** A failed cycle, either path: counted, the rows' failed attempt recorded (Redis), then quiet until the backoff ends. */
  private async backOff(err: unknown, store: FailedStore, ids: readonly string[]): Promise<void> {
    this.failures += 1;
    this.metrics.publishFailuresTotal.inc({ reason: store });
    const delayMs = backoffDelayMs(this.failures, this.backoff);
    this.backingOffUntilMs = this.clock.nowMs() + delayMs;
    this.wakeRequested = false;
    const message = `outbox relay: ${store} failed: ${(err as Error)?.message ?? String(err)}`;
    this.log.warn({ err: message, store, delayMs, failures: this.failures }, "outbox relay cycle failed; backing off");
    if (store === "redis") await this.recordFailedAttempt(ids, message);
    this.after(delayMs, () => {
      this.backingOffUntilMs = 0;
      this.wake();
    });
  }

  /**
   * One batch: claim and mark published in one statement, XADD in one pipeline, commit. The mark
   * becomes visible only with the commit, which follows the XADD: a failed XADD or a crash before the
   * commit rolls it back and the rows are claimed again. Returns the rows published.
   */
  private async publishBatch(): Promise<number> {
    let rows: OutboxRow[] = [];
    let store: FailedStore = "postgres";
    try {
      await this.opts.db.transaction(async (tx) => {
        guardCheckedOutClient(tx.client);
        ({ rows } = await tx.query<OutboxRow>(
          "messaging_outbox_claim",
          `UPDATE outbox o SET published_at = now(), attempts = o.attempts + 1, last_error = NULL
             FROM (SELECT id FROM outbox WHERE published_at IS NULL AND (leased_until IS NULL OR leased_until < now()) ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) claimed
            WHERE o.id = claimed.id
           RETURNING o.seq, o.id::text AS id, o.stream, o.envelope::text AS envelope,
                     EXTRACT(EPOCH FROM clock_timestamp() - o.created_at)::float8 AS lag_seconds`,
          [this.batchSize],
        ));
        if (rows.length === 0) return;
        rows = [...rows].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)); // RETURNING keeps no order
        store = "redis";
        await this.xaddAll(rows);
        faultPoint(MESSAGING_FAULT_POINTS.relayAfterXaddBeforeMarkPublished);
        store = "postgres";
      });
    } catch (err) {
      throw new RelayCycleError(store, rows.map((r) => r.id), err);
    }
    for (const row of rows) {
      this.metrics.publishedTotal.inc({ stream: row.stream });
      this.metrics.lagSeconds.observe(Math.max(0, row.lag_seconds));
    }
    return rows.length;
  }

  private async xaddAll(rows: readonly OutboxRow[]): Promise<void> {
    const trim = this.maxLenApprox === null ? [] : ["MAXLEN", "~", this.maxLenApprox];
    const pipeline = this.opts.redis.pipeline();
    for (const row of rows) pipeline.xadd(row.stream, ...trim, "*", ENTRY_ID_FIELD, row.id, ENTRY_ENVELOPE_FIELD, row.envelope);
    const results = await withTimeout(pipeline.exec(), this.redisTimeoutMs, this.clock, `XADD of ${rows.length} messages`);
    if (!results) throw new Error("Redis discarded the pipeline");
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /** Best effort: the rows were rolled back, so the count is kept in a statement of its own; a lease ends here. */
  private async recordFailedAttempt(ids: readonly string[], message: string): Promise<void> {
    if (ids.length === 0) return;
    await this.opts.db
      .query(
        "messaging_outbox_publish_failed",
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, leased_until = NULL WHERE id = ANY($1::uuid[]) AND published_at IS NULL",
        [ids, message.slice(0, 1000)],
      )
      .catch(() => undefined);
  }

  private schedulePoll(): void {
    this.after(this.pollIntervalMs, () => {
      this.schedulePoll();
      this.wake();
      void this.updateBacklog();
      if (!this.listener) void this.listen();
    });
  }

  private async updateBacklog(): Promise<void> {
    try {
      const { rows } = await this.opts.db.query<{ n: number }>("messaging_outbox_backlog", "SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
      this.metrics.backlogMessages.set(rows[0]?.n ?? 0);
    } catch {
      // PostgreSQL is down: the publish cycle reports it; the gauge keeps its last value.
    }
  }

  private async listen(): Promise<void> {
    if (!this.running || this.listener || this.listening) return;
    this.listening = true;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.opts.db.pool.connect();
      const owned = client;
      // A checked-out client's errors are ours to handle, or they crash the process.
      owned.on("error", (err) => this.dropListener(owned, err));
      owned.on("notification", () => this.wake());
      const schema = this.opts.schema ?? (await owned.query<{ schema: string }>("SELECT current_schema() AS schema")).rows[0]?.schema;
      if (!schema) throw new Error("no current schema: set search_path or pass `schema`");
      await owned.query(`LISTEN "${outboxChannel(schema)}"`);
      if (!this.running) {
        owned.release(true);
        return;
      }
      this.listener = owned;
      this.listenFailures = 0;
      this.wake(); // rows enqueued while nobody listened
    } catch (err) {
      client?.release(true);
      this.listenFailures += 1;
      this.log.warn({ err: (err as Error).message }, "outbox relay cannot LISTEN; polling until it can");
    } finally {
      this.listening = false;
    }
  }

  private dropListener(client: pg.PoolClient | undefined, err?: Error): void {
    const target = client ?? this.listener;
    if (!target || (client && this.listener !== client)) return;
    this.listener = null;
    target.removeAllListeners("notification");
    target.release(true);
    if (err && this.running) {
      this.log.warn({ err: err.message }, "outbox relay lost its LISTEN connection; reconnecting");
      this.after(backoffDelayMs(this.listenFailures + 1, this.backoff), () => void this.listen());
    }
  }

  private after(delayMs: number, fn: () => void): void {
    const cancel = this.clock.setTimer(delayMs, () => {
      this.cancels.delete(cancel);
      fn();
    });
    this.cancels.add(cancel);
  }
}
