// The live source fills in the past before it streams: closed bars of every interval over the backfill
// window, fetched page by page through ccxt's fetchOHLCV from the Bybit simulator, emitted oldest first
// before any live event, and never emitted a second time by the stream that follows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import { LiveSource, type MarketEvent, type MarketEventOf } from "../../../services/execution/market-data/index.js";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";

const HOUR_MS = 3_600_000;
const BACKFILL_HOURS = 20; // 1,200 minute bars: more than one page of 1,000
let sim: BybitSimulator;
let source: LiveSource;
const events: MarketEvent[] = [];
let startedMs: number;

async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const klines = (interval: string) => events.filter((e): e is MarketEventOf<"market-kline"> => e.type === "market-kline" && e.payload.interval === interval);

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 8, rateLimits: false });
  startedMs = Date.now();
  source = new LiveSource({
    symbols: ["BTCUSDT"],
    clock: systemClock,
    klineIntervals: ["1m", "1h"],
    klinePollIntervalMs: 100,
    pollIntervalMs: 60_000,
    backfillMs: BACKFILL_HOURS * HOUR_MS,
    backoff: { baseMs: 50, maxMs: 200 },
    ccxtOptions: { enableRateLimit: false, timeout: 3_000 },
    configure: (exchange) => {
      exchange.urls.api = { ...(exchange.urls.api as object), ...sim.ccxtApiUrls() } as typeof exchange.urls.api;
    },
  });
  await source.start((batch) => void events.push(...batch));
  await eventually(() => events.some((e) => e.type === "market-trade" || e.type === "market-ticker"), "the first live event");
}, 30_000);

afterAll(async () => {
  await source?.stop();
  await sim?.stop();
});

describe("live kline backfill", () => {
  it("emits every closed minute and hour of the window, oldest first, before the first live event", () => {
    const firstLive = events.findIndex((e) => e.type !== "market-kline");
    const minutes = klines("1m");
    const fromMinuteMs = Math.floor((startedMs - BACKFILL_HOURS * HOUR_MS) / 60_000) * 60_000;
    const backfilled = minutes.filter((_, i) => events.indexOf(minutes[i]!) < firstLive);
    expect(backfilled[0]?.payload.openTsMs).toBe(fromMinuteMs);
    expect(backfilled.length).toBeGreaterThanOrEqual(BACKFILL_HOURS * 60 - 1);
    for (let i = 1; i < backfilled.length; i++) expect(backfilled[i]!.payload.openTsMs - backfilled[i - 1]!.payload.openTsMs).toBe(60_000);
    expect(backfilled.every((k) => k.payload.closed && k.payload.closeTsMs < Date.now())).toBe(true);
    const hours = klines("1h").filter((k) => events.indexOf(k) < firstLive);
    expect(hours.length).toBeGreaterThanOrEqual(BACKFILL_HOURS - 1);
    expect(hours.length).toBeLessThanOrEqual(BACKFILL_HOURS);
  });

  it("does not emit a backfilled bar again once the stream takes over", async () => {
    await new Promise((resolve) => setTimeout(resolve, 500)); // several REST kline polls
    for (const interval of ["1m", "1h"]) {
      const opens = klines(interval).map((k) => k.payload.openTsMs);
      expect(new Set(opens).size, interval).toBe(opens.length);
    }
  });
});
