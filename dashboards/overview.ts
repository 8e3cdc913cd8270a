// Overview: is everything up, may we trade, and every seed KPI against its target from ops/.
import { pendingNoteFor } from "../alerts/pending-metrics.js";
import { ALERT_THRESHOLDS, KPI_LIST, KPIS, promDuration, type Kpi } from "../ops/index.js";
import { KPI_QUERIES } from "./kpi-queries.js";
import { duration, kpiTarget } from "./lib/format.js";
import { SCRAPED_SERVICES, acrossServices, histogramQuantile, increase, metricNamesIn, scrapedServicesMatcher, sumBy } from "./lib/promql.js";
import { COLORS, type DashboardSpec, type PanelSpec, type RowSpec } from "./lib/spec.js";
import { kpiSteps, percentileOf, upperLimits } from "./lib/thresholds.js";
import { TRADING_STATE_TEXTS, TRIPPED_TEXTS, UP_TEXTS } from "./lib/value-texts.js";

const KPI_UNIT: Readonly<Record<Kpi["unit"], string>> = { ratio: "percentunit", seconds: "s", count: "short" };

/** What a KPI panel says about itself: the seed's words, the target, how it is measured, and what is missing. */
const kpiDescription = (kpi: Kpi): string => {
  const query = KPI_QUERIES[kpi.id];
  const pending = metricNamesIn(query.expr)
    .map((name) => ({ name, note: pendingNoteFor(name) }))
    .filter((p): p is { name: string; note: string } => p.note !== undefined);
  const source = kpi.provenance.kind === "decision" ? kpi.provenance.reason : kpi.provenance.section;
  const lines = [`Seed KPI (${source}). Target ${kpiTarget(kpi)}. Measured as the ${query.how}.`];
  if (pending.length > 0) lines.push(`Not emitted yet, so this panel shows no data: ${pending.map((p) => `${p.name}: ${p.note}`).join("; ")}.`);
  return lines.join(" ");
};

export const kpiPanel = (kpi: Kpi): PanelSpec => ({
  kind: "stat",
  title: kpi.title,
  description: kpiDescription(kpi),
  unit: KPI_UNIT[kpi.unit],
  targets: [{ expr: KPI_QUERIES[kpi.id].expr, instant: true, ...(KPI_QUERIES[kpi.id].legend ? { legend: KPI_QUERIES[kpi.id].legend } : {}) }],
  thresholds: kpiSteps(kpi),
  width: 6,
  height: 5,
  decimals: kpi.unit === "ratio" ? 3 : 2,
  noValue: "no data yet",
});

const kpiRow = (title: string, group: Kpi["group"]): RowSpec => ({ title, panels: KPI_LIST.filter((kpi) => kpi.group === group).map(kpiPanel) });

const health: RowSpec = {
  title: "Now",
  panels: [
    {
      kind: "stat",
      title: "Services up",
      description: "Whether Prometheus can scrape each service (the service-down alert reads the same series).",
      unit: "none",
      targets: [{ expr: `up{${scrapedServicesMatcher()}}`, legend: "{{service}}", instant: true }],
      valueTexts: UP_TEXTS,
      thresholds: [{ value: null, color: COLORS.bad }, { value: 1, color: COLORS.ok }],
      width: 12,
      height: 4,
    },
    {
      kind: "stat",
      title: "Trading state",
      description: "The effective trading state the brain publishes (ACTIVE, REDUCING, HALTED) and, beside it, the state execution enforces. `titanctl state` shows the causes.",
      unit: "none",
      targets: [
        { expr: "titan_brain_trading_state", legend: "brain", instant: true },
        { expr: "titan_execution_trading_state", legend: "execution", instant: true },
      ],
      valueTexts: TRADING_STATE_TEXTS,
      width: 6,
      height: 4,
    },
    {
      kind: "stat",
      title: "Circuit breaker",
      description: "Whether the HARD or SOFT breaker is tripped. `titanctl breaker status` shows why and the figures it watches.",
      unit: "none",
      targets: [{ expr: "titan_brain_breaker_tripped_state", legend: "{{type}}", instant: true }],
      valueTexts: TRIPPED_TEXTS,
      thresholds: [{ value: null, color: COLORS.ok }, { value: 1, color: COLORS.bad }],
      width: 6,
      height: 4,
    },
  ],
};

const auth = ALERT_THRESHOLDS.authFailuresPerWindow;

const monitoring: RowSpec = {
  title: "Security and monitoring",
  panels: [
    {
      kind: "timeseries",
      title: "Refused authentications",
      description: `Rejected authentication or authorisation attempts per ${duration(auth.windowSeconds)}, by service and reason. Above the line (${auth.value}) the security-breach alert fires.`,
      unit: "short",
      targets: [{ expr: sumBy(["service", "reason"], acrossServices(SCRAPED_SERVICES, "auth_failures_total", (m) => increase(m, promDuration(auth.windowSeconds)))), legend: "{{service}} {{reason}}" }],
      thresholds: upperLimits({ value: auth.value, color: COLORS.bad }),
      min: 0,
      width: 12,
    },
    {
      kind: "stat",
      title: "Alerts firing by severity",
      description: "Alerts Prometheus holds as firing, by severity (critical pages, warning opens a ticket, info goes to the daily review). The dead man's switch always fires: it proves the pipeline works.",
      unit: "short",
      targets: [{ expr: 'count by (severity) (ALERTS{alertstate="firing"})', legend: "{{severity}}", instant: true }],
      noValue: "none firing",
      decimals: 0,
      width: 6,
    },
    {
      kind: "stat",
      title: "Scrape targets up",
      description: "Every target Prometheus scrapes (services, exporters, Pushgateway, Alertmanager, itself).",
      unit: "none",
      targets: [{ expr: "min by (job) (up)", legend: "{{job}}", instant: true }],
      valueTexts: UP_TEXTS,
      thresholds: [{ value: null, color: COLORS.bad }, { value: 1, color: COLORS.ok }],
      width: 6,
    },
  ],
};

const signal = KPIS.signalProcessingLatencyP95;
const websocket = KPIS.websocketDeliveryLatencyP95;
const database = KPIS.databaseQueryTimeAverage;
const orders = KPIS.orderExecutionSuccessRate;

const trends: RowSpec = {
  title: "KPI trends",
  panels: [
    {
      kind: "timeseries",
      title: "Signal processing latency p95 over time",
      description: `p95 over ${duration(signal.windowSeconds)} against the KPI (${kpiTarget(signal)}) and the high-latency warning line (${duration(ALERT_THRESHOLDS.highSignalLatencySeconds.value)}).`,
      unit: "s",
      targets: [{ expr: KPI_QUERIES.signalProcessingLatencyP95.expr, legend: "p95" }],
      thresholds: upperLimits({ value: signal.threshold, color: COLORS.warn }, { value: ALERT_THRESHOLDS.highSignalLatencySeconds.value, color: COLORS.bad }),
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Database statement time (average) by service",
      description: `Mean PostgreSQL statement duration per service over ${duration(database.windowSeconds)}, against the KPI (${kpiTarget(database)}).`,
      unit: "s",
      targets: [
        {
          expr: `sum by (service) (${acrossServices(SCRAPED_SERVICES, "db_statement_duration_seconds_sum", (m) => `rate(${m}[${promDuration(database.windowSeconds)}])`)}) / sum by (service) (${acrossServices(
            SCRAPED_SERVICES,
            "db_statement_duration_seconds_count",
            (m) => `rate(${m}[${promDuration(database.windowSeconds)}])`,
          )})`,
          legend: "{{service}}",
        },
      ],
      thresholds: upperLimits({ value: database.threshold, color: COLORS.bad }),
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "WebSocket delivery latency p95 over time",
      description: kpiDescription(websocket),
      unit: "s",
      targets: [{ expr: histogramQuantile(percentileOf(websocket), "titan_console_websocket_delivery_seconds", { window: promDuration(websocket.windowSeconds) }), legend: "p95" }],
      thresholds: upperLimits({ value: websocket.threshold, color: COLORS.bad }),
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Order execution success rate over time",
      description: `Rolling ${duration(orders.windowSeconds)} success rate against the KPI (${kpiTarget(orders)}).`,
      unit: "percentunit",
      targets: [{ expr: KPI_QUERIES.orderExecutionSuccessRate.expr, legend: "success rate" }],
      thresholds: kpiSteps(orders),
      max: 1,
      width: 12,
    },
  ],
};

export const overviewDashboard = (): DashboardSpec => ({
  uid: "titan-overview",
  title: "Titan / Overview",
  description: "Service health, trading state and every KPI of the operations document against its target (targets read from ops/).",
  tags: ["overview", "kpi"],
  rows: [health, kpiRow("KPIs: system reliability", "reliability"), kpiRow("KPIs: trading performance", "trading"), kpiRow("KPIs: operational efficiency", "operations"), trends, monitoring],
});
