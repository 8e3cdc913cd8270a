// The indicator maths of the level calculators and the quality score, over plain numeric arrays (typed
// arrays in the engine). Each function reads the window ending just before `end`, so callers never slice.
// Numerically careful where it matters: compensated sums, a corrected two-pass variance, and NaN (never a
// made-up number) when there is not enough data.

/** Neumaier-compensated sum of values[from, end): exact enough for long windows of large prices. */
export function compensatedSum(values: ArrayLike<number>, from: number, end: number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = from; i < end; i++) {
    const value = values[i] as number;
    const next = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - next + value : value - next + sum;
    sum = next;
  }
  return sum + compensation;
}

/** Simple moving average of the `period` values ending before `end`; NaN with fewer values. */
export function sma(values: ArrayLike<number>, period: number, end = values.length): number {
  if (period < 1 || end < period || end > values.length) return Number.NaN;
  return compensatedSum(values, end - period, end) / period;
}

/**
 * Population standard deviation (the Bollinger convention) of the `period` values ending before `end`,
 * by the corrected two-pass formula: Σd² less the rounding error (Σd)²/n of the computed mean.
 */
export function populationStdDev(values: ArrayLike<number>, period: number, end = values.length, mean = sma(values, period, end)): number {
  if (!Number.isFinite(mean)) return Number.NaN;
  let sumSquares = 0;
  let sumDeviations = 0;
  for (let i = end - period; i < end; i++) {
    const deviation = (values[i] as number) - mean;
    sumSquares += deviation * deviation;
    sumDeviations += deviation;
  }
  const variance = (sumSquares - (sumDeviations * sumDeviations) / period) / period;
  return Math.sqrt(Math.max(0, variance));
}

export interface BollingerBand {
  readonly middle: number;
  readonly upper: number;
  readonly lower: number;
  /** (upper − lower) / middle: the band's width as a fraction of price, comparable across time. */
  readonly width: number;
}

/** Bollinger bands of the window ending before `end`; null with fewer than `period` values. */
export function bollinger(values: ArrayLike<number>, period: number, multiplier: number, end = values.length): BollingerBand | null {
  const middle = sma(values, period, end);
  if (!Number.isFinite(middle)) return null;
  const spread = multiplier * populationStdDev(values, period, end, middle);
  return { middle, upper: middle + spread, lower: middle - spread, width: middle > 0 ? (2 * spread) / middle : Number.NaN };
}

/** Bollinger width alone, without allocating: for ranking many windows. */
export function bollingerWidth(values: ArrayLike<number>, period: number, multiplier: number, end = values.length): number {
  const middle = sma(values, period, end);
  if (!(middle > 0)) return Number.NaN;
  return (2 * multiplier * populationStdDev(values, period, end, middle)) / middle;
}

/** True range of a bar against the previous close. */
export function trueRange(high: number, low: number, previousClose: number): number {
  return Math.max(high - low, Math.abs(high - previousClose), Math.abs(low - previousClose));
}

/**
 * Wilder's average true range over bars [from, end): true ranges start at the second bar (they need a
 * previous close), the first ATR is the mean of the first `period` of them, then
 * ATR = (ATR₋₁ · (period − 1) + TR) / period. NaN with fewer than period + 1 bars.
 */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  end = close.length,
  from = 0,
): number {
  if (period < 1 || end - from < period + 1) return Number.NaN;
  let seed = 0;
  for (let i = from + 1; i <= from + period; i++) seed += trueRange(high[i] as number, low[i] as number, close[i - 1] as number);
  let value = seed / period;
  for (let i = from + period + 1; i < end; i++) {
    value = (value * (period - 1) + trueRange(high[i] as number, low[i] as number, close[i - 1] as number)) / period;
  }
  return value;
}

/** ATR as percent of the last close (2.5 = 2.5 %). */
export function atrPercent(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  end = close.length,
  from = 0,
): number {
  const lastClose = close[end - 1];
  if (lastClose === undefined || !(lastClose > 0)) return Number.NaN;
  return (atr(high, low, close, period, end, from) / lastClose) * 100;
}

export interface VolumeProfile {
  readonly minPriceUsd: number;
  readonly binWidthUsd: number;
  /** Volume per bin; bin b covers [min + b·w, min + (b + 1)·w), the last bin includes the maximum. */
  readonly volumes: Float64Array;
}

/**
 * Volume profile of bars [from, end) in `bins` equal price bins between the lowest low and the highest
 * high. A bar's volume is spread evenly over its own high–low range (a bar with high = low puts it all in
 * one bin), which is the usual estimate when only bars are known. Null when there are no bars or the
 * whole range is a single price.
 */
export function volumeProfile(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  volume: ArrayLike<number>,
  bins: number,
  end = volume.length,
  from = 0,
): VolumeProfile | null {
  if (bins < 1 || end <= from) return null;
  let minPriceUsd = Number.POSITIVE_INFINITY;
  let maxPriceUsd = Number.NEGATIVE_INFINITY;
  for (let i = from; i < end; i++) {
    minPriceUsd = Math.min(minPriceUsd, low[i] as number);
    maxPriceUsd = Math.max(maxPriceUsd, high[i] as number);
  }
  if (!(maxPriceUsd > minPriceUsd)) return null;
  const binWidthUsd = (maxPriceUsd - minPriceUsd) / bins;
  const volumes = new Float64Array(bins);
  const binOf = (priceUsd: number) => Math.min(bins - 1, Math.max(0, Math.floor((priceUsd - minPriceUsd) / binWidthUsd)));
  for (let i = from; i < end; i++) {
    const barHigh = high[i] as number;
    const barLow = low[i] as number;
    const barVolume = volume[i] as number;
    if (!(barVolume > 0)) continue;
    const first = binOf(barLow);
    const last = binOf(barHigh);
    if (first === last) {
      volumes[first] = (volumes[first] as number) + barVolume;
      continue;
    }
    const perUsd = barVolume / (barHigh - barLow);
    for (let b = first; b <= last; b++) {
      const binLow = b === first ? barLow : minPriceUsd + b * binWidthUsd;
      const binHigh = b === last ? barHigh : minPriceUsd + (b + 1) * binWidthUsd;
      volumes[b] = (volumes[b] as number) + perUsd * Math.max(0, binHigh - binLow);
    }
  }
  return { minPriceUsd, binWidthUsd, volumes };
}

export interface VolumePeak {
  readonly bin: number;
  /** The bin's centre. */
  readonly priceUsd: number;
  readonly volume: number;
}

/**
 * The `count` strongest peaks (high-volume nodes) of a profile, strongest first. A peak is a local
 * maximum: above its left neighbour and not below its right one, so a plateau yields one peak (its
 * lowest bin). Equal volumes are ordered by price, lowest first, so the result is deterministic.
 */
export function topVolumePeaks(profile: VolumeProfile, count: number): VolumePeak[] {
  const { volumes, minPriceUsd, binWidthUsd } = profile;
  const peaks: VolumePeak[] = [];
  for (let b = 0; b < volumes.length; b++) {
    const v = volumes[b] as number;
    const left = b === 0 ? Number.NEGATIVE_INFINITY : (volumes[b - 1] as number);
    const right = b === volumes.length - 1 ? Number.NEGATIVE_INFINITY : (volumes[b + 1] as number);
    if (v > 0 && v > left && v >= right) peaks.push({ bin: b, priceUsd: minPriceUsd + (b + 0.5) * binWidthUsd, volume: v });
  }
  peaks.sort((a, b) => b.volume - a.volume || a.bin - b.bin);
  return peaks.slice(0, count);
}

/**
 * Cumulative volume delta of trades with tsMs in (fromMs, toMs]: buyer-initiated quantity minus
 * seller-initiated quantity. `sideSign` is +1 for a taker buy, −1 for a taker sell. The engine keeps the
 * same sum in per-second buckets (trade-flow-windows.ts); this is the plain definition it is tested against.
 */
export function cumulativeVolumeDelta(
  tsMs: ArrayLike<number>,
  qty: ArrayLike<number>,
  sideSign: ArrayLike<number>,
  fromMs: number,
  toMs: number,
): number {
  let delta = 0;
  for (let i = 0; i < tsMs.length; i++) {
    const t = tsMs[i] as number;
    if (t > fromMs && t <= toMs) delta += (qty[i] as number) * Math.sign(sideSign[i] as number);
  }
  return delta;
}
