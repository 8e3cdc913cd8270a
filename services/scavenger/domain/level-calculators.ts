// The three level calculators of domain.md "Scavenger": volume cluster, daily level, Bollinger squeeze.
// Each turns closed bars (or the previous day's range) and the last price into breakout traps: a long
// trap above price, a short one below. Pure functions of their inputs. The bar-dependent work and the
// price-dependent step are also offered apart, so the strategy can keep the first until a bar closes.

import type { DayRange } from "./daily-range.js";
import { bollinger, bollingerWidth, topVolumePeaks, volumeProfile, type BollingerBand, type VolumePeak } from "./indicators.js";
import type { ScavengerParameters } from "./scavenger-parameters.js";
import { levelTrapPlan, type TrapPlan } from "./trap.js";

/** Closed bars, oldest first, in [start, end) of each array (a BarSeries fits). */
export interface BarWindow {
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volumeQty: ArrayLike<number>;
  readonly start: number;
  readonly end: number;
}

/**
 * Volume cluster: the 50-bin volume profile of the last lookbackBars bars; of its top 3 peaks, the
 * strongest above price arms a long trap at peak × 1.002 and the strongest below a short one at
 * peak × 0.998. Needs minBars bars.
 */
export function volumeClusterTraps(bars: BarWindow, lastPriceUsd: number, params: ScavengerParameters): TrapPlan[] {
  return volumeClusterTrapsAt(volumeClusterPeaks(bars, params), lastPriceUsd, params);
}

/** The bars' part of the volume cluster: the profile's top peaks, strongest first (none while disabled or short of bars). */
export function volumeClusterPeaks(bars: BarWindow, params: ScavengerParameters): VolumePeak[] {
  const p = params.volumeCluster;
  if (!p.enabled || bars.end - bars.start < p.minBars) return [];
  const from = Math.max(bars.start, bars.end - p.lookbackBars);
  const profile = volumeProfile(bars.high, bars.low, bars.volumeQty, p.profileBins, bars.end, from);
  return profile ? topVolumePeaks(profile, p.topPeaks) : [];
}

/** The price's part: the traps `volumeClusterPeaks` gives at `lastPriceUsd`. */
export function volumeClusterTrapsAt(peaks: readonly VolumePeak[], lastPriceUsd: number, params: ScavengerParameters): TrapPlan[] {
  const p = params.volumeCluster;
  if (peaks.length === 0 || !(lastPriceUsd > 0)) return [];
  // Peaks come strongest first, so the first one on each side is that side's strongest.
  const above = peaks.find((peak) => peak.priceUsd > lastPriceUsd);
  const below = peaks.find((peak) => peak.priceUsd < lastPriceUsd);
  const offset = p.triggerOffsetPercent / 100;
  const traps: TrapPlan[] = [];
  if (above) traps.push(levelTrapPlan("volume-cluster", "long", above.priceUsd, above.priceUsd * (1 + offset), p.confidence, p.leverage, params));
  if (below) traps.push(levelTrapPlan("volume-cluster", "short", below.priceUsd, below.priceUsd * (1 - offset), p.confidence, p.leverage, params));
  return traps;
}

/**
 * Daily level: the previous UTC day's high (long, trigger high × 1.001) and low (short, low × 0.999),
 * each only while price is within 2 % of it (|level − price| / price ≤ 2 %) and still on the near side.
 */
export function dailyLevelTraps(previousDay: DayRange | null, lastPriceUsd: number, params: ScavengerParameters): TrapPlan[] {
  const p = params.dailyLevel;
  if (!p.enabled || !previousDay || !(lastPriceUsd > 0)) return [];
  const maxDistance = p.maxDistancePercent / 100;
  const offset = p.triggerOffsetPercent / 100;
  const traps: TrapPlan[] = [];
  const { highPriceUsd, lowPriceUsd } = previousDay;
  if (highPriceUsd > lastPriceUsd && (highPriceUsd - lastPriceUsd) / lastPriceUsd <= maxDistance)
    traps.push(levelTrapPlan("daily-level", "long", highPriceUsd, highPriceUsd * (1 + offset), p.confidence, p.leverage, params));
  if (lowPriceUsd < lastPriceUsd && (lastPriceUsd - lowPriceUsd) / lastPriceUsd <= maxDistance)
    traps.push(levelTrapPlan("daily-level", "short", lowPriceUsd, lowPriceUsd * (1 - offset), p.confidence, p.leverage, params));
  return traps;
}

/**
 * Bollinger squeeze: BB(20, 2) width of the newest bar ranked against the last 72 widths (the newest
 * included); a squeeze when fewer than 10 % of them (7.2 of 72, so at most 7) are narrower. Price above
 * the SMA arms a long trap at upper × 1.001, below it a short one at lower × 0.999. Needs
 * period + widthLookback − 1 bars.
 */
export function bollingerSqueezeTraps(bars: BarWindow, lastPriceUsd: number, params: ScavengerParameters): TrapPlan[] {
  return bollingerSqueezeTrapsAt(bollingerSqueezeBand(bars, params), lastPriceUsd, params);
}

/** The bars' part of the Bollinger squeeze: the newest band when it is a squeeze, else null. */
export function bollingerSqueezeBand(bars: BarWindow, params: ScavengerParameters): BollingerBand | null {
  const p = params.bollingerSqueeze;
  if (!p.enabled || bars.end - bars.start < p.period + p.widthLookback - 1) return null;
  const band = bollinger(bars.close, p.period, p.stdDevMultiplier, bars.end);
  if (!band || !(band.width >= 0)) return null;
  let narrower = 0;
  for (let k = 1; k < p.widthLookback; k++) {
    if (bollingerWidth(bars.close, p.period, p.stdDevMultiplier, bars.end - k) < band.width) narrower++;
  }
  return narrower >= p.lowestWidthFraction * p.widthLookback ? null : band;
}

/** The price's part: the trap a squeeze band gives at `lastPriceUsd`. */
export function bollingerSqueezeTrapsAt(band: BollingerBand | null, lastPriceUsd: number, params: ScavengerParameters): TrapPlan[] {
  const p = params.bollingerSqueeze;
  if (!band || !(lastPriceUsd > 0)) return [];
  const offset = p.triggerOffsetPercent / 100;
  const longTrigger = band.upper * (1 + offset);
  const shortTrigger = band.lower * (1 - offset);
  // A price already beyond its trigger has broken out without us: arming there would fire on the way back.
  if (lastPriceUsd > band.middle && longTrigger > lastPriceUsd)
    return [levelTrapPlan("bollinger-squeeze", "long", band.upper, longTrigger, p.confidence, p.leverage, params)];
  if (lastPriceUsd < band.middle && shortTrigger < lastPriceUsd)
    return [levelTrapPlan("bollinger-squeeze", "short", band.lower, shortTrigger, p.confidence, p.leverage, params)];
  return [];
}
