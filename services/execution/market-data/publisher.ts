// Publishes market data straight to Redis Streams, not through the PostgreSQL outbox. The outbox exists
// so that a state change and its messages commit together and are never lost; market data is not a
// state change of ours: nothing here must be kept if the process dies, the tape and the klines table
// keep the record, and downstream re-evaluating a repeated or missing tick is harmless (the next one
// supersedes it). Going through the outbox would cost a PostgreSQL row per trade — at hundreds of
// trades a second, for nothing. So: contracts' envelopes (validated outside production), XADD with
// approximate MAXLEN trimming, pipelined in batches; one batch in flight, the next one gathering.
// When Redis is down or slow the queue is bounded and the oldest data is dropped, and counted.

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { ServiceName } from "../../../ops/services.js";
import type { Clock } from "../../shared/clock.js";
import { makeEnvelope, streamOf, type Envelope } from "../../shared/contracts/index.js";
import { encodeEntryFields } from "../../shared/messaging/index.js";
import type { ServiceMetrics } from "../../shared/metrics.js";
import type { MarketDataSink, MarketEvent } from "./events.js";
import { marketDataMetrics, type MarketDataMetrics } from "./metrics.js";

export interface MarketDataPublisherOptions {
  readonly redis: Redis;
  readonly clock: Clock;
  readonly source: ServiceName;
  readonly metrics?: ServiceMetrics;
  /** Approximate cap per stream (XADD MAXLEN ~). */
  readonly maxLenApprox?: number;
  /** Validate each payload against its contract; default: everywhere but TITAN_ENV=production. */
  readonly validate?: boolean;
  /** Messages per pipeline. */
  readonly maxBatch?: number;
  /** Messages waiting while Redis is slow; beyond it the oldest are dropped. */
  readonly maxQueued?: number;
  /** Test-only: put in front of every stream name, so test files sharing one Redis never collide. */
  readonly streamPrefix?: string;
  readonly onError?: (err: unknown) => void;
}

export interface MarketDataPublisher {
  /** Queues a batch; resolves once it has been written (or dropped). Never rejects. */
  publish(batch: readonly MarketEvent[]): Promise<void>;
  /** `publish` as a source's sink. */
  readonly sink: MarketDataSink;
  /** Resolves when everything queued so far has been handled. */
  flush(): Promise<void>;
  stats(): { readonly published: number; readonly dropped: number; readonly rejected: number; readonly queued: number };
}

interface Entry {
  readonly stream: string;
  readonly type: string;
  readonly fields: string[];
}

export function createMarketDataPublisher(options: MarketDataPublisherOptions): MarketDataPublisher {
  const { redis, clock, source } = options;
  const maxLen = options.maxLenApprox ?? 100_000;
  const maxBatch = options.maxBatch ?? 2_000;
  const maxQueued = options.maxQueued ?? 200_000;
  const validate = options.validate ?? process.env.TITAN_ENV !== "production";
  const prefix = options.streamPrefix ?? "";
  if (!(Number.isInteger(maxLen) && maxLen > 0) || !(maxBatch > 0) || !(maxQueued >= maxBatch)) throw new RangeError("market-data publisher: maxLenApprox, maxBatch and maxQueued must be positive (maxQueued ≥ maxBatch)");
  const metrics: MarketDataMetrics | null = options.metrics ? marketDataMetrics(options.metrics) : null;
  const maxLenText = String(maxLen);

  let queue: Entry[] = [];
  let queuedTotal = 0; // entries ever queued
  let handledTotal = 0; // entries written, failed or dropped
  const waiters: { readonly upTo: number; readonly resolve: () => void }[] = [];
  let pumping: Promise<void> | null = null;
  const counts = { published: 0, dropped: 0, rejected: 0 };

  const envelopeOf = (event: MarketEvent): Envelope => {
    if (validate) return makeEnvelope(event.type, event.payload as never, { source, clock }) as Envelope;
    return { id: randomUUID(), type: event.type, version: 1, source, tsMs: clock.nowMs(), payload: event.payload } as Envelope;
  };

  const settle = (count: number): void => {
    handledTotal += count;
    while (waiters.length > 0 && (waiters[0] as { upTo: number }).upTo <= handledTotal) waiters.shift()?.resolve();
  };

  const drop = (count: number, reason: string): void => {
    counts.dropped += count;
    metrics?.dropped.inc({ reason }, count);
    settle(count);
  };

  const writeBatch = async (batch: Entry[]): Promise<void> => {
    const pipeline = redis.pipeline();
    for (const entry of batch) pipeline.xadd(entry.stream, "MAXLEN", "~", maxLenText, "*", ...entry.fields);
    const started = clock.monotonicMs();
    try {
      const results = (await pipeline.exec()) ?? [];
      metrics?.publishSeconds.observe((clock.monotonicMs() - started) / 1_000);
      const byType = new Map<string, number>();
      let failed = 0;
      batch.forEach((entry, i) => {
        if (results[i]?.[0]) failed += 1;
        else byType.set(entry.type, (byType.get(entry.type) ?? 0) + 1);
      });
      for (const [type, n] of byType) metrics?.published.inc({ type }, n);
      counts.published += batch.length - failed;
      settle(batch.length - failed);
      if (failed > 0) drop(failed, "redis");
    } catch (err) {
      options.onError?.(err);
      drop(batch.length, "redis");
    }
  };

  const pump = (): Promise<void> => {
    pumping ??= (async () => {
      while (queue.length > 0) {
        const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
        queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
        await writeBatch(batch);
      }
    })().finally(() => {
      pumping = null;
      if (queue.length > 0) void pump();
    });
    return pumping;
  };

  const publish = (batch: readonly MarketEvent[]): Promise<void> => {
    for (const event of batch) {
      let envelope: Envelope;
      try {
        envelope = envelopeOf(event);
      } catch (err) {
        counts.rejected += 1;
        metrics?.rejected.inc({ what: event.type });
        options.onError?.(err);
        continue;
      }
      queue.push({ stream: prefix + streamOf(envelope.type), type: envelope.type, fields: encodeEntryFields(envelope) });
      queuedTotal += 1;
    }
    if (queue.length > maxQueued) {
      // Market data perishes: when Redis cannot keep up, the oldest waiting ticks are the least useful.
      const excess = queue.length - maxQueued;
      queue = queue.slice(excess);
      drop(excess, "overflow");
    }
    const done = queuedTotal <= handledTotal ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ upTo: queuedTotal, resolve }));
    void pump();
    return done;
  };

  return {
    publish,
    sink: publish,
    flush: () => (queuedTotal <= handledTotal ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ upTo: queuedTotal, resolve }))),
    stats: () => ({ ...counts, queued: queue.length }),
  };
}
