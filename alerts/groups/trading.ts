// Trading: the circuit breaker, trading restricted by a lost dependency (the brain's and execution's
// dependency causes, execution's dead-man switch), position mismatches, the exchange's rate limit and
// private stream, and the daily summary. Seed: "Circuit Breaker Activated", "Position Mismatch", "API
// Rate Limits", "WebSocket Disconnections", "Performance Metrics: Daily trading summary"; the
// dependency alerts are issue 12's ("the alert for it fires" for every dependency fault).
import { ALERT_THRESHOLDS, SEVERITIES, promDuration } from "../../ops/index.js";
import { EXECUTION_CONFIG_SPEC } from "../../services/execution/config.js";
import { RATE_WINDOW_SECONDS } from "../config.js";
import { formatDuration, formatRatio } from "../format.js";
import type { GroupSpec } from "../model.js";

export const TRADING_ALERTS = {
  circuitBreakerActive: "TitanCircuitBreakerActive",
  brainDependencyUnavailable: "TitanBrainDependencyUnavailable",
  executionDependencyUnavailable: "TitanExecutionDependencyUnavailable",
  brainHeartbeatMissing: "TitanBrainHeartbeatMissing",
  positionMismatch: "TitanPositionMismatch",
  exchangeRateLimitApproaching: "TitanExchangeRateLimitApproaching",
  exchangeWebSocketReconnects: "TitanExchangeWebSocketReconnects",
  dailyTradingSummary: "TitanDailyTradingSummary",
} as const;

const breaker = ALERT_THRESHOLDS.circuitBreakerActive;
const restricted = ALERT_THRESHOLDS.tradingRestrictedByDependency;
const mismatch = ALERT_THRESHOLDS.positionMismatches;
const rateLimit = ALERT_THRESHOLDS.exchangeRateLimitUseRatio;
const reconnects = ALERT_THRESHOLDS.websocketReconnectsPerWindow;
const reconnectWindow = promDuration(reconnects.windowSeconds);
const mismatchWindow = promDuration(RATE_WINDOW_SECONDS);
/** The summary covers the daily review's period. */
const summaryWindow = promDuration(SEVERITIES.info.responseSeconds);

/**
 * Execution's dead-man switch waits this long without a brain heartbeat before it restricts trading:
 * the heartbeat alert's expression turns true that long after the brain falls silent (its default, the
 * setting deployments run with).
 */
const deadmanTimeoutSeconds = ((): number => {
  const spec = EXECUTION_CONFIG_SPEC.find((v) => v.name === "TITAN_EXECUTION_DEADMAN_TIMEOUT");
  if (typeof spec?.default !== "number") throw new Error("TITAN_EXECUTION_DEADMAN_TIMEOUT has no numeric default in services/execution/config.ts");
  return spec.default / 1000;
})();

/** A Go-template query whose first value is printed with `format`, or `fallback` when it has none. */
const queried = (query: string, format: string, fallback: string): string =>
  `{{ with query \`${query}\` }}{{ . | first | value | ${format} }}{{ else }}${fallback}{{ end }}`;

/** The state the brain reports (HALTED: PostgreSQL is what it lacks; REDUCING: Redis). One brain is active at a time. */
const brainState = '{{ with query `titan_brain_trading_state_info == 1` }}{{ . | first | label "state" }}{{ else }}unknown{{ end }}';

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
      name: TRADING_ALERTS.brainDependencyUnavailable,
      severity: "critical",
      service: "brain",
      expr: `titan_brain_trading_state_cause_info{cause="dependency-unavailable"} == ${restricted.value}`,
      forSeconds: restricted.forSeconds,
      summary: "The brain restricts trading: PostgreSQL or Redis does not answer it",
      description: `The brain has held its dependency-unavailable cause for ${formatDuration(restricted.forSeconds)}: it cannot reach PostgreSQL (trading HALTED: it can commit no decision) or Redis (trading REDUCING: it reads no signal and publishes no decision). It reports ${brainState} now, approves nothing meanwhile, and clears the cause by itself once the dependency answers again.`,
    },
    {
      name: TRADING_ALERTS.executionDependencyUnavailable,
      severity: "critical",
      service: "execution",
      expr: `titan_execution_dependency_unavailable_state == ${restricted.value}`,
      forSeconds: restricted.forSeconds,
      summary: "Execution restricts trading: {{ $labels.dependency }} does not answer",
      description: `Execution has restricted trading for ${formatDuration(restricted.forSeconds)} because {{ $labels.dependency }} stopped answering (HALTED without PostgreSQL, REDUCING without Redis or the venue): no new risk is taken. It clears by itself once {{ $labels.dependency }} answers again and a reconciliation with the venue comes out clean.`,
    },
    {
      name: TRADING_ALERTS.brainHeartbeatMissing,
      severity: "critical",
      service: "execution",
      expr: `titan_execution_trading_cause_state{cause="heartbeat-missing"} == ${restricted.value}`,
      forSeconds: restricted.forSeconds,
      conditionLagSeconds: deadmanTimeoutSeconds,
      summary: "Execution hears no heartbeat from the brain: trading is REDUCING",
      description: `Execution's dead-man switch has held trading REDUCING for ${formatDuration(restricted.forSeconds)}: no heartbeat from the brain reached it within its dead-man timeout (TITAN_EXECUTION_DEADMAN_TIMEOUT, ${formatDuration(deadmanTimeoutSeconds)} by default). The brain is down, stuck, or cannot publish; only orders that reduce risk pass until its heartbeats return.`,
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
