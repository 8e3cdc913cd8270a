// Market data goes straight to Redis Streams: each event as a contracts envelope on its type's stream
// (here behind a per-file prefix, since the real names are fixed and the test Redis is shared), trimmed,
// pipelined; a Redis that fails loses market data (counted), never the publisher.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { ManualClock } from "../../../services/shared/clock.js";
import { streamOf, type MessageType } from "../../../services/shared/contracts/index.js";
import { contractValidator } from "../../../services/shared/bus.js";
import { parseStreamEntry } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { MARKET_EVENT_TYPES, SyntheticMarket, createMarketDataPublisher, type MarketEvent } from "../../../services/execution/market-data/index.js";
import { uniquePrefix } from "../../support/test-database.js";

const T0 = Date.UTC(2026, 0, 1, 12);
let redis: Redis;
const prefix = uniquePrefix("md-pub");

beforeAll(() => {
  redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function marketEvents(minutes: number): MarketEvent[] {
  const out: MarketEvent[] = [];
  new SyntheticMarket({ seed: 21, symbols: ["BTCUSDT", "ETHUSDT"], startMs: T0 }).advanceTo(T0 + minutes * 60_000, out);
  return out;
}

const metricValue = async (metrics: ServiceMetrics, name: string, labels: Record<string, string>): Promise<number> => {
  const metric = (await metrics.registry.getSingleMetric(name)?.get()) as { values: { labels: Record<string, string>; value: number }[] } | undefined;
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
};

describe("the market-data publisher", () => {
  it("puts every event on its type's stream as a valid envelope from execution, in order", async () => {
    const clock = new ManualClock(T0 + 61_000);
    const metrics = new ServiceMetrics("execution", { defaultMetrics: false });
    const p = `${prefix}a:`;
    const publisher = createMarketDataPublisher({ redis, clock, source: "execution", metrics, streamPrefix: p });
    const events = marketEvents(1);
    for (let i = 0; i < events.length; i += 100) await publisher.publish(events.slice(i, i + 100));

    for (const type of MARKET_EVENT_TYPES) {
      const expected = events.filter((e) => e.type === type);
      const entries = (await redis.xrange(p + streamOf(type as MessageType), "-", "+")) as [string, string[]][];
      expect(entries, type).toHaveLength(expected.length);
      const parsed = entries.map(([, fields]) => parseStreamEntry(fields, contractValidator));
      for (const entry of parsed) {
        if (entry.kind !== "message") throw new Error(`not a valid message: ${JSON.stringify(entry)}`);
        expect(entry.envelope).toMatchObject({ type, source: "execution", version: 1, tsMs: T0 + 61_000 });
      }
      expect(parsed.map((e) => (e.kind === "message" ? e.envelope.payload : null))).toEqual(expected.map((e) => e.payload));
      expect(await metricValue(metrics, "titan_execution_market_events_published_total", { type })).toBe(expected.length);
    }
    expect(publisher.stats()).toMatchObject({ published: events.length, dropped: 0, rejected: 0, queued: 0 });
    const histogram = (await metrics.registry.getSingleMetric("titan_execution_market_data_publish_seconds")?.get()) as { values: { metricName?: string; value: number }[] };
    expect(histogram.values.find((v) => v.metricName?.endsWith("_count"))?.value).toBeGreaterThan(0);
  });

  it("trims each stream to about its cap", async () => {
    const p = `${prefix}b:`;
    const publisher = createMarketDataPublisher({ redis, clock: new ManualClock(T0), source: "execution", streamPrefix: p, maxLenApprox: 1_000 });
    const trades = marketEvents(10).filter((e) => e.type === "market-trade");
    expect(trades.length).toBeGreaterThan(5_000);
    await publisher.publish(trades);
    const length = await redis.xlen(p + streamOf("market-trade"));
    expect(length).toBeGreaterThanOrEqual(1_000);
    expect(length).toBeLessThan(3_000);
  });

  it("refuses an event that breaks its contract and publishes the rest", async () => {
    const p = `${prefix}c:`;
    const errors: unknown[] = [];
    const metrics = new ServiceMetrics("execution", { defaultMetrics: false });
    const publisher = createMarketDataPublisher({ redis, clock: new ManualClock(T0), source: "execution", metrics, streamPrefix: p, onError: (e) => errors.push(e) });
    const [good] = marketEvents(1).filter((e) => e.type === "market-trade");
    const bad = { type: "market-trade", payload: { ...good!.payload, priceUsd: -1 } } as MarketEvent;
    await publisher.publish([bad, good!]);
    expect(await redis.xlen(p + streamOf("market-trade"))).toBe(1);
    expect(String(errors[0])).toMatch(/priceUsd/);
    expect(await metricValue(metrics, "titan_execution_market_data_rejected_total", { what: "market-trade" })).toBe(1);
  });

  it("drops and counts what it cannot write while Redis is unreachable, and carries on once it is back", async () => {
    const p = `${prefix}d:`;
    const broken = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    const metrics = new ServiceMetrics("execution", { defaultMetrics: false });
    const publisher = createMarketDataPublisher({ redis: broken, clock: new ManualClock(T0), source: "execution", metrics, streamPrefix: p });
    const events = marketEvents(1).slice(0, 50);
    await expect(publisher.publish(events)).resolves.toBeUndefined();
    expect(publisher.stats()).toMatchObject({ published: 0, dropped: 50 });
    expect(await metricValue(metrics, "titan_execution_market_events_dropped_total", { reason: "redis" })).toBe(50);
    // The failed attempt started a connection; once it is up, publishing works again.
    if (broken.status !== "ready") await new Promise((resolve) => broken.once("ready", resolve));
    await publisher.publish(events);
    expect(await redis.xlen(p + streamOf("market-trade"))).toBe(events.filter((e) => e.type === "market-trade").length);
    broken.disconnect();
  });

  it("bounds its queue while Redis is slow: the oldest waiting events are dropped first", async () => {
    const p = `${prefix}e:`;
    const publisher = createMarketDataPublisher({ redis, clock: new ManualClock(T0), source: "execution", streamPrefix: p, maxBatch: 10, maxQueued: 20 });
    const trades = marketEvents(1).filter((e) => e.type === "market-trade").slice(0, 100);
    // One synchronous burst: the first goes out at once; of the 99 behind it, only the newest 20 may wait.
    const done = trades.map((t) => publisher.publish([t]));
    await Promise.all(done);
    await publisher.flush();
    const stats = publisher.stats();
    expect(stats.published + stats.dropped).toBe(100);
    expect(stats.dropped).toBeGreaterThan(0);
    const ids = ((await redis.xrange(p + streamOf("market-trade"), "-", "+")) as [string, string[]][]).map(([, f]) => JSON.parse(f[3]!).payload.tradeId as string);
    expect(ids.at(-1)).toBe(trades.at(-1)!.payload.tradeId); // the newest survive
  });
});
