// One alert for each KPI of the seed that has a threshold Prometheus can judge, plus the seed's
// "High Latency" warning, which reads the same p95 as the signal-latency KPI.
import { ALERT_THRESHOLDS, KPIS, promDuration, snakeName, type KpiId } from "../../ops/index.js";
import { CORE_SERVICES, LATENCY_KPI_QUANTILE, SCRAPED_SERVICES, jobRegex } from "../config.js";
import { formatDuration, formatRatio, formatSeconds } from "../format.js";
import type { AlertSpec, GroupSpec, RecordingRule } from "../model.js";
import { BACKUP_ALERTS } from "./backups.js";
import { INCIDENT_ALERTS } from "./incidents.js";
import { TRADING_ALERTS } from "./trading.js";

export const KPI_ALERTS = {
  signalLatencyHigh: "TitanSignalLatencyHigh",
  signalLatencyAboveKpi: "TitanSignalLatencyAboveKpi",
  websocketDeliveryAboveKpi: "TitanWebSocketDeliveryAboveKpi",
  databaseQueryTimeAboveKpi: "TitanDatabaseQueryTimeAboveKpi",
  orderSuccessRateBelowKpi: "TitanOrderSuccessRateBelowKpi",
  uptimeBelowKpi: "TitanUptimeBelowKpi",
  breakerFalsePositivesAboveKpi: "TitanBreakerFalsePositivesAboveKpi",
  riskLimitComplianceBelowKpi: "TitanRiskLimitComplianceBelowKpi",
} as const;

/**
 * Which alert watches each KPI, or why none does. Dashboards and docs read this; a test keeps it
 * complete.
 */
export const ALERT_OF_KPI: Readonly<Record<KpiId, { readonly alert: string } | { readonly none: string }>> = {
  uptime: { alert: KPI_ALERTS.uptimeBelowKpi },
  signalProcessingLatencyP95: { alert: KPI_ALERTS.signalLatencyAboveKpi },
  websocketDeliveryLatencyP95: { alert: KPI_ALERTS.websocketDeliveryAboveKpi },
  databaseQueryTimeAverage: { alert: KPI_ALERTS.databaseQueryTimeAboveKpi },
  positionTrackingAccuracy: { alert: TRADING_ALERTS.positionMismatch },
  orderExecutionSuccessRate: { alert: KPI_ALERTS.orderSuccessRateBelowKpi },
  riskLimitCompliance: { alert: KPI_ALERTS.riskLimitComplianceBelowKpi },
  circuitBreakerFalsePositives: { alert: KPI_ALERTS.breakerFalsePositivesAboveKpi },
  meanTimeToDetection: { none: "needs the fault's start, which Prometheus never sees: the console's incident record observes titan_incident_detection_seconds per closed incident (dashboards read it); each critical alert's own delay is bounded by the worst-case detection test" },
  meanTimeToRecovery: { alert: INCIDENT_ALERTS.mttrAboveKpi },
  configurationChangeSuccessRate: { none: "reviewed monthly from the audit log of configuration changes" },
  backupSuccessRate: { alert: BACKUP_ALERTS.backupSuccessRateBelowKpi },
};

const quantileRecord = (metric: string, windowSeconds: number): string => `service:${metric}:p${LATENCY_KPI_QUANTILE * 100}_${promDuration(windowSeconds)}`;

const quantileRule = (metric: string, windowSeconds: number): RecordingRule => ({
  record: quantileRecord(metric, windowSeconds),
  expr: `histogram_quantile(${LATENCY_KPI_QUANTILE}, sum by (service, le) (rate(${metric}_bucket[${promDuration(windowSeconds)}])))`,
});

const SIGNAL = "titan_brain_signal_processing_seconds";
const WEBSOCKET = "titan_console_websocket_delivery_seconds";
const high = ALERT_THRESHOLDS.highSignalLatencySeconds;
const kpiFor = ALERT_THRESHOLDS.kpiBreachForSeconds.forSeconds;
const { signalProcessingLatencyP95: signalKpi, websocketDeliveryLatencyP95: wsKpi, databaseQueryTimeAverage: dbKpi } = KPIS;
const { orderExecutionSuccessRate: ordersKpi, uptime: uptimeKpi, circuitBreakerFalsePositives: fpKpi, riskLimitCompliance: riskKpi } = KPIS;

const dbAverageRecord = `service:titan_db_statement_duration_seconds:avg_${promDuration(dbKpi.windowSeconds)}`;
const ordersWindow = promDuration(ordersKpi.windowSeconds);
const orderSuccessRecord = `service_venue:titan_execution_orders:success_ratio_${ordersWindow}`;

// Any order outside a risk limit breaks a 100 % compliance KPI; a looser KPI would need a ratio.
if (riskKpi.threshold !== 1) throw new Error(`alerts/kpis: the risk-limit alert assumes 100 % compliance, ops/ says ${riskKpi.threshold}`);

const recordingRules: RecordingRule[] = [
  ...new Map(
    [quantileRule(SIGNAL, high.windowSeconds), quantileRule(SIGNAL, signalKpi.windowSeconds), quantileRule(WEBSOCKET, wsKpi.windowSeconds)].map((r) => [r.record, r]),
  ).values(),
  ...SCRAPED_SERVICES.map((service) => {
    const metric = `titan_${snakeName(service)}_db_statement_duration_seconds`;
    const w = promDuration(dbKpi.windowSeconds);
    return { record: dbAverageRecord, expr: `sum by (service) (rate(${metric}_sum[${w}])) / sum by (service) (rate(${metric}_count[${w}]))`, labels: { service } };
  }),
  {
    // 1 − rejected / sent (accepted + rejected): with no rejection the series is absent, which is a pass.
    record: orderSuccessRecord,
    expr: `1 - (sum by (service, venue) (increase(titan_execution_orders_total{outcome="rejected"}[${ordersWindow}])) / sum by (service, venue) (increase(titan_execution_orders_total{outcome=~"accepted|rejected"}[${ordersWindow}])))`,
  },
];

const kpiNote = (id: KpiId): string => `KPI: ${KPIS[id].title}.`;

const alerts: AlertSpec[] = [
  {
    name: KPI_ALERTS.signalLatencyHigh,
    severity: "warning",
    service: "brain",
    expr: `${quantileRecord(SIGNAL, high.windowSeconds)} > ${high.value}`,
    forSeconds: high.forSeconds,
    summary: "Signal processing p95 is {{ $value | humanizeDuration }}",
    description: `The brain's p95 signal processing time (signal timestamp to committed decision, over ${promDuration(high.windowSeconds)}) has been above ${formatSeconds(high.value)} for ${formatDuration(high.forSeconds)} (now {{ $value | humanizeDuration }}). Signals act on stale prices; traps may fire late.`,
  },
  {
    name: KPI_ALERTS.signalLatencyAboveKpi,
    severity: "warning",
    service: "brain",
    expr: `${quantileRecord(SIGNAL, signalKpi.windowSeconds)} > ${signalKpi.threshold}`,
    forSeconds: kpiFor,
    summary: "Signal processing p95 {{ $value | humanizeDuration }} is above the KPI",
    description: `The brain's p95 signal processing time over ${promDuration(signalKpi.windowSeconds)} has been above the KPI of ${formatSeconds(signalKpi.threshold)} for ${formatDuration(kpiFor)} (now {{ $value | humanizeDuration }}). ${kpiNote("signalProcessingLatencyP95")}`,
  },
  {
    name: KPI_ALERTS.websocketDeliveryAboveKpi,
    severity: "warning",
    service: "console",
    expr: `${quantileRecord(WEBSOCKET, wsKpi.windowSeconds)} > ${wsKpi.threshold}`,
    forSeconds: kpiFor,
    summary: "Console WebSocket delivery p95 {{ $value | humanizeDuration }} is above the KPI",
    description: `The console's p95 WebSocket delivery time to browsers over ${promDuration(wsKpi.windowSeconds)} has been above the KPI of ${formatSeconds(wsKpi.threshold)} for ${formatDuration(kpiFor)} (now {{ $value | humanizeDuration }}). Operators see the market and positions late. ${kpiNote("websocketDeliveryLatencyP95")}`,
  },
  {
    name: KPI_ALERTS.databaseQueryTimeAboveKpi,
    severity: "warning",
    service: "by-series",
    expr: `${dbAverageRecord} > ${dbKpi.threshold}`,
    forSeconds: kpiFor,
    summary: "{{ $labels.service }}'s average database statement takes {{ $value | humanizeDuration }}",
    description: `{{ $labels.service }}'s PostgreSQL statements have averaged more than the KPI of ${formatSeconds(dbKpi.threshold)} over ${promDuration(dbKpi.windowSeconds)} for ${formatDuration(kpiFor)} (now {{ $value | humanizeDuration }}). Every hot path waits on them. ${kpiNote("databaseQueryTimeAverage")}`,
  },
  {
    name: KPI_ALERTS.orderSuccessRateBelowKpi,
    severity: "warning",
    service: "execution",
    expr: `${orderSuccessRecord} < ${ordersKpi.threshold}`,
    forSeconds: kpiFor,
    summary: "Order success rate {{ $value | humanizePercentage }} is below the KPI",
    description: `Of the orders execution sent to {{ $labels.venue }} in the last ${promDuration(ordersKpi.windowSeconds)}, {{ $value | humanizePercentage }} were accepted, below the KPI of ${formatRatio(ordersKpi.threshold)}. ${kpiNote("orderExecutionSuccessRate")}`,
  },
  {
    name: KPI_ALERTS.uptimeBelowKpi,
    severity: "warning",
    service: "by-series",
    expr: `max by (job) (avg_over_time(up{${jobRegex(CORE_SERVICES)}}[${promDuration(uptimeKpi.windowSeconds)}])) < ${uptimeKpi.threshold}`,
    forSeconds: kpiFor,
    labels: { service: "{{ $labels.job }}" },
    summary: "{{ $labels.job }} uptime {{ $value | humanizePercentage }} is below the KPI",
    description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of its scrapes over the last ${promDuration(uptimeKpi.windowSeconds)}, below the KPI of ${formatRatio(uptimeKpi.threshold)} (aim ${formatRatio(uptimeKpi.aim ?? uptimeKpi.threshold)}). The month's error budget is spent. ${kpiNote("uptime")}`,
  },
  {
    name: KPI_ALERTS.breakerFalsePositivesAboveKpi,
    severity: "warning",
    service: "brain",
    expr: `sum by (service) (increase(titan_brain_breaker_false_positives_total[${promDuration(fpKpi.windowSeconds)}])) > ${fpKpi.threshold}`,
    forSeconds: kpiFor,
    summary: "Circuit-breaker false positives are above the KPI",
    description: `{{ $value | printf "%.0f" }} circuit-breaker trip(s) were recorded as false positives in the last ${promDuration(fpKpi.windowSeconds)}; the KPI allows at most ${fpKpi.threshold} per ${promDuration(fpKpi.windowSeconds)}. The breaker's thresholds need review. ${kpiNote("circuitBreakerFalsePositives")}`,
  },
  {
    name: KPI_ALERTS.riskLimitComplianceBelowKpi,
    severity: "warning",
    service: "brain",
    expr: `sum by (service) (increase(titan_brain_orders_outside_risk_limits_total[${promDuration(riskKpi.windowSeconds)}])) > 0`,
    forSeconds: kpiFor,
    summary: "An approved order broke a risk limit",
    description: `The brain's post-approval guard refused {{ $value | printf "%.0f" }} order command(s) in the last ${promDuration(riskKpi.windowSeconds)} for breaking a risk cap. The guard stopped them, but the decision logic approved them: compliance is below ${formatRatio(riskKpi.threshold)}. ${kpiNote("riskLimitCompliance")}`,
  },
];

export const KPIS_GROUP: GroupSpec = { area: "kpis", recordingRules, alerts };
