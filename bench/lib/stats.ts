// Latency summaries: exact percentiles over every sample (nearest-rank), never estimated from buckets,
// so a p99 is a latency that some message really had.

export interface LatencySummary {
  readonly count: number;
  readonly minSeconds: number;
  readonly meanSeconds: number;
  readonly p50Seconds: number;
  readonly p95Seconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..1); the smallest sample for p = 0. */
export const percentileOfSorted = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) throw new RangeError("percentile of no samples");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be within 0..1, got ${p}`);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] as number;
};

/** Summary of latencies in seconds; undefined when there are none. */
export const summariseLatencies = (samplesSeconds: readonly number[]): LatencySummary | undefined => {
  if (samplesSeconds.length === 0) return undefined;
  for (const s of samplesSeconds) if (!Number.isFinite(s)) throw new RangeError(`latency sample is not a finite number: ${s}`);
  const sorted = Float64Array.from(samplesSeconds).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    count: sorted.length,
    minSeconds: sorted[0] as number,
    meanSeconds: sum / sorted.length,
    p50Seconds: percentileOfSorted(sorted, 0.5),
    p95Seconds: percentileOfSorted(sorted, 0.95),
    p99Seconds: percentileOfSorted(sorted, 0.99),
    maxSeconds: sorted[sorted.length - 1] as number,
  };
};

/** Events per second over a span; 0 for an empty or instantaneous span. */
export const ratePerSecond = (events: number, spanMs: number): number => (spanMs > 0 ? (events * 1000) / spanMs : 0);

/** "12.3 ms", "850 µs", "1.20 s": a latency a human reads at a glance. */
export const formatSeconds = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return String(seconds);
  const abs = Math.abs(seconds);
  if (abs >= 1) return `${seconds.toFixed(2)} s`;
  if (abs >= 0.001) return `${(seconds * 1000).toFixed(abs >= 0.1 ? 0 : 1)} ms`;
  return `${Math.round(seconds * 1e6)} µs`;
};

/** "12.3 M/s", "340/s". */
export const formatRate = (perSecond: number): string => {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(0)} k/s`;
  return `${perSecond.toFixed(0)}/s`;
};
