// The metrics the alerts read, for the live test (every one must have samples in the running stack)
// and for the dashboards, and the ones no service exports yet.
import { buildRuleGroups } from "./catalogue.js";
import { metricNamesIn, templateQueries } from "./promql.js";

export interface PendingMetric {
  readonly metric: string;
  /** The issue that adds it. */
  readonly issue: number;
  readonly why: string;
}

/** Metrics alerts read that no service exports yet; the live test skips exactly these and prints them. */
export const PENDING_METRICS: ReadonlyArray<PendingMetric> = [
  { metric: "titan_execution_api_key_age_seconds", issue: 12, why: "exported only while execution trades on a live venue (it asks the exchange when its key was created); the local stack trades on the paper venue, which has no key" },
  ...["titan_backup_last_run_outcome_state", "titan_backup_last_success_timestamp_seconds", "titan_backup_interval_seconds", "titan_backup_runs_total"].map((metric) => ({ metric, issue: 12, why: "pushed by the backup scheduler (services/backup/main.ts), which the stack runs once ecosystem.config.cjs and PM2_APPS list its PM2 app `backup`" })),
];

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** True when `name` is a pending metric or one of its histogram series. */
export const isPendingMetric = (name: string): boolean =>
  PENDING_METRICS.some((p) => name === p.metric || (HISTOGRAM_SERIES.test(name) && name.replace(HISTOGRAM_SERIES, "") === p.metric));

/** Every metric an expression or annotation query of the catalogue selects, recording rules' outputs excepted. */
export const metricsReadByRules = (): string[] => {
  const groups = buildRuleGroups();
  const exprs = groups.flatMap((g) => [
    ...g.recordingRules.map((r) => r.expr),
    ...g.alerts.flatMap((a) => [a.expr, ...Object.values(a.annotations).flatMap(templateQueries), ...Object.values(a.labels).flatMap(templateQueries)]),
  ]);
  const recorded = new Set(groups.flatMap((g) => g.recordingRules.map((r) => r.record)));
  return [...new Set(exprs.flatMap(metricNamesIn))].filter((m) => !recorded.has(m)).sort();
};

/** What the live stack must expose: metricsReadByRules() minus PENDING_METRICS. */
export const metricsReadByAlerts = (): string[] => metricsReadByRules().filter((m) => !isPendingMetric(m));
