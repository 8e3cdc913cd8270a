import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MarketKline } from "../../../shared/contracts/index.js";
import { planSyntheticBackfill, runSyntheticBackfill, type SyntheticBackfillPlan } from "../backfill.js";
import { syntheticHistory } from "./history.js";
import { profileFor } from "./profiles.js";

const T0 = Date.UTC(2026, 5, 10, 13, 37, 20);
const HOUR = 3_600_000;

describe("synthetic kline history", () => {
  const profile = profileFor("ETHUSDT");
  const history = syntheticHistory({ seed: 3, profile, fromMs: T0 - 48 * HOUR, toMs: T0 });
  const of = (interval: string) => history.klines.filter((k) => k.interval === interval);

  it("gives every minute of the window, each opening at the previous close, and only closed bars", () => {
    const minutes = of("1m");
    expect(minutes).toHaveLength(48 * 60);
    for (let i = 1; i < minutes.length; i++) {
      expect(minutes[i]!.openTsMs - minutes[i - 1]!.openTsMs).toBe(60_000);
      expect(minutes[i]!.openPriceUsd).toBe(minutes[i - 1]!.closePriceUsd);
    }
    expect(minutes.at(-1)!.closePriceUsd).toBe(history.lastPriceUsd);
    expect(history.klines.every((k) => k.closed && k.closeTsMs < Math.floor(T0 / 60_000) * 60_000)).toBe(true);
    // Close-time order across intervals: a consumer sees them as a live feed would have sent them.
    for (let i = 1; i < history.klines.length; i++) expect(history.klines[i]!.closeTsMs).toBeGreaterThanOrEqual(history.klines[i - 1]!.closeTsMs);
  });

  it("aggregates the minutes into the larger intervals exactly", () => {
    const minutes = of("1m");
    for (const hour of of("1h").slice(1, 6)) {
      const inside = minutes.filter((m) => m.openTsMs >= hour.openTsMs && m.openTsMs < hour.openTsMs + HOUR);
      expect(inside).toHaveLength(60);
      expect(hour.openPriceUsd).toBe(inside[0]!.openPriceUsd);
      expect(hour.closePriceUsd).toBe(inside.at(-1)!.closePriceUsd);
      expect(hour.highPriceUsd).toBe(Math.max(...inside.map((m) => m.highPriceUsd)));
      expect(hour.lowPriceUsd).toBe(Math.min(...inside.map((m) => m.lowPriceUsd)));
      expect(hour.volumeQty).toBeCloseTo(inside.reduce((s, m) => s + m.volumeQty, 0), 6);
    }
    // 48 h ending mid-afternoon: the first day's bar holds only the hours inside the window (it starts
    // the series contiguously rather than leaving a gap), the second day is whole; today is still forming.
    expect(of("1d").map((d) => d.openTsMs)).toEqual([Date.UTC(2026, 5, 8), Date.UTC(2026, 5, 9)]);
  });

  it("looks like the live market: its volatility band and its volume", () => {
    const hours = of("1h");
    const ranges = hours.map((h) => (h.highPriceUsd - h.lowPriceUsd) / h.openPriceUsd);
    const medianRange = ranges.sort((a, b) => a - b)[Math.floor(ranges.length / 2)]!;
    expect(medianRange).toBeGreaterThan(0.001);
    expect(medianRange).toBeLessThan(0.05);
    const turnoverPerMinute = of("1m").reduce((s, m) => s + m.turnoverUsd, 0) / of("1m").length;
    const expected = profile.tradesPerSecond * 60 * profile.medianTradeNotionalUsd;
    expect(turnoverPerMinute).toBeGreaterThan(expected / 3);
    expect(turnoverPerMinute).toBeLessThan(expected * 4);
  });

  it("is deterministic for (seed, symbol, start) and keeps bars consistent for any seed", () => {
    const again = syntheticHistory({ seed: 3, profile, fromMs: T0 - 48 * HOUR, toMs: T0 });
    expect(again.klines).toEqual(history.klines);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom("BTCUSDT", "SOLUSDT", "DOGEUSDT", "NEWUSDT"), (seed, symbol) => {
        const h = syntheticHistory({ seed, profile: profileFor(symbol), fromMs: T0 - 3 * HOUR, toMs: T0, startPriceUsd: 1.5 });
        for (const k of h.klines) {
          expect(k.highPriceUsd).toBeGreaterThanOrEqual(Math.max(k.openPriceUsd, k.closePriceUsd));
          expect(k.lowPriceUsd).toBeLessThanOrEqual(Math.min(k.openPriceUsd, k.closePriceUsd));
          expect(k.lowPriceUsd).toBeGreaterThan(0);
          expect(k.volumeQty).toBeGreaterThan(0);
        }
        expect(h.klines.find((k) => k.interval === "1m")?.openPriceUsd).toBeCloseTo(1.5, 2);
      }),
      { numRuns: 30 },
    );
  });

  it("refuses an inverted window or a price that is not positive", () => {
    expect(() => syntheticHistory({ seed: 1, profile, fromMs: T0, toMs: T0 - HOUR })).toThrow(/before/);
    expect(() => syntheticHistory({ seed: 1, profile, fromMs: T0 - HOUR, toMs: T0, startPriceUsd: 0 })).toThrow(/positive/);
  });
});

describe("planning the synthetic backfill", () => {
  const collect = async (plan: SyntheticBackfillPlan, batchSize: number) => {
    const batches: MarketKline[][] = [];
    const result = await runSyntheticBackfill(plan, batchSize, async (bars) => void batches.push(bars));
    return { result, batches, klines: batches.flat() };
  };

  it("fills whole UTC days back from `hours` ago and starts each symbol where its history ends", async () => {
    const plan = await planSyntheticBackfill({ symbols: ["BTCUSDT", "SOLUSDT"], seed: 1, nowMs: T0, hours: 72, db: null });
    expect(plan.liveStartMs).toBe(Math.floor(T0 / 60_000) * 60_000);
    const { result, klines } = await collect(plan, 2_000);
    for (const s of result.symbols) {
      expect(s.fromMs).toBe(Date.UTC(2026, 5, 7));
      expect(s.resumed).toBe(false);
    }
    expect(result.profiles.map((p) => p.symbol)).toEqual(["BTCUSDT", "SOLUSDT"]);
    const lastBtc = klines.filter((k) => k.symbol === "BTCUSDT" && k.interval === "1m").at(-1)!;
    expect(result.profiles[0]!.startPriceUsd).toBe(lastBtc.closePriceUsd);
    expect(klines.filter((k) => k.symbol === "SOLUSDT" && k.interval === "1h").length).toBeGreaterThanOrEqual(72);
    expect(result.bars).toBe(klines.length);
    expect(result.symbols.reduce((n, s) => n + s.bars, 0)).toBe(klines.length);
  });

  it("streams exactly the bars of each symbol's whole history, merged in close-time order, in batches of at most the batch size", async () => {
    const symbols = ["ETHUSDT", "BTCUSDT", "SOLUSDT"];
    const nowMs = T0 + 17 * 60_000;
    const plan = await planSyntheticBackfill({ symbols, seed: 5, nowMs, hours: 4, db: null });
    // The oracle: each symbol's history generated whole, concatenated in settings order, stably sorted by close time.
    const whole = symbols.map((symbol) => syntheticHistory({ seed: 5, profile: profileFor(symbol), fromMs: Date.UTC(2026, 5, 10), toMs: nowMs }));
    const expected = whole.flatMap((h) => h.klines).sort((a, b) => a.closeTsMs - b.closeTsMs);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5_000 }), async (batchSize) => {
        const { batches, klines, result } = await collect(plan, batchSize);
        expect(klines).toEqual(expected);
        expect(batches.every((b) => b.length > 0 && b.length <= batchSize)).toBe(true);
        expect(result.profiles.map((p) => p.startPriceUsd)).toEqual(whole.map((h) => h.lastPriceUsd));
      }),
      { numRuns: 8 },
    );
    await expect(runSyntheticBackfill(plan, 0, async () => undefined)).rejects.toThrow(/batch size/);
  });

  it("fills nothing with zero hours", async () => {
    const plan = await planSyntheticBackfill({ symbols: ["BTCUSDT"], seed: 1, nowMs: T0, hours: 0, db: null });
    const { result, klines } = await collect(plan, 100);
    expect(klines).toEqual([]);
    expect(result.profiles[0]).toEqual(profileFor("BTCUSDT"));
  });
});
