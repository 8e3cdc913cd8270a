// The metrics the alerts read, for the live test (every one must have samples in the running stack)
// and for the dashboards; the ones nothing produces yet are in pending-metrics.ts.
import { buildRuleGroups } from "./catalogue.js";
import type { Deployment } from "./deployments.js";
import { isPendingMetric } from "./pending-metrics.js";
import { metricNamesIn, templateQueries } from "./promql.js";

export { PENDING_METRICS, isPendingMetric, pendingNoteFor, type PendingMetric } from "./pending-metrics.js";

/** Every metric an expression or annotation query of the catalogue selects, recording rules' outputs excepted. */
export const metricsReadByRules = (deployment: Deployment = "local"): string[] => {
  const groups = buildRuleGroups(undefined, deployment);
  const exprs = groups.flatMap((g) => [
    ...g.recordingRules.map((r) => r.expr),
    ...g.alerts.flatMap((a) => [a.expr, ...Object.values(a.annotations).flatMap(templateQueries), ...Object.values(a.labels).flatMap(templateQueries)]),
  ]);
  const recorded = new Set(groups.flatMap((g) => g.recordingRules.map((r) => r.record)));
  return [...new Set(exprs.flatMap(metricNamesIn))].filter((m) => !recorded.has(m)).sort();
};

/** What the live stack must expose: metricsReadByRules() minus PENDING_METRICS. */
export const metricsReadByAlerts = (deployment: Deployment = "local"): string[] => metricsReadByRules(deployment).filter((m) => !isPendingMetric(m));
