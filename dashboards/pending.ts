// Metrics the dashboards already show although no service emits them yet: each KPI of the seed has a
// panel from day one, and the panel's description says what brings its metric. Same shape as the
// alerts' list (alerts/metrics.ts). A test fails once the code registers one of them, so the list
// shrinks as the metrics arrive.

export interface PendingMetric {
  /** The metric family as the code will register it (a histogram without `_bucket`). */
  readonly metric: string;
  /** The issue that adds it, or null when no issue owns it yet. */
  readonly issue: number | null;
  readonly why: string;
}

export const PENDING_METRICS: ReadonlyArray<PendingMetric> = [
  { metric: "titan_incident_detection_seconds", issue: null, why: "time from an incident's start to its first alert, recorded when an incident is closed (KPI: MTTD); there is no incident record yet and no issue owns it" },
  { metric: "titan_incident_recovery_seconds", issue: null, why: "time from an incident's first alert to recovery, recorded when an incident is closed (KPI: MTTR); there is no incident record yet and no issue owns it" },
];

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

const pendingOf = (series: string): PendingMetric | undefined =>
  PENDING_METRICS.find((p) => series === p.metric || (HISTOGRAM_SERIES.test(series) && series.replace(HISTOGRAM_SERIES, "") === p.metric));

/** True when `series` is a pending metric or one of its histogram series. */
export const isPendingMetric = (series: string): boolean => pendingOf(series) !== undefined;

/** Why a series is missing, for a panel's description; undefined when it is live. */
export const pendingNoteFor = (series: string): string | undefined => {
  const pending = pendingOf(series);
  if (!pending) return undefined;
  return `${pending.why}${pending.issue === null ? "" : ` (issue ${pending.issue})`}`;
};
