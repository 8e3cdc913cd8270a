import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import {
  alignedReturns,
  betaTo,
  correlationCheck,
  dailyDrawdownFraction,
  fitsLeverageCap,
  grossExposureUsd,
  historicalVarUsd,
  maxNotionalWithinLeverageUsd,
  netDeltaUsd,
  portfolioBeta,
  portfolioRisk,
  projectedLeverage,
  returnCorrelation,
  rollStartOfDay,
  startOfUtcDayMs,
  type OpenPosition,
  type PricePoint,
  type PriceHistory,
} from "./risk.js";

const BTC = "BTC/USDT:USDT";
const ETH = "ETH/USDT:USDT";
const SOL = "SOL/USDT:USDT";
const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 10);

/** Prices from returns, one point per interval starting at T0. */
const pricesFrom = (returns: readonly number[], start = 100, intervalMs = MINUTE): PricePoint[] =>
  returns.reduce<PricePoint[]>((points, r, i) => [...points, { tsMs: T0 + (i + 1) * intervalMs, priceUsd: (points[i] as PricePoint).priceUsd * (1 + r) }], [
    { tsMs: T0, priceUsd: start },
  ]);

const wave = (n: number, phase = 0) => Array.from({ length: n }, (_, i) => 0.01 * Math.sin(i * 0.7 + phase) + 0.002 * Math.cos(i * 2.3));

const symbolArb = fc.constantFrom(BTC, ETH, SOL);
const sideArb = fc.constantFrom("long" as const, "short" as const);
const positionArb = fc.record({ symbol: symbolArb, side: sideArb, notionalUsd: fc.double({ min: 0, max: 50_000, noNaN: true }) });
const positionsArb = fc.uniqueArray(positionArb, { maxLength: 3, selector: (p) => p.symbol });

describe("exposure and netting", () => {
  test("gross exposure, net delta and leverage of a book", () => {
    const book: OpenPosition[] = [
      { symbol: BTC, side: "long", notionalUsd: 3_000 },
      { symbol: ETH, side: "short", notionalUsd: 1_000 },
    ];
    expect(grossExposureUsd(book)).toBe(4_000);
    expect(netDeltaUsd(book)).toBe(2_000);
    // (3,000 + 1,000 + 2,000) / 1,000 = 6x for a new SOL long of 2,000.
    expect(projectedLeverage(book, { symbol: SOL, side: "long", notionalUsd: 2_000 }, 1_000)).toBe(6);
    // A BTC short of 2,000 nets against the 3,000 long: (1,000 + 1,000) / 1,000 = 2x.
    expect(projectedLeverage(book, { symbol: BTC, side: "short", notionalUsd: 2_000 }, 1_000)).toBe(2);
    // A BTC short of 5,000 closes the long and opens a 2,000 short: (2,000 + 1,000) / 1,000 = 3x.
    expect(projectedLeverage(book, { symbol: BTC, side: "short", notionalUsd: 5_000 }, 1_000)).toBe(3);
  });

  test("opposite-side signals net: projected leverage is never above the same-side figure", () => {
    fc.assert(
      fc.property(positionsArb, symbolArb, sideArb, fc.double({ min: 0, max: 100_000, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), (book, symbol, side, notionalUsd, equityUsd) => {
        const sameSide = (grossExposureUsd(book) + notionalUsd) / equityUsd;
        const projected = projectedLeverage(book, { symbol, side, notionalUsd }, equityUsd);
        expect(projected).toBeLessThanOrEqual(sameSide * (1 + 1e-12) + 1e-12);
      }),
    );
  });

  test("the size that fits under the cap lands exactly on it, and never beyond it", () => {
    fc.assert(
      fc.property(positionsArb, symbolArb, sideArb, fc.double({ min: 1, max: 1e6, noNaN: true }), fc.constantFrom(2, 3, 5, 10, 20), (book, symbol, side, equityUsd, cap) => {
        const max = maxNotionalWithinLeverageUsd(book, symbol, side, equityUsd, cap);
        expect(max).toBeGreaterThanOrEqual(0);
        expect(projectedLeverage(book, { symbol, side, notionalUsd: max * 1.01 + 1 }, equityUsd)).toBeGreaterThan(cap);
        if (max > 0 && grossExposureUsd(book) <= cap * equityUsd) {
          expect(Math.abs(projectedLeverage(book, { symbol, side, notionalUsd: max }, equityUsd) - cap)).toBeLessThanOrEqual(cap * 1e-9);
          expect(fitsLeverageCap(book, { symbol, side, notionalUsd: max }, equityUsd, cap)).toBe(true);
        }
      }),
    );
  });

  test("above the cap already, closing too little of an opposite position does not fit", () => {
    // 1,000 equity at 5x = 5,000 cap; 5,500 long BTC + 500 short ETH = 6,000 gross. A 300 BTC short leaves 5,700.
    const book: OpenPosition[] = [
      { symbol: BTC, side: "long", notionalUsd: 5_500 },
      { symbol: ETH, side: "short", notionalUsd: 500 },
    ];
    expect(fitsLeverageCap(book, { symbol: BTC, side: "short", notionalUsd: 300 }, 1_000, 5)).toBe(false);
    expect(fitsLeverageCap(book, { symbol: BTC, side: "short", notionalUsd: 1_000 }, 1_000, 5)).toBe(true);
  });

  test("without positive equity no size fits and leverage is infinite", () => {
    expect(maxNotionalWithinLeverageUsd([], BTC, "long", 0, 20)).toBe(0);
    expect(projectedLeverage([], { symbol: BTC, side: "long", notionalUsd: 1 }, -5)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("correlation and beta", () => {
  test("returns are paired only over timestamps both series share", () => {
    const a = [0, 1, 2, 3].map((i) => ({ tsMs: i, priceUsd: 100 + i }));
    const b = [0, 2, 3].map((i) => ({ tsMs: i, priceUsd: 10 * (1 + i) }));
    // Shared: 0, 2, 3 → a: 102/100 − 1, 103/102 − 1; b: 30/10 − 1, 40/30 − 1.
    const { xs, ys } = alignedReturns(a, b);
    expect(xs).toEqual([102 / 100 - 1, 103 / 102 - 1]);
    expect(ys).toEqual([30 / 10 - 1, 40 / 30 - 1]);
  });

  test("correlation always lies in [−1, 1] (or is unknown)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -0.2, max: 0.2, noNaN: true }), fc.double({ min: -0.2, max: 0.2, noNaN: true })), { minLength: 0, maxLength: 40 }), (pairs) => {
        const history: PriceHistory = new Map([
          [BTC, pricesFrom(pairs.map(([x]) => x))],
          [ETH, pricesFrom(pairs.map(([, y]) => y))],
        ]);
        const correlation = returnCorrelation(history, BTC, ETH, 2);
        if (correlation !== null) {
          expect(correlation).toBeGreaterThanOrEqual(-1);
          expect(correlation).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  test("a symbol moving as twice BTC has β 2 and correlation 1; too little data is unknown", () => {
    const btc = wave(30);
    const history: PriceHistory = new Map([
      [BTC, pricesFrom(btc)],
      [ETH, pricesFrom(btc.map((r) => 2 * r))],
    ]);
    expect(betaTo(history, ETH, BTC, 20)).toBeCloseTo(2, 9);
    expect(returnCorrelation(history, ETH, BTC, 20)).toBeCloseTo(1, 9);
    expect(returnCorrelation(history, ETH, BTC, 31)).toBeNull();
    expect(betaTo(history, SOL, BTC, 20)).toBeNull();
    const beta = portfolioBeta(
      [
        { symbol: ETH, side: "long", notionalUsd: 1_000 },
        { symbol: SOL, side: "short", notionalUsd: 300 },
      ],
      history,
      BTC,
      2_000,
      20,
    );
    // 1,000 × 2 − 300 × 1 (SOL has no history: assumed β 1) = 1,700 USD; / 2,000 = 0.85.
    expect(beta.betaWeightedDeltaUsd).toBeCloseTo(1_700, 6);
    expect(beta.portfolioBeta).toBeCloseTo(0.85, 9);
    expect(beta.assumedBetaSymbols).toEqual([SOL]);
  });

  test("a correlated same-side position halves the size; an opposite-side one does not", () => {
    const btc = wave(30);
    const history: PriceHistory = new Map([
      [BTC, pricesFrom(btc)],
      [ETH, pricesFrom(btc.map((r) => 1.5 * r + 0.0001))],
      [SOL, pricesFrom(wave(30, 2))],
    ]);
    const long = [{ symbol: BTC, side: "long" as const, notionalUsd: 1_000 }];
    const check = correlationCheck(long, { symbol: ETH, side: "long", notionalUsd: 100 }, history, P);
    expect(check.halve).toBe(true);
    expect(check.correlatedSymbol).toBe(BTC);
    expect(check.maxCorrelation).toBeCloseTo(1, 6);
    expect(correlationCheck(long, { symbol: ETH, side: "short", notionalUsd: 100 }, history, P)).toEqual({ maxCorrelation: null, correlatedSymbol: null, halve: false });
    expect(correlationCheck(long, { symbol: SOL, side: "long", notionalUsd: 100 }, history, P).halve).toBe(false);
    expect(correlationCheck([], { symbol: ETH, side: "long", notionalUsd: 100 }, history, P).maxCorrelation).toBeNull();
  });
});

describe("value at risk", () => {
  test("historical VaR 95 % of one daily-sampled position is the worst of 20 days", () => {
    // 20 daily returns, worst −6 %: ⌈20 × 0.05⌉ = 1st smallest PnL = 2,000 × −0.06 = −120 → VaR 120.
    const returns = [0.01, -0.02, 0.03, -0.06, 0.01, 0.02, -0.01, 0, 0.015, -0.03, 0.02, 0.01, -0.005, 0.01, 0.02, -0.04, 0.01, 0.005, 0.01, -0.01];
    const history: PriceHistory = new Map([[BTC, pricesFrom(returns, 60_000, DAY)]]);
    expect(historicalVarUsd([{ symbol: BTC, side: "long", notionalUsd: 2_000 }], history, P)).toBeCloseTo(120, 6);
    // A short gains on those days; its worst day is the +3 % one: 2,000 × 0.03 = 60.
    expect(historicalVarUsd([{ symbol: BTC, side: "short", notionalUsd: 2_000 }], history, P)).toBeCloseTo(60, 6);
  });

  test("minute-sampled history scales to one day by √1440", () => {
    const returns = Array.from({ length: 20 }, (_, i) => (i === 7 ? -0.001 : 0.0005));
    const history: PriceHistory = new Map([[BTC, pricesFrom(returns)]]);
    expect(historicalVarUsd([{ symbol: BTC, side: "long", notionalUsd: 1_000 }], history, P)).toBeCloseTo(1 * Math.sqrt(1_440), 6);
  });

  test("VaR is never negative; 0 without positions; unknown without enough history", () => {
    expect(historicalVarUsd([], new Map(), P)).toBe(0);
    expect(historicalVarUsd([{ symbol: BTC, side: "long", notionalUsd: 1 }], new Map([[BTC, pricesFrom(wave(5))]]), P)).toBeNull();
    fc.assert(
      fc.property(
        positionsArb,
        fc.array(fc.tuple(fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true })), { minLength: 20, maxLength: 40 }),
        (book, rows) => {
          const history: PriceHistory = new Map([
            [BTC, pricesFrom(rows.map((r) => r[0]))],
            [ETH, pricesFrom(rows.map((r) => r[1]))],
            [SOL, pricesFrom(rows.map((r) => r[2]))],
          ]);
          expect(historicalVarUsd(book, history, P)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe("daily drawdown", () => {
  test("is measured from the start-of-day equity and clamped to [0, 1]", () => {
    expect(dailyDrawdownFraction(1_000, 850)).toBeCloseTo(0.15, 12);
    expect(dailyDrawdownFraction(1_000, 1_200)).toBe(0);
    expect(dailyDrawdownFraction(1_000, -50)).toBe(1);
    expect(dailyDrawdownFraction(0, 10)).toBe(0);
  });

  test("the start-of-day equity is the first equity of each UTC day and never moves within it", () => {
    expect(startOfUtcDayMs(T0 + 13 * 3_600_000)).toBe(T0);
    const first = rollStartOfDay(null, 1_000, T0 + 5 * MINUTE);
    expect(first).toEqual({ dayStartMs: T0, equityUsd: 1_000 });
    expect(rollStartOfDay(first, 800, T0 + 23 * 3_600_000)).toBe(first);
    expect(rollStartOfDay(first, 800, T0 + DAY)).toEqual({ dayStartMs: T0 + DAY, equityUsd: 800 });
  });

  test("portfolio figures come together in one snapshot", () => {
    const figures = portfolioRisk([{ symbol: BTC, side: "short", notionalUsd: 500 }], 900, 1_000, new Map(), P);
    expect(figures).toMatchObject({ grossExposureUsd: 500, netDeltaUsd: -500, dailyDrawdownFraction: 0.1, varUsd: null });
    expect(figures.leverage).toBeCloseTo(500 / 900, 12);
    expect(figures.beta.betaWeightedDeltaUsd).toBe(-500);
  });
});
