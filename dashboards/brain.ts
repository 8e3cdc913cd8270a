// Brain: signals in, decisions out (by outcome and reason), signal processing latency against the KPI,
// and the brain's part of the bus (consumer lag, outbox backlog).
import { ALERT_THRESHOLDS, KPIS, promDuration } from "../ops/index.js";
import { MESSAGES } from "../services/shared/contracts/envelope.js";
import { duration, kpiTarget } from "./lib/format.js";
import { histogramQuantile, rate, sumBy } from "./lib/promql.js";
import { consumerRow, outboxPanels, processPanels } from "./lib/service-panels.js";
import { COLORS, type DashboardSpec, type RowSpec } from "./lib/spec.js";
import { percentileOf, upperLimits } from "./lib/thresholds.js";

const signalKpi = KPIS.signalProcessingLatencyP95;
const highLatency = ALERT_THRESHOLDS.highSignalLatencySeconds;
const latencyLines = upperLimits({ value: signalKpi.threshold, color: COLORS.warn }, { value: highLatency.value, color: COLORS.bad });
const LATENCY = "titan_brain_signal_processing_seconds";

const decisionsRow: RowSpec = {
  title: "Signals and decisions",
  panels: [
    {
      kind: "timeseries",
      title: "Signals handled",
      description: `Signals read from ${MESSAGES.signal.stream} whose decision committed.`,
      unit: "ops",
      targets: [{ expr: sumBy([], rate(`titan_brain_messages_processed_total{stream="${MESSAGES.signal.stream}"}`)), legend: "signals" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Decisions by outcome",
      description: "Signals approved, vetoed, or rejected before a decision (stale, duplicate).",
      unit: "ops",
      targets: [{ expr: sumBy(["outcome"], rate("titan_brain_decisions_total")), legend: "{{outcome}}" }],
      stacked: true,
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Vetoes and rejections by reason",
      description: "Why signals were not approved. `titanctl decisions --outcome vetoed` lists the latest with their risk figures.",
      unit: "ops",
      targets: [{ expr: sumBy(["outcome", "reason"], rate('titan_brain_decisions_total{outcome!="approved"}')), legend: "{{outcome}}: {{reason}}" }],
      min: 0,
      width: 8,
    },
  ],
};

const latencyRow: RowSpec = {
  title: "Signal processing latency",
  panels: [
    {
      kind: "timeseries",
      title: "Signal processing latency",
      description: `From the signal's timestamp to the commit of its decision and order command. Lines: the KPI (${kpiTarget(signalKpi)}) and the high-latency warning (${duration(highLatency.value)} for ${duration(highLatency.forSeconds)}).`,
      unit: "s",
      targets: [0.5, percentileOf(signalKpi), 0.99].map((q) => ({ expr: histogramQuantile(q, LATENCY), legend: `p${Math.round(q * 100)}` })),
      thresholds: latencyLines,
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Signal processing latency p95 by outcome",
      description: `The KPI's percentile over its own window (${duration(signalKpi.windowSeconds)}), by decision outcome.`,
      unit: "s",
      targets: [{ expr: histogramQuantile(percentileOf(signalKpi), LATENCY, { by: ["outcome"], window: promDuration(signalKpi.windowSeconds) }), legend: "{{outcome}}" }],
      thresholds: latencyLines,
      min: 0,
      width: 12,
    },
  ],
};

const healthRow: RowSpec = {
  title: "Heartbeats, market data, process",
  panels: [
    {
      kind: "timeseries",
      title: "Heartbeats",
      description: "Heartbeats the brain publishes for execution's dead-man switch; failures mean execution will soon go REDUCING.",
      unit: "ops",
      targets: [{ expr: sumBy(["outcome"], rate("titan_brain_heartbeats_total")), legend: "{{outcome}}" }],
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Market data read",
      description: "Market-data messages read for the price history (correlation, VaR, marking), by type and outcome.",
      unit: "ops",
      targets: [{ expr: sumBy(["type", "outcome"], rate("titan_brain_market_data_messages_total")), legend: "{{type}} {{outcome}}" }],
      min: 0,
      width: 12,
    },
    ...processPanels("brain", KPIS.databaseQueryTimeAverage.threshold),
  ],
};

export const brainDashboard = (): DashboardSpec => ({
  uid: "titan-brain",
  title: "Titan / Brain",
  description: "Signals, decisions by outcome, signal processing latency against the KPI, consumer lag and the outbox.",
  tags: ["brain"],
  rows: [decisionsRow, latencyRow, consumerRow("brain"), { title: "Outbox (brain)", panels: outboxPanels("brain") }, healthRow],
});
