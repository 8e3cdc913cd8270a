// The alert catalogue's public face: rule groups, renderers (rule files, PrometheusRule objects,
// Alertmanager configuration), the metrics the alerts read, and the runbook links.
export { ALERT_RULE_GROUPS, allAlerts, alertNames, buildRuleGroups } from "./catalogue.js";
export type { AlertArea, AlertRule, AlertSeverity, Capability, RecordingRule, RuleGroup, ServiceLabel } from "./model.js";
export { prometheusRuleObjects, renderRuleFiles, ruleFileDrift, ruleGroupObject, writeRuleFiles, type PrometheusRuleOptions, type RenderOptions } from "./render-rules.js";
export {
  RECEIVERS,
  ROUTE_TIMINGS,
  SERVICE_ABSENT_ALERTS,
  alertmanagerConfig,
  renderAlertmanagerConfig,
  type AlertmanagerOptions,
  type ReceiverIntegrations,
  type ReceiverRole,
  type RouteTiming,
} from "./alertmanager.js";
export { PENDING_METRICS, isPendingMetric, metricsReadByAlerts, metricsReadByRules, pendingNoteFor, type PendingMetric } from "./metrics.js";
export { DEPLOYMENTS, DEPLOYMENT_CAPABILITIES, appliesTo, isDeployment, type Deployment } from "./deployments.js";
export { DEFAULT_RUNBOOK_BASE_URL, runbookPath, runbookUrl } from "./runbook-url.js";
export { ALERT_OF_KPI, KPI_ALERTS } from "./groups/kpis.js";
export { SERVICE_ALERTS } from "./groups/services.js";
export { TRADING_ALERTS } from "./groups/trading.js";
export { SECURITY_ALERTS } from "./groups/security.js";
export { CAPACITY_ALERTS } from "./groups/capacity.js";
export { STACK_ALERTS } from "./groups/stack.js";
export { WATCHDOG_ALERT } from "./groups/watchdog.js";
export { JOB_ALERTS } from "./groups/jobs.js";
export { INCIDENT_RECORDS } from "./groups/incidents.js";
export { worstCaseDetectionSeconds, type DetectionInputs } from "./mttd.js";
