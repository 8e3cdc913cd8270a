// Market data for the price history, read by tailing the market streams with plain XREAD: no consumer
// group and no inbox row per trade, because prices are a sample, not an effect, and a missed one only
// thins the history. After a restart the history is re-warmed from the newest klines still in their
// stream (the relay trims streams to ~100,000 entries), then the tail follows from there.
import type { Redis } from "ioredis";
import { contractValidator } from "../../shared/bus.js";
import { streamOf, type Envelope } from "../../shared/contracts/index.js";
import { parseStreamEntry } from "../../shared/messaging/index.js";
import { parseEntries, parseReadGroupReply, type StreamEntry } from "../../shared/messaging/redis-replies.js";
import type { Brain } from "./brain.js";

const TYPES = ["market-trade", "market-ticker", "market-kline"] as const;
const KLINES = streamOf("market-kline");

/**
 * The price a market message reports and when the market saw it; null for messages without one. Only the
 * perpetual (linear) market counts: that is what the brain's positions are in, and a spot ticker for the
 * same symbol interleaved into the same minute would add noise to every return.
 */
export function priceObservation(envelope: Envelope): { symbol: string; tsMs: number; priceUsd: number } | null {
  if (!("marketType" in envelope.payload) || envelope.payload.marketType !== "linear") return null;
  switch (envelope.type) {
    case "market-trade":
      return { symbol: envelope.payload.symbol, tsMs: envelope.payload.venueTsMs, priceUsd: envelope.payload.priceUsd };
    case "market-ticker":
      return { symbol: envelope.payload.symbol, tsMs: envelope.payload.venueTsMs, priceUsd: envelope.payload.lastPriceUsd };
    case "market-kline":
      return { symbol: envelope.payload.symbol, tsMs: envelope.payload.closeTsMs, priceUsd: envelope.payload.closePriceUsd };
    default:
      return null;
  }
}

async function lastId(connection: Redis, stream: string): Promise<string> {
  return parseEntries(await connection.call("XREVRANGE", [stream, "+", "-", "COUNT", 1]), "XREVRANGE")[0]?.id ?? "0-0";
}

export class MarketDataFeed {
  private running = false;
  private loop: Promise<void> | null = null;
  private connection: Redis | null = null;

  constructor(
    private readonly brain: Brain,
    private readonly redis: Redis,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.connection?.disconnect();
    await this.loop;
  }

  private apply(entry: StreamEntry): void {
    const parsed = parseStreamEntry(entry.fields, contractValidator);
    if (parsed.kind !== "message") {
      if (parsed.kind === "malformed") this.brain.metrics.marketDataMessagesTotal.inc({ type: "unknown", outcome: "malformed" });
      return;
    }
    const envelope = parsed.envelope as Envelope;
    const observation = priceObservation(envelope);
    const kept = observation !== null && this.brain.prices.record(observation.symbol, observation.tsMs, observation.priceUsd);
    this.brain.metrics.marketDataMessagesTotal.inc({ type: envelope.type, outcome: kept ? "recorded" : "ignored" });
  }

  /** The newest klines, oldest first; returns the id to tail the kline stream from. */
  private async warmUp(connection: Redis): Promise<string> {
    const count = Math.min(50_000, this.brain.prices.maxPoints * this.brain.settings.symbols.size);
    const newest = parseEntries(await connection.call("XREVRANGE", [KLINES, "+", "-", "COUNT", count]), "XREVRANGE");
    for (const entry of [...newest].reverse()) this.apply(entry);
    this.brain.logger.info({ klines: newest.length }, "brain: price history warmed from the kline stream");
    return newest[0]?.id ?? "0-0";
  }

  private async run(): Promise<void> {
    let failures = 0;
    let ids: string[] | null = null;
    const streams = TYPES.map(streamOf);
    while (this.running) {
      try {
        if (this.connection === null) {
          // RESP2: under RESP3 ioredis hands XREAD's map back flattened, which the stream-reply readers refuse.
          this.connection = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, protocol: 2 });
          this.connection.on("error", () => undefined); // the loop below reports and retries
        }
        const connection = this.connection;
        if (ids === null) {
          const klineId = await this.warmUp(connection);
          // Concrete ids, not "$": entries arriving between two reads must not be skipped.
          ids = await Promise.all(streams.map(async (s) => (s === KLINES ? klineId : await lastId(connection, s))));
        }
        const reply = await connection.call("XREAD", ["COUNT", 1_000, "BLOCK", 1_000, "STREAMS", ...streams, ...ids]);
        for (const { stream, entries } of parseReadGroupReply(reply)) {
          const index = streams.indexOf(stream);
          for (const entry of entries) this.apply(entry);
          const last = entries[entries.length - 1];
          if (index >= 0 && last !== undefined) ids[index] = last.id;
        }
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures += 1;
        this.brain.logger.debug({ err: (err as Error).message, failures }, "brain: market data read failed; retrying");
        await this.brain.clock.sleep(Math.min(5_000, 200 * failures));
      }
    }
  }
}
