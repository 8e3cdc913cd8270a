// Metrics an alert or a dashboard panel reads although nothing in the running stack produces them yet.
// One list for both: the alerts' live test and the dashboards' panel notes read it, and the tests fail
// once the code registers one of them, so the list shrinks as the metrics arrive.

export interface PendingMetric {
  /** The metric family as the code will register it (a histogram without `_bucket`). */
  readonly metric: string;
  /** The issue that adds it, or null when no issue owns it yet. */
  readonly issue: number | null;
  /** True when the code declares it but the local stack never gives it a sample (`why` says when it would). */
  readonly registered: boolean;
  readonly why: string;
}

export const PENDING_METRICS: ReadonlyArray<PendingMetric> = [
  {
    metric: "titan_execution_api_key_age_seconds",
    issue: 12,
    registered: true,
    why: "exported only while execution trades on a live venue (it asks the exchange when its key was created); the local stack trades on the paper venue, which has no key",
  },
  {
    metric: "titan_execution_venue_errors_total",
    issue: null,
    registered: true,
    why: "counted per error code the venue answers with, from the first error on; a healthy paper venue answers none, so the series never appears (execution could create the codes it maps, rate limit and timeouts among them, at 0)",
  },
];

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

const pendingOf = (series: string): PendingMetric | undefined =>
  PENDING_METRICS.find((p) => series === p.metric || (HISTOGRAM_SERIES.test(series) && series.replace(HISTOGRAM_SERIES, "") === p.metric));

/** True when `series` is a pending metric or one of its histogram series. */
export const isPendingMetric = (series: string): boolean => pendingOf(series) !== undefined;

/** Why a series is missing, for a panel's description; undefined when it is produced. */
export const pendingNoteFor = (series: string): string | undefined => {
  const pending = pendingOf(series);
  if (!pending) return undefined;
  return `${pending.why}${pending.issue === null ? "" : ` (issue ${pending.issue})`}`;
};
