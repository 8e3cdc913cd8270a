// Path 3: the hot-path database statements, as the services themselves time them
// (titan_<service>_db_statement_duration_seconds, client side: round trip plus any wait for a pooled
// connection), scraped from each service before each signal load and after the last; each difference is
// what one load ran (its settling included), so the 1000/s overload no longer colours the 100/s figure.
// db-server-time.ts gives the same statements' time inside PostgreSQL. The mean is exact (sum / count);
// percentiles are the histogram's bucket upper bounds.
import type { BenchStack, LongRunningService } from "../lib/stack.js";
import { bucketQuantileUpperBound, histogramDelta, parseHistogram, type HistogramSeries } from "../lib/prom-text.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";
import { formatSeconds } from "../lib/stats.js";
import type { SignalLoad } from "./signal-to-order.js";

/** The services on the signal path: their statements are the hot path. */
export const HOT_PATH_SERVICES = ["scavenger", "brain", "execution"] as const satisfies readonly LongRunningService[];

export type StatementScrape = ReadonlyMap<string, ReadonlyMap<string, HistogramSeries>>;

const metricName = (service: string): string => `titan_${service}_db_statement_duration_seconds`;

export const scrapeStatements = async (stack: BenchStack): Promise<StatementScrape> => {
  const out = new Map<string, Map<string, HistogramSeries>>();
  for (const service of HOT_PATH_SERVICES) {
    const res = await stack.get(`${stack.serviceUrl(service)}/metrics`);
    if (res.status !== 200) throw new Error(`${service} /metrics answered ${res.status}`);
    out.set(service, parseHistogram(res.text, metricName(service)));
  }
  return out;
};

export interface StatementFigure {
  readonly service: string;
  readonly statement: string;
  readonly count: number;
  readonly meanSeconds: number;
  readonly p99UpperBoundSeconds: number;
  readonly totalSeconds: number;
}

/** Merges series (outcomes, statements) into one histogram: same bucket bounds everywhere. */
const merge = (series: readonly HistogramSeries[]): HistogramSeries => {
  const buckets = new Map<number, number>();
  for (const s of series) for (const [le, n] of s.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  return {
    labels: {},
    count: series.reduce((a, s) => a + s.count, 0),
    sum: series.reduce((a, s) => a + s.sum, 0),
    buckets: [...buckets].sort((a, b) => a[0] - b[0]),
  };
};

export const statementFigures = (before: StatementScrape, after: StatementScrape): { all: HistogramSeries; statements: StatementFigure[] } => {
  const deltas: Array<{ service: string; series: HistogramSeries }> = [];
  for (const [service, series] of after) for (const d of histogramDelta(before.get(service) ?? new Map(), series)) deltas.push({ service, series: d });
  const byStatement = new Map<string, { service: string; statement: string; series: HistogramSeries[] }>();
  for (const { service, series } of deltas) {
    const statement = series.labels.statement ?? "?";
    const key = `${service}/${statement}`;
    const e = byStatement.get(key) ?? { service, statement, series: [] };
    e.series.push(series);
    byStatement.set(key, e);
  }
  const statements = [...byStatement.values()]
    .map(({ service, statement, series }) => {
      const m = merge(series);
      return { service, statement, count: m.count, meanSeconds: m.sum / m.count, p99UpperBoundSeconds: bucketQuantileUpperBound(m, 0.99), totalSeconds: m.sum };
    })
    .sort((a, b) => b.totalSeconds - a.totalSeconds);
  return { all: merge(deltas.map((d) => d.series)), statements };
};

/** The statements the hot-path services ran during one signal load (from its start to the next load's, settling included). */
export const dbStatementsRow = (before: StatementScrape, after: StatementScrape, load: SignalLoad, quick: boolean): ResultRow => {
  const { all, statements } = statementFigures(before, after);
  const loadLabel = `${load.ratePerSecond}/s × ${load.seconds} s`;
  const id = `db:${load.ratePerSecond}`;
  const title = `hot-path database statements, ${load.ratePerSecond}/s`;
  if (all.count === 0) {
    return { id, path: "db", title, status: "failed", unit: "seconds", targets: [], notes: [`no statement ran during ${loadLabel}`] };
  }
  const bound = (q: number) => bucketQuantileUpperBound(all, q);
  // The bucket every observation is at or below: the histogram's word for the maximum.
  const latency = { count: all.count, minSeconds: 0, meanSeconds: all.sum / all.count, p50Seconds: bound(0.5), p95Seconds: bound(0.95), p99Seconds: bound(0.99), maxSeconds: bound(1) };
  const top = statements.slice(0, 8);
  return {
    id,
    path: "db",
    title,
    status: "measured",
    unit: "seconds",
    latency,
    latencyFromBuckets: true,
    targets: quick ? [] : judge({ latency }, TARGETS.dbStatements),
    notes: [
      `${all.count.toLocaleString("en-US")} statements of ${HOT_PATH_SERVICES.join(", ")} during ${loadLabel}; mean ${formatSeconds(latency.meanSeconds)} (exact), percentiles are bucket upper bounds`,
      `most time: ${top.map((s) => `${s.service}/${s.statement} ×${s.count} mean ${formatSeconds(s.meanSeconds)}`).join("; ")}`,
    ],
    details: { statements },
  };
};
