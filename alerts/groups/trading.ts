// Trading: the circuit breaker, position mismatches, the exchange's rate limit and private stream,
// and the daily summary. Seed: "Circuit Breaker Activated", "Position Mismatch", "API Rate Limits",
// "WebSocket Disconnections", "Performance Metrics: Daily trading summary".
import { ALERT_THRESHOLDS, SEVERITIES, promDuration } from "../../ops/index.js";
import { RATE_WINDOW_SECONDS } from "../config.js";
import { formatDuration, formatRatio } from "../format.js";
import type { GroupSpec } from "../model.js";

export const TRADING_ALERTS = {
  circuitBreakerActive: "TitanCircuitBreakerActive",
  positionMismatch: "TitanPositionMismatch",
  exchangeRateLimitApproaching: "TitanExchangeRateLimitApproaching",
  exchangeWebSocketReconnects: "TitanExchangeWebSocketReconnects",
  dailyTradingSummary: "TitanDailyTradingSummary",
} as const;

const breaker = ALERT_THRESHOLDS.circuitBreakerActive;
const mismatch = ALERT_THRESHOLDS.positionMismatches;
const rateLimit = ALERT_THRESHOLDS.exchangeRateLimitUseRatio;
const reconnects = ALERT_THRESHOLDS.websocketReconnectsPerWindow;
const reconnectWindow = promDuration(reconnects.windowSeconds);
const mismatchWindow = promDuration(RATE_WINDOW_SECONDS);
/** The summary covers the daily review's period. */
const summaryWindow = promDuration(SEVERITIES.info.responseSeconds);

/** A Go-template query whose first value is printed with `format`, or `fallback` when it has none. */
const queried = (query: string, format: string, fallback: string): string =>
  `{{ with query \`${query}\` }}{{ . | first | value | ${format} }}{{ else }}${fallback}{{ end }}`;

export const TRADING_GROUP: GroupSpec = {
  area: "trading",
  alerts: [
    {
      name: TRADING_ALERTS.circuitBreakerActive,
      severity: "critical",
      service: "brain",
      expr: `titan_brain_breaker_tripped_state >= ${breaker.value}`,
      forSeconds: breaker.forSeconds,
      summary: "The {{ $labels.type }} circuit breaker is tripped",
      description: `The brain's {{ $labels.type }} circuit breaker has been tripped for ${formatDuration(breaker.forSeconds)}: trading is HALTED (HARD) or REDUCING (SOFT) because a risk limit was hit. A HARD trip stays until an operator resets it.`,
    },
    {
      name: TRADING_ALERTS.positionMismatch,
      severity: "critical",
      service: "execution",
      expr: `sum by (service, kind) (increase(titan_execution_position_mismatches_total[${mismatchWindow}])) > ${mismatch.value}`,
      forSeconds: mismatch.forSeconds,
      summary: "Shadow positions differ from the exchange ({{ $labels.kind }})",
      description: `Reconciliation found {{ $value | printf "%.0f" }} position mismatch(es) of kind {{ $labels.kind }} between execution's shadow state and the exchange in the last ${mismatchWindow}. Execution halts new risk until a clean reconciliation.`,
    },
    {
      name: TRADING_ALERTS.exchangeRateLimitApproaching,
      severity: "warning",
      service: "execution",
      expr: `titan_execution_rate_limit_use_ratio > ${rateLimit.value}`,
      forSeconds: rateLimit.forSeconds,
      summary: "Execution is using {{ $value | humanizePercentage }} of the venue's request limit ({{ $labels.bucket }})",
      description: `Execution has used more than ${formatRatio(rateLimit.value)} of the venue's published request limit for bucket {{ $labels.bucket }} for ${formatDuration(rateLimit.forSeconds)} (now {{ $value | humanizePercentage }}). Past the limit the venue refuses requests and may ban the key for a while.`,
    },
    {
      name: TRADING_ALERTS.exchangeWebSocketReconnects,
      severity: "warning",
      service: "execution",
      expr: `sum by (service, venue) (increase(titan_execution_exchange_websocket_reconnects_total[${reconnectWindow}])) > ${reconnects.value}`,
      forSeconds: reconnects.forSeconds,
      summary: "Execution's exchange WebSocket reconnects frequently",
      description: `Execution reconnected to the exchange's WebSocket {{ $value | printf "%.0f" }} times in the last ${reconnectWindow} (more than ${reconnects.value}{{ with $labels.venue }}, venue {{ . }}{{ end }}). Market data and fills arrive late or through polling while it reconnects.`,
    },
    {
      name: TRADING_ALERTS.dailyTradingSummary,
      severity: "info",
      service: "brain",
      // Fires whenever the brain reports equity; the daily-digest route delivers it once a day with fresh figures.
      expr: "titan_brain_equity_usd",
      forSeconds: 0,
      summary: "Daily trading summary",
      description: [
        `Equity {{ $value | printf "%.2f" }} USD.`,
        `Daily drawdown ${queried("max(titan_brain_daily_drawdown_ratio)", "humanizePercentage", "unknown")}.`,
        `Orders accepted in the last ${summaryWindow}: ${queried(`sum(increase(titan_execution_orders_total{outcome="accepted"}[${summaryWindow}]))`, 'printf "%.0f"', "0")},`,
        `rejected: ${queried(`sum(increase(titan_execution_orders_total{outcome="rejected"}[${summaryWindow}]))`, 'printf "%.0f"', "0")}.`,
        `Circuit-breaker trips: ${queried(`sum(increase(titan_brain_breaker_trips_total[${summaryWindow}]))`, 'printf "%.0f"', "0")}.`,
      ].join(" "),
    },
  ],
};
