// Execution: orders by venue, type and outcome; command → acknowledgement and command → fill latency;
// reconciliation; the venue (errors, rate-limit use, private-stream reconnects); market data in.
import { ALERT_THRESHOLDS, KPIS, SECURITY, promDuration } from "../ops/index.js";
import { duration, percent } from "./lib/format.js";
import { histogramQuantile, increase, rate, sumBy } from "./lib/promql.js";
import { consumerRow, outboxPanels, processPanels } from "./lib/service-panels.js";
import { COLORS, type DashboardSpec, type PanelSpec, type RowSpec } from "./lib/spec.js";
import { upperLimits } from "./lib/thresholds.js";

const QUANTILES = [0.5, 0.95, 0.99] as const;

const latencyPanel = (title: string, histogram: string, description: string): PanelSpec => ({
  kind: "timeseries",
  title,
  description,
  unit: "s",
  targets: QUANTILES.map((q) => ({ expr: histogramQuantile(q, histogram, { by: ["venue"] }), legend: `{{venue}} p${Math.round(q * 100)}` })),
  min: 0,
  width: 12,
});

const ordersRow: RowSpec = {
  title: "Orders",
  panels: [
    {
      kind: "timeseries",
      title: "Orders by venue, type and outcome",
      description: "accepted: acknowledged by the venue; rejected: refused by the venue; refused: stopped by pre-trade checks or the trading state; cancelled: cancelled before it was sent.",
      unit: "ops",
      targets: [{ expr: sumBy(["venue", "type", "outcome"], rate("titan_execution_orders_total")), legend: "{{venue}} {{type}} {{outcome}}" }],
      min: 0,
      width: 12,
    },
    {
      kind: "table",
      title: "Orders in the last 24 h",
      description: "Order counts by venue, type and outcome over the last day. `titanctl orders` shows the open ones.",
      unit: "short",
      targets: [{ expr: sumBy(["venue", "type", "outcome"], increase("titan_execution_orders_total", "1d")) }],
      decimals: 0,
      width: 12,
    },
    latencyPanel("Command → acknowledgement", "titan_execution_command_to_ack_seconds", "From an order command's time to the venue's acknowledgement of its order, by venue."),
    latencyPanel("Command → first fill", "titan_execution_command_to_fill_seconds", "From an order command's time to its first fill recorded in the shadow state, by venue."),
  ],
};

const accuracyWindow = promDuration(KPIS.positionTrackingAccuracy.windowSeconds);

const reconciliationRow: RowSpec = {
  title: "Reconciliation and emergency controls",
  panels: [
    {
      kind: "timeseries",
      title: "Reconciliation runs by outcome",
      description: "clean: shadow state equals the exchange; mismatch: a difference was found (trading halts after repeated ones); failed: the venue could not be read. `titanctl reconcile` runs one now.",
      unit: "ops",
      targets: [{ expr: sumBy(["outcome"], rate("titan_execution_reconciliation_runs_total")), legend: "{{outcome}}" }],
      stacked: true,
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Mismatches by kind",
      description: `Mismatches found per ${duration(KPIS.positionTrackingAccuracy.windowSeconds)}: missing in shadow, missing at the exchange, side, size.`,
      unit: "short",
      targets: [{ expr: sumBy(["kind"], increase("titan_execution_position_mismatches_total", accuracyWindow)), legend: "{{kind}}" }],
      // Counts are whole: the line sits at the first mismatch past what the position-mismatch alert tolerates.
      thresholds: upperLimits({ value: ALERT_THRESHOLDS.positionMismatches.value + 1, color: COLORS.bad }),
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Flatten duration",
      description: "From a flatten-all request to the venue confirming flat (`titanctl flatten`).",
      unit: "s",
      targets: [{ expr: histogramQuantile(0.95, "titan_execution_flatten_duration_seconds", { window: "1h" }), legend: "p95 (1 h)" }],
      min: 0,
      width: 8,
    },
  ],
};

const rateLimit = ALERT_THRESHOLDS.exchangeRateLimitUseRatio;
const reconnects = ALERT_THRESHOLDS.websocketReconnectsPerWindow;
const reconnectWindowSeconds = reconnects.windowSeconds;

const venueRow: RowSpec = {
  title: "Venue",
  panels: [
    {
      kind: "timeseries",
      title: "Venue errors by code",
      description: "Errors the venue answered, by its error code (rate limit, insufficient funds, timeout…).",
      unit: "ops",
      targets: [{ expr: sumBy(["code"], rate("titan_execution_venue_errors_total")), legend: "{{code}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Rate-limit use",
      description: `Share of the venue's published request limit used over the last second, overall and per symbol family for creates. Line: the approaching-rate-limit warning (${percent(rateLimit.value)} for ${duration(rateLimit.forSeconds)}).`,
      unit: "percentunit",
      targets: [{ expr: "max by (bucket) (titan_execution_rate_limit_use_ratio)", legend: "{{bucket}}" }],
      thresholds: upperLimits({ value: rateLimit.value, color: COLORS.warn }),
      min: 0,
      max: 1,
      width: 8,
    },
    {
      kind: "timeseries",
      title: `Exchange WebSocket reconnects per ${duration(reconnectWindowSeconds)}`,
      description: `Reconnections of the venue's streams over a sliding ${duration(reconnectWindowSeconds)}. Above the line (${reconnects.value}) the frequent-reconnections warning fires.`,
      unit: "short",
      targets: [{ expr: sumBy([], increase("titan_execution_exchange_websocket_reconnects_total", promDuration(reconnectWindowSeconds))), legend: "reconnects" }],
      thresholds: upperLimits({ value: reconnects.value, color: COLORS.warn }),
      min: 0,
      width: 8,
    },
    {
      kind: "stat",
      title: "Exchange API key age",
      description: `Age of the API key execution signs with, from the exchange's record of its creation (live venues only; the paper venue has no key). Red past the rotation period (${duration(SECURITY.apiKeyRotationSeconds.value)}, ops/ SECURITY): rotate it by writing the new key to execution's key files.`,
      unit: "s",
      targets: [{ expr: "max by (venue) (titan_execution_api_key_age_seconds)", legend: "{{venue}}" }],
      thresholds: upperLimits({ value: SECURITY.apiKeyRotationSeconds.value, color: COLORS.bad }),
      width: 8,
    },
  ],
};

const marketDataRow: RowSpec = {
  title: "Market data",
  panels: [
    {
      kind: "timeseries",
      title: "Market data published",
      description: "Messages added to their Redis streams, by type.",
      unit: "ops",
      targets: [{ expr: sumBy(["type"], rate("titan_execution_market_events_published_total")), legend: "{{type}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Market data dropped and rejected",
      description: "dropped: not published because Redis failed or the queue overflowed; rejected: venue data refused for missing or invalid fields.",
      unit: "ops",
      targets: [
        { expr: sumBy(["reason"], rate("titan_execution_market_events_dropped_total")), legend: "dropped ({{reason}})" },
        { expr: sumBy(["what"], rate("titan_execution_market_data_rejected_total")), legend: "rejected ({{what}})" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Market data publish batch p95",
      description: "Duration of one pipelined batch of XADDs to Redis.",
      unit: "s",
      targets: [{ expr: histogramQuantile(0.95, "titan_execution_market_data_publish_seconds"), legend: "p95" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Trade tape written",
      description: "Compressed bytes appended to the trade tape (AI Quant's backtests replay it).",
      unit: "Bps",
      targets: [{ expr: sumBy([], rate("titan_execution_tape_bytes_written_total")), legend: "tape" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Klines upserted",
      description: "Kline rows inserted or updated in PostgreSQL.",
      unit: "ops",
      targets: [{ expr: sumBy([], rate("titan_execution_klines_upserted_total")), legend: "klines" }],
      min: 0,
      width: 8,
    },
    {
      kind: "stat",
      title: "Market-data source",
      description: "The source in use: synthetic (seeded generator), replay (a recorded tape) or live (exchange WebSocket).",
      unit: "none",
      targets: [{ expr: "titan_execution_market_data_source_info == 1", legend: "{{source}}", instant: true }],
      showName: true,
      noValue: "unknown",
      width: 8,
    },
  ],
};

export const executionDashboard = (): DashboardSpec => ({
  uid: "titan-execution",
  title: "Titan / Execution",
  description: "Orders, latency from command to acknowledgement and fill, reconciliation, the venue (errors, rate limits, reconnects) and market data.",
  tags: ["execution"],
  rows: [
    ordersRow,
    reconciliationRow,
    venueRow,
    marketDataRow,
    consumerRow("execution"),
    { title: "Outbox and process (execution)", panels: [...outboxPanels("execution"), ...processPanels("execution", KPIS.databaseQueryTimeAverage.threshold)] },
  ],
});
