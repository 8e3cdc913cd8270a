// The monitoring stack's own parts: exporters, the Pushgateway, configuration reloads and rule
// evaluation. When one of them fails, other alerts go blind without a sound.
import { RATE_WINDOW_SECONDS, STACK_COMPONENT_FOR_SECONDS, STACK_JOBS, jobRegex } from "../config.js";
import { formatDuration } from "../format.js";
import { promDuration } from "../../ops/index.js";
import type { GroupSpec } from "../model.js";

export const STACK_ALERTS = {
  exporterDown: "TitanExporterDown",
  pushgatewayDown: "TitanPushgatewayDown",
  prometheusConfigReloadFailed: "TitanPrometheusConfigReloadFailed",
  alertmanagerConfigReloadFailed: "TitanAlertmanagerConfigReloadFailed",
  prometheusRuleEvaluationFailures: "TitanPrometheusRuleEvaluationFailures",
} as const;

const forSeconds = STACK_COMPONENT_FOR_SECONDS;
const window = promDuration(RATE_WINDOW_SECONDS);
const exporters = [STACK_JOBS.nodeExporter, STACK_JOBS.postgresExporter, STACK_JOBS.redisExporter];

export const STACK_GROUP: GroupSpec = {
  area: "stack",
  alerts: [
    {
      name: STACK_ALERTS.exporterDown,
      severity: "warning",
      expr: `up{${jobRegex(exporters)}} == 0`,
      forSeconds,
      summary: "The {{ $labels.job }} exporter is down",
      description: `Prometheus has not been able to scrape the {{ $labels.job }} exporter at {{ $labels.instance }} for ${formatDuration(forSeconds)}. The alerts that read it (host memory and disk, PostgreSQL down, Redis down) cannot fire meanwhile.`,
    },
    {
      name: STACK_ALERTS.pushgatewayDown,
      severity: "warning",
      expr: `up{job="${STACK_JOBS.pushgateway}"} == 0`,
      forSeconds,
      summary: "The Pushgateway is down",
      description: `Prometheus has not been able to scrape the Pushgateway at {{ $labels.instance }} for ${formatDuration(forSeconds)}. Batch jobs (ai-quant) cannot report their runs, and their last results are not visible.`,
    },
    {
      name: STACK_ALERTS.prometheusConfigReloadFailed,
      severity: "warning",
      expr: `prometheus_config_last_reload_successful{job="${STACK_JOBS.prometheus}"} == 0`,
      forSeconds,
      summary: "Prometheus failed to reload its configuration",
      description: `Prometheus at {{ $labels.instance }} has been running on its previous configuration for ${formatDuration(forSeconds)} because the last reload failed. Changed scrape targets or alert rules are not in force.`,
    },
    {
      name: STACK_ALERTS.alertmanagerConfigReloadFailed,
      severity: "warning",
      expr: `alertmanager_config_last_reload_successful{job="${STACK_JOBS.alertmanager}"} == 0`,
      forSeconds,
      summary: "Alertmanager failed to reload its configuration",
      description: `Alertmanager at {{ $labels.instance }} has been running on its previous configuration for ${formatDuration(forSeconds)} because the last reload failed. Changed routes, receivers or inhibitions are not in force.`,
    },
    {
      name: STACK_ALERTS.prometheusRuleEvaluationFailures,
      severity: "warning",
      expr: `sum by (instance, rule_group) (increase(prometheus_rule_evaluation_failures_total{job="${STACK_JOBS.prometheus}"}[${window}])) > 0`,
      forSeconds,
      summary: "Rules of group {{ $labels.rule_group }} fail to evaluate",
      description: `Prometheus at {{ $labels.instance }} failed {{ $value | printf "%.0f" }} rule evaluation(s) of {{ $labels.rule_group }} in the last ${window}, for ${formatDuration(forSeconds)}. An alert whose rule fails never fires.`,
    },
  ],
};
