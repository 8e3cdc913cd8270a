// Reads histograms out of Prometheus's text exposition (what a service's /metrics serves), and the
// difference of two scrapes: what happened between them.

export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Cumulative counts by upper bound (seconds), ascending, +Inf last. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  readonly count: number;
  readonly sum: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const parseLabels = (text: string | undefined): Record<string, string> => {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const m of text.matchAll(LABEL)) labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return labels;
};

const keyOf = (labels: Record<string, string>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");

/** Every series of histogram `name` in the exposition `text`, keyed by its labels (le aside). */
export const parseHistogram = (text: string, name: string): Map<string, HistogramSeries> => {
  const acc = new Map<string, { labels: Record<string, string>; buckets: Array<[number, number]>; count: number; sum: number }>();
  const entry = (labels: Record<string, string>) => {
    const key = keyOf(labels);
    let e = acc.get(key);
    if (!e) acc.set(key, (e = { labels, buckets: [], count: 0, sum: 0 }));
    return e;
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const m = SAMPLE.exec(line.trim());
    if (!m) continue;
    const [, metric, labelText, raw] = m;
    const value = Number(raw);
    const labels = parseLabels(labelText);
    if (metric === `${name}_bucket`) {
      const { le, ...rest } = labels;
      entry(rest).buckets.push([le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), value]);
    } else if (metric === `${name}_count`) entry(labels).count = value;
    else if (metric === `${name}_sum`) entry(labels).sum = value;
  }
  return new Map([...acc].map(([k, e]) => [k, { ...e, buckets: e.buckets.sort((a, b) => a[0] - b[0]) }]));
};

/** after − before, per series; series with no new observations are left out. */
export const histogramDelta = (before: ReadonlyMap<string, HistogramSeries>, after: ReadonlyMap<string, HistogramSeries>): HistogramSeries[] => {
  const out: HistogramSeries[] = [];
  for (const [key, a] of after) {
    const b = before.get(key);
    const count = a.count - (b?.count ?? 0);
    if (count <= 0) continue;
    const prior = new Map(b?.buckets ?? []);
    out.push({ labels: a.labels, count, sum: a.sum - (b?.sum ?? 0), buckets: a.buckets.map(([le, n]) => [le, n - (prior.get(le) ?? 0)] as const) });
  }
  return out;
};

/** The upper bound of the bucket holding quantile q: what a histogram can say about a percentile. */
export const bucketQuantileUpperBound = (series: HistogramSeries, q: number): number => {
  const rank = q * series.count;
  for (const [le, n] of series.buckets) if (n >= rank) return le;
  return Number.POSITIVE_INFINITY;
};
