import { describe, expect, it } from "vitest";
import { bollingerSqueezeTraps, dailyLevelTraps, volumeClusterTraps, type BarWindow } from "./level-calculators.js";
import { loadScavengerParameters } from "./scavenger-parameters.js";

const bars = (high: number[], low: number[], volumeQty: number[], close = high.map((h, i) => (h + (low[i] as number)) / 2)): BarWindow => ({
  high,
  low,
  close,
  volumeQty,
  start: 0,
  end: high.length,
});
const closesOnly = (close: number[]): BarWindow => bars(close, close, close.map(() => 1), close);

describe("volume-cluster trap", () => {
  // Four 2.5 USD bins over 100–110. Bar 100–110 with 10 puts 2.5 in each bin; a print at 105 with 5 adds
  // to bin 2; a print at 101 with 4 adds to bin 0. Profile [6.5, 2.5, 7.5, 2.5]: peaks bin 2 (7.5, centre
  // 106.25) and bin 0 (6.5, centre 101.25).
  const params = loadScavengerParameters({ volumeCluster: { profileBins: 4, minBars: 3, lookbackBars: 3 } });
  const window = bars([110, 105, 101], [100, 105, 101], [10, 5, 4]);

  it("arms a long above the strongest peak over price and a short below the strongest under it", () => {
    const [long, short] = volumeClusterTraps(window, 104, params);
    // Long: 106.25 × 1.002 = 106.4625; stop 1 % below = 105.397875; target 3 % above = 109.656375.
    expect(long).toMatchObject({ trapType: "volume-cluster", side: "long", levelPriceUsd: 106.25, confidence: 95, leverage: 20 });
    expect(long!.triggerPriceUsd).toBeCloseTo(106.4625, 10);
    expect(long!.stopLossPriceUsd).toBeCloseTo(105.397875, 10);
    expect(long!.takeProfitPriceUsd).toBeCloseTo(109.656375, 10);
    // Short: 101.25 × 0.998 = 101.0475; stop 1 % above = 102.057975; target 3 % below = 98.016075.
    expect(short).toMatchObject({ side: "short", levelPriceUsd: 101.25 });
    expect(short!.triggerPriceUsd).toBeCloseTo(101.0475, 10);
    expect(short!.stopLossPriceUsd).toBeCloseTo(102.057975, 10);
    expect(short!.takeProfitPriceUsd).toBeCloseTo(98.016075, 10);
  });

  it("with price above both peaks, the strongest below is the only trap", () => {
    // 106.25 × 0.998 = 106.0375.
    const traps = volumeClusterTraps(window, 107, params);
    expect(traps).toHaveLength(1);
    expect(traps[0]).toMatchObject({ side: "short", levelPriceUsd: 106.25 });
    expect(traps[0]!.triggerPriceUsd).toBeCloseTo(106.0375, 10);
  });

  it("considers only the top peaks and only the look-back bars", () => {
    const topOne = loadScavengerParameters({ volumeCluster: { profileBins: 4, minBars: 3, lookbackBars: 3, topPeaks: 1 } });
    expect(volumeClusterTraps(window, 104, topOne).map((t) => t.side)).toEqual(["long"]);
    // An older bar far below with a huge volume is outside the last three bars: same traps as before.
    const older = bars([90, 110, 105, 101], [90, 100, 105, 101], [1_000, 10, 5, 4]);
    expect(volumeClusterTraps(older, 104, params)).toEqual(volumeClusterTraps(window, 104, params));
  });

  it("needs minBars bars, a price range, and can be switched off", () => {
    expect(volumeClusterTraps(bars([110, 105], [100, 105], [10, 5]), 104, params)).toEqual([]);
    expect(volumeClusterTraps(bars([100, 100, 100], [100, 100, 100], [1, 1, 1]), 104, params)).toEqual([]);
    expect(volumeClusterTraps(window, 104, loadScavengerParameters({ volumeCluster: { enabled: false, profileBins: 4, minBars: 3, lookbackBars: 3 } }))).toEqual([]);
  });

  it("caps the trap's leverage at maxLeverage", () => {
    const capped = loadScavengerParameters({ maxLeverage: 8, volumeCluster: { profileBins: 4, minBars: 3, lookbackBars: 3 } });
    expect(volumeClusterTraps(window, 104, capped).map((t) => t.leverage)).toEqual([8, 8]);
  });
});

describe("daily-level trap", () => {
  const params = loadScavengerParameters(undefined);
  const day = { dayStartTsMs: 0, highPriceUsd: 102, lowPriceUsd: 97 };

  it("arms a long above the previous day's high when price is within 2 % of it", () => {
    // (102 − 100) / 100 = 2 % ≤ 2 %: trigger 102 × 1.001 = 102.102. The low: (100 − 97) / 100 = 3 %: no.
    const traps = dailyLevelTraps(day, 100, params);
    expect(traps).toHaveLength(1);
    expect(traps[0]).toMatchObject({ trapType: "daily-level", side: "long", levelPriceUsd: 102, confidence: 85, leverage: 12 });
    expect(traps[0]!.triggerPriceUsd).toBeCloseTo(102.102, 10);
  });

  it("arms a short below the previous day's low when price is within 2 % of it", () => {
    // (98.9 − 97) / 98.9 = 1.92 %: trigger 97 × 0.999 = 96.903. The high is (102 − 98.9) / 98.9 = 3.1 % away.
    const traps = dailyLevelTraps(day, 98.9, params);
    expect(traps.map((t) => t.side)).toEqual(["short"]);
    expect(traps[0]!.triggerPriceUsd).toBeCloseTo(96.903, 10);
  });

  it("arms nothing when both levels are further than 2 %, without a previous day, or once price is through the level", () => {
    // 99: high 3.03 % away, low (99 − 97) / 99 = 2.02 % away.
    expect(dailyLevelTraps(day, 99, params)).toEqual([]);
    expect(dailyLevelTraps(null, 100, params)).toEqual([]);
    expect(dailyLevelTraps(day, 102.5, params).map((t) => t.side)).toEqual([]);
  });

  it("arms both sides in a tight range", () => {
    expect(dailyLevelTraps({ dayStartTsMs: 0, highPriceUsd: 101, lowPriceUsd: 99 }, 100, params).map((t) => t.side)).toEqual(["long", "short"]);
  });
});

describe("Bollinger-squeeze trap", () => {
  // BB(4, 2), ranked against the last 5 widths. Windows of the closes below:
  //   [90, 110, 90, 110]   σ = 10
  //   [110, 90, 110, 100]  mean 102.5, σ² = (56.25 + 156.25 + 56.25 + 6.25) / 4 = 68.75
  //   [90, 110, 100, 102]  mean 100.5, σ² = (110.25 + 90.25 + 0.25 + 2.25) / 4 = 50.75
  //   [110, 100, 102, 100] mean 103,   σ² = (49 + 9 + 1 + 9) / 4 = 17
  //   [100, 102, 100, 102] mean 101,   σ = 1: bands 101 ± 2 = 99 / 103, width 4 / 101, the narrowest.
  const params = loadScavengerParameters({ bollingerSqueeze: { period: 4, widthLookback: 5, lowestWidthFraction: 0.2 } });
  const closes = closesOnly([90, 110, 90, 110, 100, 102, 100, 102]);

  it("price above the SMA arms a long at the upper band × 1.001", () => {
    // 103 × 1.001 = 103.103; stop 103.103 × 0.99 = 102.07197; target 103.103 × 1.03 = 106.19609.
    const [trap] = bollingerSqueezeTraps(closes, 101.5, params);
    expect(trap).toMatchObject({ trapType: "bollinger-squeeze", side: "long", confidence: 90, leverage: 15 });
    expect(trap!.levelPriceUsd).toBeCloseTo(103, 10);
    expect(trap!.triggerPriceUsd).toBeCloseTo(103.103, 10);
    expect(trap!.stopLossPriceUsd).toBeCloseTo(102.07197, 10);
    expect(trap!.takeProfitPriceUsd).toBeCloseTo(106.19609, 10);
  });

  it("price below the SMA arms a short at the lower band × 0.999; on the SMA, nothing", () => {
    // 99 × 0.999 = 98.901.
    const [trap] = bollingerSqueezeTraps(closes, 100.5, params);
    expect(trap).toMatchObject({ side: "short" });
    expect(trap!.triggerPriceUsd).toBeCloseTo(98.901, 10);
    expect(bollingerSqueezeTraps(closes, 101, params)).toEqual([]);
  });

  it("does not arm behind a breakout that already happened", () => {
    expect(bollingerSqueezeTraps(closes, 104, params)).toEqual([]);
  });

  it("is a squeeze only when fewer than 10 % (here the fraction given) of the widths are narrower", () => {
    // Windows [80, 101, 100, 102] (wide), [101, 100, 102, 100] (mean 100.75, σ² = 2.75 / 4 = 0.6875, narrower
    // than the current one) and the current [100, 102, 100, 102]: exactly one narrower of three.
    const oneNarrower = closesOnly([80, 101, 100, 102, 100, 102]);
    const rankedAgainstThree = (fraction: number) =>
      loadScavengerParameters({ bollingerSqueeze: { period: 4, widthLookback: 3, lowestWidthFraction: fraction } });
    // 0.3 × 3 = 0.9: one narrower is not fewer → no squeeze; 0.34 × 3 = 1.02 → squeeze.
    expect(bollingerSqueezeTraps(oneNarrower, 101.5, rankedAgainstThree(0.3))).toEqual([]);
    expect(bollingerSqueezeTraps(oneNarrower, 101.5, rankedAgainstThree(0.34))).toHaveLength(1);
  });

  it("with domain.md's figures: needs 20 + 72 − 1 = 91 bars, and a widening market is no squeeze", () => {
    const defaults = loadScavengerParameters(undefined);
    const wideningCloses = Array.from({ length: 91 }, (_, i) => 100 + (i % 2 === 0 ? 1 : -1) * (1 + i / 10));
    const widening = closesOnly(wideningCloses);
    const narrowingCloses = Array.from({ length: 91 }, (_, i) => 100 + (i % 2 === 0 ? 1 : -1) * (10 - i / 10));
    // 90 bars are one too few even for the narrowing market, which squeezes with 91.
    expect(bollingerSqueezeTraps(closesOnly(narrowingCloses.slice(1)), 100.1, defaults)).toEqual([]);
    expect(bollingerSqueezeTraps(widening, 100.1, defaults)).toEqual([]);
    expect(bollingerSqueezeTraps(closesOnly(narrowingCloses), 100.1, defaults)).toHaveLength(1);
  });
});
