// The few statistics the brain needs, written once: Sharpe, correlation, beta and VaR all build on these.
// Functions that need more data than they were given answer null rather than a made-up figure.

export const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);

/** Sample variance (n − 1); null below two values. */
export function sampleVariance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  return values.reduce((acc, v) => acc + (v - m) ** 2, 0) / (values.length - 1);
}

export function sampleStdev(values: readonly number[]): number | null {
  const variance = sampleVariance(values);
  return variance === null ? null : Math.sqrt(variance);
}

/** Sample covariance of two equally long series; null below two pairs. */
export function sampleCovariance(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new RangeError(`series lengths differ (${xs.length} and ${ys.length})`);
  if (xs.length < 2) return null;
  const mx = mean(xs);
  const my = mean(ys);
  let acc = 0;
  for (let i = 0; i < xs.length; i++) acc += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  return acc / (xs.length - 1);
}

/** Relative to the series' own scale: a flat series computed through floating point is not exactly flat. */
export const isFlat = (values: readonly number[], variance: number): boolean => {
  const scale = values.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
  return variance <= (scale * 1e-12) ** 2;
};

/** Pearson correlation in [−1, 1]; null below two pairs or when either series is flat. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const cov = sampleCovariance(xs, ys);
  const vx = sampleVariance(xs);
  const vy = sampleVariance(ys);
  if (cov === null || vx === null || vy === null || isFlat(xs, vx) || isFlat(ys, vy)) return null;
  return Math.min(1, Math.max(-1, cov / Math.sqrt(vx * vy)));
}

/** Simple returns p[i] / p[i − 1] − 1. */
export function simpleReturns(prices: readonly number[]): number[] {
  const returns: number[] = [];
  for (let i = 1; i < prices.length; i++) returns.push((prices[i] as number) / (prices[i - 1] as number) - 1);
  return returns;
}

/**
 * The empirical lower quantile used by historical VaR: the ⌈n·level⌉-th smallest value (1-based), so a
 * 5 % tail of 20 scenarios is the single worst one. Conservative: it never interpolates towards the middle.
 */
export function lowerQuantile(values: readonly number[], level: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[lowerQuantileIndex(sorted.length, level)] as number;
}

/** Where lowerQuantile's value sits in `count` sorted values (count ≥ 1). */
export function lowerQuantileIndex(count: number, level: number): number {
  // 1 − 0.95 is 0.05000000000000004 in floating point: without the tolerance 20 × it would round up to 2.
  return Math.min(count - 1, Math.max(0, Math.ceil(count * level - 1e-9) - 1));
}

/**
 * lowerQuantile of numbers in a Float64Array, which it reorders (pass a copy you own): a selection in
 * linear time instead of a sort. NaN has no place in an order, so a series holding one is answered by
 * lowerQuantile itself.
 */
export function lowerQuantileInPlace(values: Float64Array, level: number): number | null {
  if (values.length === 0) return null;
  for (const v of values) if (Number.isNaN(v)) return lowerQuantile([...values], level);
  return kthSmallestInPlace(values, lowerQuantileIndex(values.length, level));
}

/** The value a sort would put at `k` (Hoare's selection, median-of-three pivots); reorders `values`. */
function kthSmallestInPlace(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b, c] = [values[lo] as number, values[mid] as number, values[hi] as number];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const t = values[i] as number;
        values[i] = values[j] as number;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k] as number;
  }
  return values[k] as number;
}
