// The level traps of one recomputation. Their costly part — the volume profile's peaks and the Bollinger
// squeeze test — depends only on the symbol's closed level bars and the parameters, yet the strategy
// recomputes every minute while a level bar closes once per bar interval (an hour by default). So that
// part is kept per symbol until its bar series changes (a bar closed, a gap restarted it, the parameters
// or the series itself were replaced), and only the price-dependent step runs each time. The plans are
// exactly those of calling the calculators afresh: the same pure functions over the same bars.

import type { BarSeries } from "./bar-series.js";
import type { DayRange } from "./daily-range.js";
import type { BollingerBand, VolumePeak } from "./indicators.js";
import {
  bollingerSqueezeBand,
  bollingerSqueezeTraps,
  bollingerSqueezeTrapsAt,
  dailyLevelTraps,
  volumeClusterPeaks,
  volumeClusterTraps,
  volumeClusterTrapsAt,
} from "./level-calculators.js";
import type { ScavengerParameters } from "./scavenger-parameters.js";
import type { TrapPlan } from "./trap.js";

interface BarLevels {
  readonly series: BarSeries;
  readonly revision: number;
  readonly params: ScavengerParameters;
  readonly peaks: readonly VolumePeak[];
  readonly squeeze: BollingerBand | null;
}

export class LevelPlanCache {
  private readonly bySymbol: (BarLevels | undefined)[] = [];
  /** Bar-derived levels computed (not served from the cache): for tests and diagnosis. */
  computed = 0;

  /** With `enabled` false every call runs the calculators afresh, as they are: the reference the cache is tested against. */
  constructor(readonly enabled = true) {}

  /** The volume-cluster, daily-level and Bollinger-squeeze traps of `symbol` at `priceUsd`. */
  plans(symbol: number, bars: BarSeries, previousDay: DayRange | null, priceUsd: number, params: ScavengerParameters): TrapPlan[] {
    if (!this.enabled) {
      this.computed++;
      return [...volumeClusterTraps(bars, priceUsd, params), ...dailyLevelTraps(previousDay, priceUsd, params), ...bollingerSqueezeTraps(bars, priceUsd, params)];
    }
    const levels = this.levelsOf(symbol, bars, params);
    return [
      ...volumeClusterTrapsAt(levels.peaks, priceUsd, params),
      ...dailyLevelTraps(previousDay, priceUsd, params),
      ...bollingerSqueezeTrapsAt(levels.squeeze, priceUsd, params),
    ];
  }

  private levelsOf(symbol: number, bars: BarSeries, params: ScavengerParameters): BarLevels {
    const known = this.bySymbol[symbol];
    if (known !== undefined && known.series === bars && known.revision === bars.revision && known.params === params) return known;
    this.computed++;
    const levels: BarLevels = { series: bars, revision: bars.revision, params, peaks: volumeClusterPeaks(bars, params), squeeze: bollingerSqueezeBand(bars, params) };
    this.bySymbol[symbol] = levels;
    return levels;
  }
}
