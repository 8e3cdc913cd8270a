// A plain XREAD reader for market data, deliberately not the exactly-once consumer. The consumer group
// path spends one PostgreSQL transaction (an inbox insert) per message; a trade feed runs at thousands
// of messages a second and its only effect is in memory, where re-reading a message is harmless: the
// strategy's guard drops a repeated trade id, and a signal is keyed by its deterministic id in
// scavenger.signals, so a replay can never publish one twice. Every instance reads every message (no
// group), which keeps each instance's market picture whole.
//
// On start the recent history of the slow streams (klines, open interest, funding, tickers, account
// snapshots) is replayed so levels exist at once; trades are read from now on.
import type { Redis } from "ioredis";
import type { Clock } from "../../shared/clock.js";
import { parseEntries, parseReadGroupReply, type StreamEntry } from "../../shared/messaging/redis-replies.js";
import type { MessagingLogger } from "../../shared/messaging/index.js";
import { StopSignal } from "../../shared/stop-signal.js";

export interface StreamBatch {
  readonly stream: string;
  readonly entries: readonly StreamEntry[];
}

export type BatchHandler = (batches: readonly StreamBatch[], phase: "warm-up" | "live") => Promise<void>;

export interface MarketDataReaderOptions {
  /** The service's command connection: the reader reads on a duplicate of it. */
  readonly redis: Redis;
  /** Streams read from the moment of start on. */
  readonly liveStreams: readonly string[];
  /** Streams whose last `warmupEntries` entries are replayed first, then followed. */
  readonly warmupStreams: readonly string[];
  readonly warmupEntries?: number;
  readonly handle: BatchHandler;
  /** Called once the history is replayed, before the first live read. */
  readonly onWarmedUp?: () => void;
  readonly clock: Clock;
  readonly logger: MessagingLogger;
  readonly blockMs?: number;
  readonly batchSize?: number;
}

export class MarketDataReader {
  private running = false;
  private loop: Promise<void> | null = null;
  private conn: Redis | null = null;
  private readonly positions = new Map<string, string>();
  private readonly stopSignal = new StopSignal();
  entriesRead = 0;
  failures = 0;
  phase: "idle" | "warm-up" | "live" | "stopped" = "idle";

  constructor(private readonly opts: MarketDataReaderOptions) {}

  /** Starts reading in the background; never fails because Redis is down (it waits for it). */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Waits out a Redis outage instead of failing each read; a stop disconnects and ends the loop.
    this.conn = this.opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: "titan-scavenger-market-data" });
    this.conn.on("error", (err: Error) => this.opts.logger.debug({ err: err.message }, "market data reader connection error"));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.stop();
    this.conn?.disconnect();
    await this.loop;
    this.phase = "stopped";
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.phase === "idle" || this.phase === "warm-up") await this.warmUp();
        await this.readOnce();
        this.failures = 0;
      } catch (err) {
        if (!this.running) return;
        this.failures += 1;
        const delayMs = Math.min(100 * 2 ** Math.min(this.failures, 5), 3_000);
        this.opts.logger.warn({ err: (err as Error).message, delayMs }, "market data read failed; retrying");
        await this.stopSignal.race(this.opts.clock.sleep(delayMs));
      }
    }
  }

  private async warmUp(): Promise<void> {
    const conn = this.conn as Redis;
    this.phase = "warm-up";
    const count = this.opts.warmupEntries ?? 20_000;
    for (const stream of this.opts.liveStreams) {
      if (this.positions.has(stream)) continue;
      const last = parseEntries(await conn.xrevrange(stream, "+", "-", "COUNT", 1));
      this.positions.set(stream, last[0]?.id ?? "0-0");
    }
    for (const stream of this.opts.warmupStreams) {
      if (this.positions.has(stream)) continue;
      const entries = parseEntries(await conn.xrevrange(stream, "+", "-", "COUNT", count)).reverse();
      try {
        if (entries.length > 0) await this.opts.handle([{ stream, entries }], "warm-up");
      } finally {
        this.entriesRead += entries.length;
        this.positions.set(stream, entries.at(-1)?.id ?? "0-0");
      }
    }
    this.phase = "live";
    this.opts.onWarmedUp?.();
  }

  private async readOnce(): Promise<void> {
    const streams = [...this.positions.keys()];
    const ids = streams.map((s) => this.positions.get(s) as string);
    const reply = await (this.conn as Redis).xread("COUNT", this.opts.batchSize ?? 1_000, "BLOCK", this.opts.blockMs ?? 1_000, "STREAMS", ...streams, ...ids);
    const batches = parseReadGroupReply(reply).filter((b) => b.entries.length > 0);
    if (batches.length === 0) return;
    try {
      await this.opts.handle(batches, "live");
    } finally {
      // Moved on even if the handler failed: market data is not retried, a poisoned batch must not loop.
      for (const batch of batches) {
        this.positions.set(batch.stream, batch.entries.at(-1)?.id as string);
        this.entriesRead += batch.entries.length;
      }
    }
  }

  /** True once every entry of `stream` up to `entryId` has been handled. */
  hasHandled(stream: string, entryId: string): boolean {
    const position = this.positions.get(stream);
    return position !== undefined && compareEntryIds(position, entryId) >= 0;
  }
}

/** Orders Redis stream entry ids (`<ms>-<seq>`). */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}
