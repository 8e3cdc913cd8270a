// The memoised, merge-joined risk figures against their plain definitions (the code risk.ts had before
// the memo): on any history, sorted or not, with gaps and repeated timestamps, the answers are the same
// numbers, and a series replaced by a new array is never answered from the old one.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pairReturns, sharedReturns, type PricePoint } from "./aligned-returns.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import { betaTo, correlationCheck, historicalVarUsd, netExposureBySymbol, returnCorrelation, type OpenPosition, type PriceHistory } from "./risk.js";
import { lowerQuantile, lowerQuantileInPlace, pearson, sampleCovariance, sampleVariance } from "./statistics.js";

const SYMBOLS = ["BTC", "ETH", "SOL"] as const;

// --- the plain definitions -----------------------------------------------------------------------
function plainAligned(a: readonly PricePoint[], b: readonly PricePoint[]) {
  const bByTs = new Map(b.map((p) => [p.tsMs, p.priceUsd]));
  const shared = a.filter((p) => bByTs.has(p.tsMs));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 1; i < shared.length; i++) {
    const prev = shared[i - 1] as PricePoint;
    const cur = shared[i] as PricePoint;
    xs.push(cur.priceUsd / prev.priceUsd - 1);
    ys.push((bByTs.get(cur.tsMs) as number) / (bByTs.get(prev.tsMs) as number) - 1);
  }
  return { xs, ys };
}

function plainCorrelation(h: PriceHistory, a: string, b: string, minSamples: number): number | null {
  if (a === b) return 1;
  const { xs, ys } = plainAligned(h.get(a) ?? [], h.get(b) ?? []);
  return xs.length < minSamples ? null : pearson(xs, ys);
}

function plainBeta(h: PriceHistory, symbol: string, benchmark: string, minSamples: number): number | null {
  if (symbol === benchmark) return 1;
  const { xs, ys } = plainAligned(h.get(symbol) ?? [], h.get(benchmark) ?? []);
  if (xs.length < minSamples) return null;
  const cov = sampleCovariance(xs, ys);
  const variance = sampleVariance(ys);
  return cov === null || variance === null || variance === 0 ? null : cov / variance;
}

function plainVar(positions: readonly OpenPosition[], history: PriceHistory, minSamples: number): number | null {
  const exposures = [...netExposureBySymbol(positions)].filter(([, net]) => net !== 0);
  if (exposures.length === 0) return 0;
  const series = exposures.map(([symbol]) => new Map((history.get(symbol) ?? []).map((p) => [p.tsMs, p.priceUsd])));
  const first = series[0] as Map<number, number>;
  const shared = [...first.keys()].filter((ts) => series.every((s) => s.has(ts))).sort((a, b) => a - b);
  if (shared.length - 1 < minSamples) return null;
  const pnls: number[] = [];
  const intervals: number[] = [];
  for (let i = 1; i < shared.length; i++) {
    const [prevTs, ts] = [shared[i - 1] as number, shared[i] as number];
    intervals.push(ts - prevTs);
    pnls.push(exposures.reduce((acc, [, net], k) => acc + net * ((series[k]?.get(ts) as number) / (series[k]?.get(prevTs) as number) - 1), 0));
  }
  const tailPnl = lowerQuantile(pnls, 1 - P.risk.varConfidence) as number;
  const intervalMs = lowerQuantile(intervals, 0.5) as number;
  return Math.max(0, -tailPnl) * Math.sqrt(Math.max(1, P.risk.varHorizonMs / intervalMs));
}

// --- histories ------------------------------------------------------------------------------------
const priceArb = fc.double({ min: 1, max: 1_000, noNaN: true });

/** What PriceHistoryBook makes: increasing minute buckets, with gaps where a symbol had no trade. */
const bookSeriesArb = fc.array(fc.tuple(fc.boolean(), priceArb), { maxLength: 60 }).map((steps) =>
  steps.flatMap(([present, priceUsd], i) => (present || i % 7 === 0 ? [{ tsMs: 1_000 + i * 60_000, priceUsd }] : [])),
);
/** Anything at all: unsorted, repeated timestamps. */
const looseSeriesArb = fc.array(fc.record({ tsMs: fc.integer({ min: 0, max: 12 }), priceUsd: priceArb }), { maxLength: 20 });

const historyArb = (seriesArb: fc.Arbitrary<PricePoint[]>) =>
  fc.tuple(seriesArb, seriesArb, seriesArb).map(([a, b, c]) => new Map([[SYMBOLS[0], a], [SYMBOLS[1], b], [SYMBOLS[2], c]]) as PriceHistory);
const anyHistoryArb = fc.oneof(historyArb(bookSeriesArb), historyArb(looseSeriesArb));

const positionsArb = fc.uniqueArray(
  fc.record({ symbol: fc.constantFrom(...SYMBOLS, "XRP"), side: fc.constantFrom("long" as const, "short" as const), notionalUsd: fc.double({ min: 0, max: 50_000, noNaN: true }) }),
  { maxLength: 4, selector: (p) => p.symbol },
);

describe("memoised risk figures equal their plain definitions", () => {
  test("correlation and beta of every pair", () => {
    fc.assert(
      fc.property(anyHistoryArb, fc.integer({ min: 2, max: 30 }), (history, minSamples) => {
        for (const a of [...SYMBOLS, "XRP"])
          for (const b of SYMBOLS) {
            // Twice: the second answer comes from the memo.
            for (let round = 0; round < 2; round++) {
              expect(returnCorrelation(history, a, b, minSamples)).toBe(plainCorrelation(history, a, b, minSamples));
              expect(betaTo(history, a, b, minSamples)).toBe(plainBeta(history, a, b, minSamples));
            }
            expect(pairReturns(history.get(a) ?? [], history.get(b) ?? [])).toMatchObject(plainAligned(history.get(a) ?? [], history.get(b) ?? []));
          }
      }),
      { numRuns: 300 },
    );
  });

  test("historical VaR and the correlation check of any book", () => {
    fc.assert(
      fc.property(anyHistoryArb, positionsArb, fc.integer({ min: 2, max: 30 }), (history, positions, minReturnSamples) => {
        const params = { ...P, signals: { ...P.signals, minReturnSamples } };
        for (let round = 0; round < 2; round++) {
          expect(historicalVarUsd(positions, history, params)).toBe(plainVar(positions, history, minReturnSamples));
          const trade = { symbol: SYMBOLS[0], side: "long" as const, notionalUsd: 1 };
          const check = correlationCheck(positions, trade, history, params);
          let max: number | null = null;
          for (const [symbol, net] of netExposureBySymbol(positions)) {
            if (net <= 0) continue;
            const c = plainCorrelation(history, trade.symbol, symbol, minReturnSamples);
            if (c !== null && (max === null || c > max)) max = c;
          }
          expect(check.maxCorrelation).toBe(max);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("a series replaced by a new array is computed again; the same arrays are computed once", () => {
    const a = Array.from({ length: 40 }, (_, i) => ({ tsMs: i * 60_000, priceUsd: 100 + Math.sin(i) }));
    const b = Array.from({ length: 40 }, (_, i) => ({ tsMs: i * 60_000, priceUsd: 50 + Math.cos(i) }));
    expect(pairReturns(a, b)).toBe(pairReturns(a, b));
    expect(sharedReturns([a, b])).toBe(sharedReturns([a, b]));
    // The current minute's price moved: a new array sharing every earlier point.
    const moved = [...a.slice(0, -1), { tsMs: 39 * 60_000, priceUsd: 200 }];
    expect(pairReturns(moved, b).xs.at(-1)).toBe(200 / (a[38] as PricePoint).priceUsd - 1);
    expect(pairReturns(moved, b)).not.toBe(pairReturns(a, b));
    const history = new Map([[SYMBOLS[0], moved], [SYMBOLS[1], b]]);
    const book: OpenPosition[] = [{ symbol: SYMBOLS[0], side: "long", notionalUsd: 1_000 }];
    expect(historicalVarUsd(book, history, P)).toBe(plainVar(book, history, P.signals.minReturnSamples));
  });
});

describe("lowerQuantileInPlace", () => {
  test("selects what lowerQuantile's sort finds", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: false }), { maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, level) => {
        const selected = lowerQuantileInPlace(Float64Array.from(values), level);
        const sorted = lowerQuantile(values, level);
        // ±0 compare equal in an order: either may come back.
        expect(selected === sorted || (selected !== null && sorted !== null && Number.isNaN(selected) && Number.isNaN(sorted))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("a NaN among the values is left to lowerQuantile", () => {
    expect(lowerQuantileInPlace(Float64Array.from([3, Number.NaN, 1]), 0.5)).toBe(lowerQuantile([3, Number.NaN, 1], 0.5));
    expect(lowerQuantileInPlace(new Float64Array(0), 0.5)).toBeNull();
  });
});
