import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSeries } from "./bar-series.js";
import { DAY_MS, DailyRange } from "./daily-range.js";
import { cumulativeVolumeDelta } from "./indicators.js";
import { MarketState } from "./market-state.js";
import { OpenInterestHistory } from "./open-interest-history.js";
import { DEFAULT_SCAVENGER_PARAMETERS as params } from "./scavenger-parameters.js";
import { TradeFlowWindows } from "./trade-flow-windows.js";

const T0 = 1_767_225_600_000; // 2026-01-01 00:00 UTC
const HOUR_MS = 3_600_000;

describe("bar series", () => {
  it("keeps the newest `capacity` bars contiguous, oldest first", () => {
    const series = new BarSeries(3, HOUR_MS);
    for (let i = 0; i < 10; i++) series.push(T0 + i * HOUR_MS, i, i + 1, i - 1, i, 1, 10 * i);
    expect(series.length).toBe(3);
    expect(Array.from(series.close.subarray(series.start, series.end))).toEqual([7, 8, 9]);
    expect(series.lastOpenTsMs).toBe(T0 + 9 * HOUR_MS);
    // Turnover of the bars opened from hour 8 on: 80 + 90.
    expect(series.turnoverSince(T0 + 8 * HOUR_MS)).toBe(170);
    expect(Array.from(series.resized(2).close.subarray(0, 2))).toEqual([8, 9]);
  });
});

describe("daily range", () => {
  it("gives the previous UTC day's high and low, built from bars of any interval", () => {
    const daily = new DailyRange();
    daily.record(0, T0, HOUR_MS, 105, 100);
    daily.record(0, T0 + 5 * HOUR_MS, HOUR_MS, 110, 101);
    daily.record(0, T0 + 23 * HOUR_MS, HOUR_MS, 104, 95);
    daily.record(0, T0 + DAY_MS, HOUR_MS, 120, 119);
    expect(daily.previousDay(0, T0 + DAY_MS + 10 * HOUR_MS)).toEqual({ dayStartTsMs: T0, highPriceUsd: 110, lowPriceUsd: 95 });
    // Before any bar of the new day has closed, the newest day seen is the previous one.
    expect(daily.previousDay(0, T0 + DAY_MS + 1)).toEqual({ dayStartTsMs: T0, highPriceUsd: 110, lowPriceUsd: 95 });
    // Two days later, nothing is known about the day before.
    expect(daily.previousDay(0, T0 + 3 * DAY_MS)).toBeNull();
  });

  it("a daily bar and a late bar of the previous day merge; a day after a missing day has no previous", () => {
    const daily = new DailyRange();
    daily.record(0, T0 + DAY_MS, HOUR_MS, 120, 119);
    daily.record(0, T0, DAY_MS, 110, 95);
    daily.record(0, T0 + 2 * HOUR_MS, HOUR_MS, 111, 96);
    expect(daily.previousDay(0, T0 + DAY_MS + HOUR_MS)).toEqual({ dayStartTsMs: T0, highPriceUsd: 111, lowPriceUsd: 95 });
    daily.record(0, T0 + 3 * DAY_MS, HOUR_MS, 130, 129);
    expect(daily.previousDay(0, T0 + 3 * DAY_MS + HOUR_MS)).toBeNull();
  });
});

describe("trade flow windows", () => {
  it("sums taker buys minus sells and finds the high over whole seconds", () => {
    const flows = new TradeFlowWindows(300_000);
    flows.record(0, 100, 2, 1, T0);
    flows.record(0, 103, 1, -1, T0 + 30_000);
    flows.record(0, 101, 0.5, 1, T0 + 59_500);
    // 60 s window ending at second T0+59: all three: 2 − 1 + 0.5.
    expect(flows.volumeDelta(0, T0 + 59_999, 60_000)).toBe(1.5);
    // Ending at T0+60 s: the first trade's second (T0) has left the window.
    expect(flows.volumeDelta(0, T0 + 60_000, 60_000)).toBe(-0.5);
    expect(flows.highestPrice(0, T0 + 60_000, 300_000)).toBe(103);
    // Much later the old buckets no longer count, without any clearing.
    expect(flows.volumeDelta(0, T0 + 3_600_000, 300_000)).toBe(0);
    expect(flows.highestPrice(0, T0 + 3_600_000, 300_000)).toBeNaN();
    // A bucket is reused for a later second: its old content is replaced.
    flows.record(0, 90, 4, -1, T0 + 301_000 * 10);
    expect(flows.volumeDelta(0, T0 + 301_000 * 10, 60_000)).toBe(-4);
  });

  it("agrees with the plain CVD definition over the same whole seconds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ stepMs: fc.integer({ min: 0, max: 3_000 }), qty: fc.integer({ min: 1, max: 1_000 }), buy: fc.boolean() }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (steps, windowSeconds) => {
          const flows = new TradeFlowWindows(300_000);
          const ts: number[] = [];
          let t = T0;
          for (const step of steps) {
            t += step.stepMs;
            ts.push(t);
            flows.record(0, 100, step.qty / 100, step.buy ? 1 : -1, t);
          }
          // Seconds nowSecond − w + 1 … nowSecond are the trades in ((nowSecond − w + 1)·1000 − 1, (nowSecond + 1)·1000 − 1].
          const nowSecond = Math.floor(t / 1_000);
          const expected = cumulativeVolumeDelta(ts, steps.map((s) => s.qty / 100), steps.map((s) => (s.buy ? 1 : -1)), (nowSecond - windowSeconds + 1) * 1_000 - 1, (nowSecond + 1) * 1_000 - 1);
          expect(flows.volumeDelta(0, t, windowSeconds * 1_000)).toBeCloseTo(expected, 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("open-interest history", () => {
  it("the reference is the newest stored sample at least the reference age old", () => {
    const history = new OpenInterestHistory(300_000);
    expect(history.spacingMs).toBe(18_750);
    for (let s = 0; s <= 600; s += 1) history.record(0, 1_000 - s, T0 + s * 1_000);
    expect(history.latest(0)).toEqual({ openInterestQty: 400, tsMs: T0 + 600_000 });
    const reference = history.reference(0, T0 + 600_000, 300_000);
    expect(reference!.tsMs).toBeLessThanOrEqual(T0 + 300_000);
    expect(reference!.tsMs).toBeGreaterThan(T0 + 300_000 - history.spacingMs);
    expect(history.reference(0, T0 + 100_000, 300_000)).toBeNull();
  });
});

describe("market state", () => {
  const kline = (openTsMs: number, closePriceUsd = 100, interval = "1h") => ({
    symbol: "BTCUSDT",
    interval,
    openTsMs,
    openPriceUsd: 100,
    highPriceUsd: Math.max(101, closePriceUsd),
    lowPriceUsd: Math.min(99, closePriceUsd),
    closePriceUsd,
    volumeQty: 10,
    turnoverUsd: 1_000,
    closed: true,
  });

  it("keeps closed bars of the level interval and restarts the series after a missing bar", () => {
    const market = new MarketState(params);
    market.recordKline(kline(T0));
    market.recordKline(kline(T0 + HOUR_MS));
    market.recordKline({ ...kline(T0 + 2 * HOUR_MS), closed: false });
    expect(market.levelSeries(0).length).toBe(2);
    market.recordKline(kline(T0 + 4 * HOUR_MS, 105));
    expect(market.levelSeries(0).length).toBe(1);
    expect(market.referencePriceUsd(0)).toBe(105);
    expect(market.guard.dropped().gap).toBe(1);
  });

  it("5 m bars feed the funding squeeze; other intervals only the daily range", () => {
    const market = new MarketState(params);
    expect(market.recordKline(kline(T0, 100, "5m"))).toBe(true);
    expect(market.recordKline(kline(T0, 100, "15m"))).toBe(false);
    expect(market.recordKline(kline(T0, 100, "1d"))).toBe(false);
    expect(market.previousDay(0, T0 + DAY_MS)).toEqual({ dayStartTsMs: T0, highPriceUsd: 101, lowPriceUsd: 99 });
    expect(market.recordKline({ ...kline(T0, 100, "1w") })).toBe(false);
  });

  it("5 m level bars serve both the levels and the funding squeeze", () => {
    const market = new MarketState({ ...params, universe: { ...params.universe, barInterval: "5m" } });
    for (let i = 0; i < 3; i++) market.recordKline(kline(T0 + i * 300_000, 100, "5m"));
    market.recordFunding(0, -0.001, T0 + 900_000);
    market.recordTrade(0, 100, 1, 1, T0 + 900_000);
    expect(market.levelSeries(0).length).toBe(3);
    expect(market.fundingSqueezeInput(0, T0 + 900_000)?.lows).toEqual([99, 99, 99]);
  });
});
