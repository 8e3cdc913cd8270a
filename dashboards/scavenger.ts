// Scavenger: traps armed and triggered, signals by trap type and outcome, the cost of evaluating a
// trade, how far behind the market its input is, the active parameter version and bad data dropped;
// and AI Quant, the nightly job that proposes the scavenger's next parameters.
import { AI_QUANT_LAST_SUCCESS } from "../alerts/groups/jobs.js";
import { ALERT_THRESHOLDS, KPIS } from "../ops/index.js";
import { histogramQuantile, increase, rate, sumBy } from "./lib/promql.js";
import { outboxPanels, processPanels } from "./lib/service-panels.js";
import { COLORS, type DashboardSpec, type RowSpec } from "./lib/spec.js";
import { upperLimits } from "./lib/thresholds.js";

const trapsRow: RowSpec = {
  title: "Traps and signals",
  panels: [
    {
      kind: "timeseries",
      title: "Traps armed by type",
      description: "Traps armed now, by trap type. Levels need hours of bars: a freshly started local stack arms none.",
      unit: "short",
      targets: [{ expr: sumBy(["trap_type"], "titan_scavenger_traps_active_count"), legend: "{{trap_type}}" }],
      stacked: true,
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Traps triggered by type",
      description: "Traps whose level was touched with volume confirmation.",
      unit: "ops",
      targets: [{ expr: sumBy(["trap_type"], rate("titan_scavenger_traps_triggered_total")), legend: "{{trap_type}}" }],
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Signals by trap type and outcome",
      description: "published: sent to the brain; duplicate: already sent; unsized: no size could be computed; failed: not written.",
      unit: "ops",
      targets: [{ expr: sumBy(["trap_type", "outcome"], rate("titan_scavenger_signals_total")), legend: "{{trap_type}} {{outcome}}" }],
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Triggers suppressed by reason",
      description: "Triggered traps the strategy proposed nothing for (cooldown, trading state, sizing…).",
      unit: "ops",
      targets: [{ expr: sumBy(["reason"], rate("titan_scavenger_signals_suppressed_total")), legend: "{{reason}}" }],
      min: 0,
      width: 12,
    },
  ],
};

const inputRow: RowSpec = {
  title: "Input and evaluation",
  panels: [
    {
      kind: "timeseries",
      title: "Evaluation time per trade",
      description: "Strategy evaluation time of one trade (sampled): about a microsecond is normal.",
      unit: "s",
      targets: [0.5, 0.99].map((q) => ({ expr: histogramQuantile(q, "titan_scavenger_trade_evaluation_seconds"), legend: `p${Math.round(q * 100)}` })),
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Market-data lag by type",
      description: "Now minus the venue timestamp of the latest message of each type. Klines and funding arrive by the minute or hour, so their lag is large by nature; trades should stay well under a second.",
      unit: "s",
      targets: [{ expr: "max by (type) (titan_scavenger_market_data_lag_seconds)", legend: "{{type}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Messages read by type",
      description: "Market and account messages the scavenger read.",
      unit: "ops",
      targets: [{ expr: sumBy(["type"], rate("titan_scavenger_market_data_messages_total")), legend: "{{type}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "stat",
      title: "Active parameter version",
      description: "The parameter version in force. `titanctl config versions` lists them; `titanctl config rollback <version>` goes back without a restart.",
      unit: "none",
      targets: [{ expr: "titan_scavenger_active_config_version_info", legend: "version", instant: true }],
      decimals: 0,
      width: 6,
    },
    {
      kind: "timeseries",
      title: "Bad market data dropped by kind",
      description: "Market data the scavenger dropped as bad over the last hour: non-finite, non-positive price or quantity, out of range, out of order, duplicate, inconsistent bar, gap, malformed.",
      unit: "short",
      targets: [{ expr: sumBy(["kind"], increase("titan_scavenger_bad_market_data_dropped_total", "1h")), legend: "{{kind}}" }],
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: "Trap recomputation p95",
      description: "Duration of one ranking and re-arming of every trap (once a minute).",
      unit: "s",
      targets: [{ expr: histogramQuantile(0.95, "titan_scavenger_recompute_duration_seconds", { window: "10m" }), legend: "p95" }],
      min: 0,
      width: 6,
    },
  ],
};

const aiQuantRow: RowSpec = {
  title: "AI Quant",
  panels: [
    {
      kind: "stat",
      title: "AI Quant: time since the last successful run",
      description: "Age of the last AI Quant run that did not fail (pushed to the Pushgateway after each run). Red past ops/ aiQuantLastSuccessAgeSeconds, where TitanAiQuantRunStale fires. `titanctl quant runs` lists the runs.",
      unit: "s",
      targets: [{ expr: `time() - max(${AI_QUANT_LAST_SUCCESS})`, legend: "age", instant: true }],
      thresholds: upperLimits({ value: ALERT_THRESHOLDS.aiQuantLastSuccessAgeSeconds.value, color: COLORS.bad }),
      width: 8,
    },
    {
      kind: "stat",
      title: "AI Quant: outcome of the last run",
      description: "1 for the outcome the last run had (proposed, no proposal, skipped, failed).",
      unit: "none",
      targets: [{ expr: "max by (outcome) (titan_ai_quant_last_run_outcome_state) == 1", legend: "{{outcome}}", instant: true }],
      showName: true,
      width: 8,
    },
  ],
};

export const scavengerDashboard = (): DashboardSpec => ({
  uid: "titan-scavenger",
  title: "Titan / Scavenger",
  description: "Traps armed and triggered, signals by type, evaluation cost per trade, market-data lag, the active parameter version and bad data dropped.",
  tags: ["scavenger"],
  rows: [trapsRow, inputRow, aiQuantRow, { title: "Outbox and process (scavenger)", panels: [...outboxPanels("scavenger"), ...processPanels("scavenger", KPIS.databaseQueryTimeAverage.threshold)] }],
});
