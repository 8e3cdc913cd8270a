// The level-plan cache serves the calculators' bar-derived work until the bars or the parameters change,
// and always gives the plans calling the calculators afresh gives.
import { describe, expect, it } from "vitest";
import { BarSeries } from "./bar-series.js";
import { bollingerSqueezeTraps, dailyLevelTraps, volumeClusterTraps } from "./level-calculators.js";
import { LevelPlanCache } from "./level-plan-cache.js";
import { loadScavengerParameters } from "./scavenger-parameters.js";

const HOUR_MS = 3_600_000;
const params = loadScavengerParameters({ volumeCluster: { profileBins: 4, minBars: 3, lookbackBars: 3 }, bollingerSqueeze: { period: 3, widthLookback: 3 } });
const previousDay = { dayStartTsMs: 0, highPriceUsd: 106, lowPriceUsd: 99 };

/** The scenario bars (100–110, 105, 101) of the strategy tests. */
function scenarioSeries(): BarSeries {
  const series = new BarSeries(10, HOUR_MS);
  series.push(0, 100, 110, 100, 110, 10, 1_100);
  series.push(HOUR_MS, 105, 105, 105, 105, 5, 525);
  series.push(2 * HOUR_MS, 101, 101, 101, 101, 4, 404);
  return series;
}

const fresh = (series: BarSeries, priceUsd: number, p = params) => [
  ...volumeClusterTraps(series, priceUsd, p),
  ...dailyLevelTraps(previousDay, priceUsd, p),
  ...bollingerSqueezeTraps(series, priceUsd, p),
];

describe("level-plan cache", () => {
  it("computes the bar-derived levels once per bar, and re-applies only the price", () => {
    const cache = new LevelPlanCache();
    const series = scenarioSeries();
    for (const priceUsd of [104, 104.5, 107, 100.5]) expect(cache.plans(0, series, previousDay, priceUsd, params)).toEqual(fresh(series, priceUsd));
    expect(cache.plans(0, series, previousDay, 104, params).length).toBeGreaterThan(1);
    expect(cache.computed).toBe(1);
    // A bar closes: the levels move with it.
    series.push(3 * HOUR_MS, 101, 108, 101, 108, 50, 5_400);
    expect(cache.plans(0, series, previousDay, 104, params)).toEqual(fresh(series, 104));
    expect(cache.computed).toBe(2);
    // A gap restarts the series.
    series.clear();
    expect(cache.plans(0, series, previousDay, 104, params)).toEqual(fresh(series, 104));
    expect(cache.computed).toBe(3);
  });

  it("recomputes for new parameters, another series, and keeps symbols apart", () => {
    const cache = new LevelPlanCache();
    const series = scenarioSeries();
    cache.plans(0, series, previousDay, 104, params);
    const topOne = loadScavengerParameters({ volumeCluster: { profileBins: 4, minBars: 3, lookbackBars: 3, topPeaks: 1 } });
    expect(cache.plans(0, series, previousDay, 104, topOne)).toEqual(fresh(series, 104, topOne));
    expect(cache.computed).toBe(2);
    const resized = series.resized(5);
    expect(resized.revision).toBe(series.revision);
    expect(cache.plans(0, resized, previousDay, 104, topOne)).toEqual(fresh(resized, 104, topOne));
    expect(cache.computed).toBe(3);
    const other = new BarSeries(10, HOUR_MS);
    other.push(0, 50, 55, 50, 55, 10, 550);
    other.push(HOUR_MS, 52, 52, 52, 52, 5, 260);
    other.push(2 * HOUR_MS, 51, 51, 51, 51, 4, 204);
    expect(cache.plans(1, other, null, 53, topOne)).toEqual([...volumeClusterTraps(other, 53, topOne), ...bollingerSqueezeTraps(other, 53, topOne)]);
    expect(cache.plans(0, resized, previousDay, 104, topOne)).toEqual(fresh(resized, 104, topOne));
    expect(cache.computed).toBe(4);
  });

  it("switched off, runs the calculators every time", () => {
    const cache = new LevelPlanCache(false);
    const series = scenarioSeries();
    expect(cache.plans(0, series, previousDay, 104, params)).toEqual(fresh(series, 104));
    cache.plans(0, series, previousDay, 104, params);
    expect(cache.computed).toBe(2);
  });
});
