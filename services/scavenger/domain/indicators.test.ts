import fc from "fast-check";
import { ATR, BollingerBands, SMA } from "technicalindicators";
import { describe, expect, it } from "vitest";
import {
  atr,
  atrPercent,
  bollinger,
  bollingerWidth,
  compensatedSum,
  cumulativeVolumeDelta,
  populationStdDev,
  sma,
  topVolumePeaks,
  volumeProfile,
} from "./indicators.js";

/** A deterministic random walk of OHLC bars (no Math.random: the same bars every run). */
function randomBars(count: number, seed: number, startPriceUsd = 100) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  let price = startPriceUsd;
  for (let i = 0; i < count; i++) {
    const open = price;
    price = Math.max(0.01, price * (1 + (next() - 0.5) * 0.04));
    high.push(Math.max(open, price) * (1 + next() * 0.01));
    low.push(Math.min(open, price) * (1 - next() * 0.01));
    close.push(price);
  }
  return { high, low, close };
}

const closeTo = (actual: number, expected: number, relative = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));

describe("hand-computed indicator fixtures", () => {
  it("SMA is the mean of the window ending before `end`", () => {
    // (3 + 4 + 5) / 3 = 4; ending before index 4: (2 + 3 + 4) / 3 = 3.
    expect(sma([1, 2, 3, 4, 5], 3)).toBe(4);
    expect(sma([1, 2, 3, 4, 5], 3, 4)).toBe(3);
    expect(sma([1, 2], 3)).toBeNaN();
  });

  it("population standard deviation and Bollinger(8, 2) of the textbook series", () => {
    // mean 5; squared deviations 9+1+1+1+0+0+4+16 = 32; 32 / 8 = 4; σ = 2.
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(populationStdDev(values, 8)).toBe(2);
    // middle 5, upper 5 + 2·2 = 9, lower 5 − 4 = 1, width (9 − 1) / 5 = 1.6.
    expect(bollinger(values, 8, 2)).toEqual({ middle: 5, upper: 9, lower: 1, width: 1.6 });
    expect(bollingerWidth(values, 8, 2)).toBe(1.6);
    expect(bollinger(values, 9, 2)).toBeNull();
  });

  it("Wilder's ATR: true ranges from the second bar, seeded by their mean", () => {
    const high = [10, 11, 12, 11, 14];
    const low = [8, 9, 9, 10, 10];
    const close = [9, 10, 11, 10.5, 13];
    // TR1 = max(11−9, |11−9|, |9−9|) = 2; TR2 = max(3, |12−10|, |9−10|) = 3;
    // TR3 = max(1, |11−11|, |10−11|) = 1; TR4 = max(4, |14−10.5|, |10−10.5|) = 4.
    // ATR3 at bar 3 = (2 + 3 + 1) / 3 = 2; at bar 4 = (2·2 + 4) / 3 = 8/3.
    expect(atr(high, low, close, 3, 4)).toBe(2);
    expect(atr(high, low, close, 3)).toBeCloseTo(8 / 3, 12);
    // ATR% = (8/3) / 13 × 100 = 20.5128…
    expect(atrPercent(high, low, close, 3)).toBeCloseTo(((8 / 3) / 13) * 100, 10);
    expect(atr(high, low, close, 5)).toBeNaN();
  });

  it("volume profile spreads a bar's volume over its range, and peaks are local maxima", () => {
    // Bar A 100–110 with 10 spreads 1 per USD: 2.5 in each of four 2.5 USD bins.
    // Bar B at exactly 105 with 5 lands in bin floor((105 − 100) / 2.5) = 2.
    const profile = volumeProfile([110, 105], [100, 105], [10, 5], 4);
    expect(profile).not.toBeNull();
    expect(profile?.minPriceUsd).toBe(100);
    expect(profile?.binWidthUsd).toBe(2.5);
    expect(Array.from(profile?.volumes ?? [])).toEqual([2.5, 2.5, 7.5, 2.5]);
    // Bin 2 (7.5, centre 106.25) is the strongest peak; bin 0 (2.5, centre 101.25) is a peak at the edge;
    // bins 1 and 3 sit beside higher neighbours.
    expect(topVolumePeaks(profile!, 3)).toEqual([
      { bin: 2, priceUsd: 106.25, volume: 7.5 },
      { bin: 0, priceUsd: 101.25, volume: 2.5 },
    ]);
    expect(topVolumePeaks(profile!, 1)).toHaveLength(1);
  });

  it("a plateau is one peak, and a single-price history has no profile", () => {
    const plateau = { minPriceUsd: 0, binWidthUsd: 1, volumes: Float64Array.from([1, 5, 5, 1]) };
    expect(topVolumePeaks(plateau, 3)).toEqual([{ bin: 1, priceUsd: 1.5, volume: 5 }]);
    expect(volumeProfile([100, 100], [100, 100], [1, 2], 50)).toBeNull();
  });

  it("CVD is taker buys minus taker sells within (from, to]", () => {
    // Inside (1000, 2000]: +2 (buy at 1500) − 0.5 (sell at 2000) = 1.5; 1000 and 2500 are outside.
    expect(cumulativeVolumeDelta([1000, 1500, 2000, 2500], [9, 2, 0.5, 7], [1, 1, -1, -1], 1000, 2000)).toBe(1.5);
  });

  it("compensated sums do not lose small terms next to large ones", () => {
    const values = [1e16, 1, -1e16, 1];
    expect(compensatedSum(values, 0, values.length)).toBe(2);
  });
});

describe("cross-check against technicalindicators", () => {
  it("SMA, Bollinger(20, 2) and ATR14 agree on random walks", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 40, max: 160 }), fc.double({ min: 0.001, max: 100_000, noNaN: true }), (seed, count, start) => {
        const { high, low, close } = randomBars(count, seed, start);
        const theirSma = SMA.calculate({ period: 20, values: close });
        const theirBands = BollingerBands.calculate({ period: 20, stdDev: 2, values: close });
        const theirAtr = ATR.calculate({ period: 14, high, low, close });
        expect(theirSma).toHaveLength(count - 19);
        theirSma.forEach((value, k) => closeTo(sma(close, 20, k + 20), value));
        theirBands.forEach((band, k) => {
          const ours = bollinger(close, 20, 2, k + 20);
          closeTo(ours!.middle, band.middle);
          closeTo(ours!.upper, band.upper);
          closeTo(ours!.lower, band.lower);
        });
        // Their first ATR belongs to bar 14 (the 14th true range); each later one to the next bar.
        theirAtr.forEach((value, k) => closeTo(atr(high, low, close, 14, k + 15), value));
      }),
      { numRuns: 60 },
    );
  });

  it("agrees with the textbook series too", () => {
    const closes = [22.27, 22.19, 22.08, 22.17, 22.18, 22.13, 22.23, 22.43, 22.24, 22.29, 22.15, 22.39, 22.38, 22.61, 23.36, 24.05, 23.75, 23.83, 23.95, 23.63, 23.82, 23.87];
    const theirs = BollingerBands.calculate({ period: 20, stdDev: 2, values: closes });
    theirs.forEach((band, k) => closeTo(bollinger(closes, 20, 2, k + 20)!.upper, band.upper));
  });
});
