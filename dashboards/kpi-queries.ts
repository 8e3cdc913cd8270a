// How each seed KPI is measured in PromQL, over the window ops/ gives it. The record is keyed by every
// KpiId, so a KPI added to ops/ does not compile until it has a query here.
import { INCIDENT_RECORDS } from "../alerts/groups/incidents.js";
import { KPIS, promDuration, type Kpi, type KpiId } from "../ops/index.js";
import { SCRAPED_SERVICES, acrossServices, histogramQuantile, increase, scrapedServicesMatcher } from "./lib/promql.js";
import { percentileOf } from "./lib/thresholds.js";

export interface KpiQuery {
  readonly expr: string;
  /** Legend template when the KPI is shown per series (uptime per service). */
  readonly legend?: string;
  /** How the value is obtained, for the panel description. */
  readonly how: string;
}

const windowOf = (kpi: Kpi): string => promDuration(kpi.windowSeconds);

/** successes / attempts of a counter over the KPI's window. */
const ratioOfIncreases = (numerator: string, denominator: string, window: string): string => `sum(${increase(numerator, window)}) / sum(${increase(denominator, window)})`;

const meanOfHistogram = (histogram: string, window: string): string => `sum(${increase(`${histogram}_sum`, window)}) / sum(${increase(`${histogram}_count`, window)})`;

const k = KPIS;

export const KPI_QUERIES: Readonly<Record<KpiId, KpiQuery>> = {
  uptime: {
    expr: `avg by (service) (avg_over_time(up{${scrapedServicesMatcher()}}[${windowOf(k.uptime)}]))`,
    legend: "{{service}}",
    how: "share of successful scrapes of each service",
  },
  signalProcessingLatencyP95: {
    expr: histogramQuantile(percentileOf(k.signalProcessingLatencyP95), "titan_brain_signal_processing_seconds", { window: windowOf(k.signalProcessingLatencyP95) }),
    how: "from the signal's timestamp to the commit of its decision and order command, in the brain",
  },
  websocketDeliveryLatencyP95: {
    expr: histogramQuantile(percentileOf(k.websocketDeliveryLatencyP95), "titan_console_websocket_delivery_seconds", { window: windowOf(k.websocketDeliveryLatencyP95) }),
    how: "from a bus event to its frame written to a browser's socket, in the console",
  },
  databaseQueryTimeAverage: {
    expr: `sum(${acrossServices(SCRAPED_SERVICES, "db_statement_duration_seconds_sum", (m) => increase(m, windowOf(k.databaseQueryTimeAverage)))}) / sum(${acrossServices(
      SCRAPED_SERVICES,
      "db_statement_duration_seconds_count",
      (m) => increase(m, windowOf(k.databaseQueryTimeAverage)),
    )})`,
    how: "mean duration of every PostgreSQL statement of every service",
  },
  positionTrackingAccuracy: {
    expr: ratioOfIncreases('titan_execution_reconciliation_runs_total{outcome="clean"}', 'titan_execution_reconciliation_runs_total{outcome=~"clean|mismatch"}', windowOf(k.positionTrackingAccuracy)),
    how: "reconciliations that found the shadow state equal to the exchange, out of those that compared (a run that could not reach the venue compares nothing)",
  },
  orderExecutionSuccessRate: {
    expr: ratioOfIncreases('titan_execution_orders_total{outcome="accepted"}', 'titan_execution_orders_total{outcome=~"accepted|rejected|failed"}', windowOf(k.orderExecutionSuccessRate)),
    how: "orders the venue accepted, out of those sent to it (refusals by pre-trade checks or the trading state are policy, not failures)",
  },
  riskLimitCompliance: {
    expr: `1 - sum(${increase("titan_brain_orders_outside_risk_limits_total", windowOf(k.riskLimitCompliance))}) / clamp_min(sum(${increase('titan_brain_decisions_total{outcome="approved"}', windowOf(k.riskLimitCompliance))}) or vector(0), 1)`,
    how: "approved orders that stayed inside every risk cap (the post-approval guard counts the others)",
  },
  circuitBreakerFalsePositives: {
    expr: `sum(${increase("titan_brain_breaker_false_positives_total", windowOf(k.circuitBreakerFalsePositives))})`,
    how: "breaker trips judged false by the operator who reset them",
  },
  meanTimeToDetection: {
    expr: meanOfHistogram("titan_incident_detection_seconds", windowOf(k.meanTimeToDetection)),
    how: "mean time from an incident's start to its first alert",
  },
  meanTimeToRecovery: {
    // Recorded by alerts/groups/incidents.ts from Prometheus's own ALERTS series, over this KPI's window.
    expr: INCIDENT_RECORDS.meanRecoverySeconds,
    how: "mean time from an incident's first page to its last page resolving (an incident: a period with at least one critical alert firing), from Prometheus's own alert state",
  },
  configurationChangeSuccessRate: {
    expr: ratioOfIncreases('titan_scavenger_config_changes_total{outcome="applied"}', 'titan_scavenger_config_changes_total{outcome=~"applied|failed"}', windowOf(k.configurationChangeSuccessRate)),
    how: "activations applied, out of those that were valid (a refused bad request is the guard working, not a failed change)",
  },
  backupSuccessRate: {
    expr: ratioOfIncreases('titan_backup_runs_total{outcome="succeeded"}', "titan_backup_runs_total", windowOf(k.backupSuccessRate)),
    how: "backup runs that succeeded, out of all runs",
  },
};
