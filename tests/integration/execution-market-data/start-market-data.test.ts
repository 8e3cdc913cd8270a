// startMarketData inside the execution service as the shared runtime runs it, on a ManualClock: the
// synthetic market reaches the in-process listener, the bus, the tape and the klines table, with its
// metrics; then the tape it wrote is replayed through the same entry point.
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ManualClock } from "../../../services/shared/clock.js";
import { streamOf } from "../../../services/shared/contracts/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { roleFor } from "../../../services/shared/db/provision.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { readKlines, readTapeDay, startMarketData, utcDay, type MarketDataSettings, type MarketEvent, type MarketEventOf } from "../../../services/execution/market-data/index.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const T0 = Date.UTC(2026, 0, 1, 11, 58, 30);
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
let db: TestDatabase;
let redis: Redis;
const tapeDir = join(inject("scratchDir"), `tape-${randomBytes(4).toString("hex")}`);
const settings: MarketDataSettings = { source: "synthetic", symbols: SYMBOLS, seed: 9, tapeDir, record: true, replaySpeed: 0, streamMaxLen: 1_000_000, backfillHours: 0, tapeArchiveUrl: null, tapeKeepLocalDays: 30 };

beforeAll(async () => {
  db = await withTestDatabase("md_start");
  await provisionTestDatabase(db);
  // This file's own Redis database: the real stream names can be used.
  redis = new Redis(db.redisUrl);
});
afterAll(() => redis?.disconnect());

const settle = () => new Promise((resolve) => setTimeout(resolve, 3));

async function metric(service: RunningService<"execution">, name: string): Promise<string> {
  return service.ctx.metrics.registry.getSingleMetricAsString(name);
}

describe("startMarketData in the execution service", () => {
  const seen: MarketEvent[] = [];
  let service: RunningService<"execution"> | undefined;

  afterAll(async () => service?.stop());

  it("feeds the listener, the bus, the tape and the klines table from the synthetic market", async () => {
    const clock = new ManualClock(T0);
    service = await runService(
      { service: "execution", start: (ctx) => startMarketData(ctx, { settings, listeners: [(batch) => void seen.push(...batch)] }) },
      { env: serviceEnv("execution", db), clock },
    );
    expect(await metric(service, "titan_execution_market_data_source_info")).toMatch(/source="synthetic"[^\n]*\} 1/);
    for (let second = 0; second < 150; second++) {
      clock.advance(1_000);
      await settle();
    }
    const running = service;
    service = undefined;
    await running.stop(); // stops the source, flushes the bus and the tape, writes the last klines
    const value = async (name: string) => Number(/\} (\d+(?:\.\d+)?)$/m.exec(await metric(running, name))?.[1] ?? 0);
    expect(await value("titan_execution_tape_bytes_written_total")).toBeGreaterThan(1_000);
    expect(await value("titan_execution_klines_upserted_total")).toBeGreaterThanOrEqual(4);

    const trades = seen.filter((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade");
    expect(trades.length).toBeGreaterThan(500);
    // Every event the listener saw is on its stream, in order.
    const entries = (await redis.xrange(streamOf("market-trade"), "-", "+")) as [string, string[]][];
    expect(entries.map(([, fields]) => JSON.parse(fields[3] as string).payload.tradeId)).toEqual(trades.map((t) => t.payload.tradeId));
    expect(await redis.xlen(streamOf("market-ticker"))).toBe(seen.filter((e) => e.type === "market-ticker").length);
    // The tape holds the same trades.
    for (const symbol of SYMBOLS) {
      const day = await readTapeDay(tapeDir, symbol, utcDay(T0));
      expect(day.problems).toEqual([]);
      expect(Array.from(day.trades.priceUsd)).toEqual(trades.filter((t) => t.payload.symbol === symbol).map((t) => t.payload.priceUsd));
    }
    // The closed minute bars are in PostgreSQL.
    const bars = seen.filter((e): e is MarketEventOf<"market-kline"> => e.type === "market-kline" && e.payload.interval === "1m" && e.payload.symbol === "BTCUSDT");
    expect(bars.length).toBeGreaterThanOrEqual(2);
    const url = new URL(db.url);
    url.username = roleFor("execution");
    const asExecution = createDatabase({ url: url.toString(), applicationName: "test-klines", maxConnections: 1 });
    const stored = await readKlines(asExecution, "BTCUSDT", "1m", T0 - 60_000, T0 + 3_600_000).finally(() => asExecution.close());
    expect(stored.map((k) => [k.openTsMs, k.closePriceUsd, k.volumeQty])).toEqual(bars.map((b) => [b.payload.openTsMs, b.payload.closePriceUsd, b.payload.volumeQty]));
  }, 60_000);

  it("replays the tape it wrote through the same entry point, without recording it again", async () => {
    const replayPrefix = "replay:"; // beside the streams the first run filled
    const replayed: MarketEvent[] = [];
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    const running = await runService(
      {
        service: "execution",
        start: (ctx) => startMarketData(ctx, { settings: { ...settings, source: "replay" }, streamPrefix: replayPrefix, listeners: [(batch) => void replayed.push(...batch)] }),
      },
      { env: serviceEnv("execution", db), clock },
    );
    const original = seen.filter((e) => e.type === "market-trade");
    for (let i = 0; i < 200 && replayed.filter((e) => e.type === "market-trade").length < original.length; i++) await settle();
    const chunksBefore = (await readTapeDay(tapeDir, "BTCUSDT", utcDay(T0))).chunks;
    await running.stop();
    const trades = replayed.filter((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade");
    // Per symbol, the same trades in the same order (across symbols, trades of one millisecond may swap).
    for (const symbol of SYMBOLS) {
      const prices = (events: readonly MarketEvent[]) => events.filter((e) => e.type === "market-trade" && e.payload.symbol === symbol).map((e) => (e as MarketEventOf<"market-trade">).payload.priceUsd);
      expect(prices(trades)).toEqual(prices(original));
    }
    expect(trades[0]?.payload.tsMs).toBeGreaterThanOrEqual(Date.UTC(2026, 2, 1)); // shifted to now
    expect((await readTapeDay(tapeDir, "BTCUSDT", utcDay(T0))).chunks).toBe(chunksBefore);
    expect(await readTapeDay(tapeDir, "BTCUSDT", utcDay(Date.UTC(2026, 2, 1))).then((d) => d.chunks)).toBe(0);
    expect(await redis.xlen(replayPrefix + streamOf("market-trade"))).toBe(trades.length);
  }, 60_000);

  it("fills in history before the feed goes live, and a restart continues the same market from the last stored bar", async () => {
    const prefix = "history:";
    const historySettings: MarketDataSettings = { ...settings, symbols: ["SOLUSDT"], backfillHours: 6, record: true };
    const startMs = Date.UTC(2026, 3, 2, 9, 30, 10);
    const firstSeen: MarketEvent[] = [];
    const clock = new ManualClock(startMs);
    const first = await runService(
      { service: "execution", start: (ctx) => startMarketData(ctx, { settings: historySettings, streamPrefix: prefix, listeners: [(b) => void firstSeen.push(...b)] }) },
      { env: serviceEnv("execution", db), clock },
    );
    const klineStream = prefix + streamOf("market-kline");
    const published = async () =>
      ((await redis.xrange(klineStream, "-", "+")) as [string, string[]][]).map(([, fields]) => JSON.parse(fields[3] as string).payload as MarketEventOf<"market-kline">["payload"]);
    const history = await published();
    // From the start of the UTC day 6 h back (03:30 → 00:00) to the start minute: every minute bar.
    const minutes = history.filter((k) => k.interval === "1m");
    expect(minutes[0]?.openTsMs).toBe(Date.UTC(2026, 3, 2));
    expect(minutes).toHaveLength(9 * 60 + 30);
    expect(history.filter((k) => k.interval === "1h")).toHaveLength(9);
    // The live market picks up at the history's last close.
    for (let second = 0; second < 5; second++) {
      clock.advance(1_000);
      await settle();
    }
    const firstTrade = firstSeen.find((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade");
    expect(Math.abs(firstTrade!.payload.priceUsd / minutes.at(-1)!.closePriceUsd - 1)).toBeLessThan(0.005);
    for (let second = 0; second < 120; second++) {
      clock.advance(1_000);
      await settle();
    }
    await first.stop();
    const url = new URL(db.url);
    url.username = roleFor("execution");
    const asExecution = createDatabase({ url: url.toString(), applicationName: "test-history", maxConnections: 1 });
    try {
      const storedFirst = await readKlines(asExecution, "SOLUSDT", "1m", 0, Number.MAX_SAFE_INTEGER);
      expect(storedFirst.length).toBeGreaterThanOrEqual(9 * 60 + 30 + 2); // the history and the live minutes
      const lastStored = storedFirst.at(-1)!;

      // Restarted 40 minutes later: only the gap is generated, opening at the last stored close.
      await redis.del(klineStream);
      const second = await runService(
        { service: "execution", start: (ctx) => startMarketData(ctx, { settings: historySettings, streamPrefix: prefix }) },
        { env: serviceEnv("execution", db), clock: new ManualClock(lastStored.closeTsMs + 1 + 40 * 60_000) },
      );
      await second.stop();
      const gap = (await published()).filter((k) => k.interval === "1m");
      expect(gap).toHaveLength(40);
      expect(gap[0]?.openTsMs).toBe(lastStored.closeTsMs + 1);
      expect(gap[0]?.openPriceUsd).toBe(lastStored.closePriceUsd);
      const storedAfter = await readKlines(asExecution, "SOLUSDT", "1m", 0, Number.MAX_SAFE_INTEGER);
      expect(storedAfter.slice(0, storedFirst.length)).toEqual(storedFirst); // nothing an earlier run stored was rewritten
      expect(storedAfter.length).toBe(storedFirst.length + 40);
    } finally {
      await asExecution.close();
    }
  }, 60_000);
});
