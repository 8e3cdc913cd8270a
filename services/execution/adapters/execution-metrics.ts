// Execution's metrics (titan_execution_<what>_<unit>): what the alerts and dashboards read about orders,
// latency from command to venue acknowledgement and to first fill, reconciliation, venue errors, the
// private stream, request pacing and the trading state as enforced, with the causes behind it.

import type { Counter, Gauge, Histogram } from "prom-client";
import { TRADING_STATE_CAUSES } from "../../shared/contracts/index.js";
import type { ServiceMetrics } from "../../shared/metrics.js";
import { MISMATCH_KINDS } from "../domain/reconciliation.js";
import { STATE_VALUE, type CauseRecord, type EnforcedView } from "../domain/trading-state.js";

/** The dependencies execution's watchdog restricts trading for when they stop answering. */
export const WATCHED_DEPENDENCIES = ["postgres", "redis", "venue"] as const satisfies ReadonlyArray<NonNullable<CauseRecord["dependency"]>>;

export interface ExecutionMetrics {
  readonly ordersTotal: Counter<"venue" | "type" | "outcome">;
  readonly commandToAckSeconds: Histogram<"venue">;
  readonly commandToFillSeconds: Histogram<"venue">;
  readonly positionMismatchesTotal: Counter<"kind">;
  readonly reconciliationRunsTotal: Counter<"outcome">;
  readonly venueErrorsTotal: Counter<"code">;
  readonly websocketReconnectsTotal: Counter;
  readonly rateLimitUseRatio: Gauge<"bucket">;
  readonly tradingState: Gauge;
  readonly tradingCauseState: Gauge<"cause">;
  readonly dependencyUnavailableState: Gauge<"dependency">;
  readonly fillsTotal: Counter<"source">;
  readonly flattenSeconds: Histogram;
  readonly tradesClosedTotal: Counter<"venue">;
  readonly apiKeyAgeSeconds: Gauge<"venue">;
  readonly apiKeyReloadsTotal: Counter<"outcome">;
}

export function executionMetrics(m: ServiceMetrics): ExecutionMetrics {
  const metrics: ExecutionMetrics = {
    ordersTotal: m.counter("orders_total", "Orders by venue, type and outcome (accepted, refused, rejected, failed)", ["venue", "type", "outcome"]),
    commandToAckSeconds: m.histogram("command_to_ack_seconds", "From an order command's time to the venue's acknowledgement of its order", ["venue"]),
    commandToFillSeconds: m.histogram("command_to_fill_seconds", "From an order command's time to its first fill recorded", ["venue"]),
    positionMismatchesTotal: m.counter("position_mismatches_total", "Reconciliation mismatches found, by kind", ["kind"]),
    reconciliationRunsTotal: m.counter("reconciliation_runs_total", "Reconciliation cycles by outcome (clean, mismatch, failed)", ["outcome"]),
    venueErrorsTotal: m.counter("venue_errors_total", "Errors answered by the venue, by its code", ["code"]),
    websocketReconnectsTotal: m.counter("exchange_websocket_reconnects_total", "Reconnections of the venue's private stream"),
    rateLimitUseRatio: m.gauge("rate_limit_use_ratio", "Share of the venue's published request limit used over the last second", ["bucket"]),
    tradingState: m.gauge("trading_state", "Trading state as enforced: 0 ACTIVE, 1 REDUCING, 2 HALTED"),
    tradingCauseState: m.gauge("trading_cause_state", "1 while a trading-state cause is in force (execution's own or the brain's)", ["cause"]),
    dependencyUnavailableState: m.gauge(
      "dependency_unavailable_state",
      "1 while execution restricts trading because this dependency stopped answering (its own dependency-unavailable cause: postgres HALTED, redis and venue REDUCING; cleared once it is back and a reconciliation came out clean), 0 otherwise",
      ["dependency"],
    ),
    fillsTotal: m.counter("fills_total", "Fills recorded in the shadow state, by the path that brought them first", ["source"]),
    tradesClosedTotal: m.counter("trades_closed_total", "Round trips closed (a position opened and closed again), by venue", ["venue"]),
    apiKeyAgeSeconds: m.gauge("api_key_age_seconds", "Age of the exchange API key in use, from the venue's record of its creation (live venues only)", ["venue"]),
    apiKeyReloadsTotal: m.counter("api_key_reloads_total", "Changes of the exchange API key files, by outcome (applied, refused by the venue, unreadable, failed to try)", ["outcome"]),
    flattenSeconds: m.histogram("flatten_duration_seconds", "From a flatten-all request to the venue confirming flat", [], [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60]),
  };
  for (const kind of MISMATCH_KINDS) metrics.positionMismatchesTotal.inc({ kind }, 0);
  for (const outcome of ["clean", "mismatch", "failed"]) metrics.reconciliationRunsTotal.inc({ outcome }, 0);
  metrics.websocketReconnectsTotal.inc(0);
  observeEnforcedView(metrics, { state: "ACTIVE", own: [], brain: [] });
  return metrics;
}

/**
 * The enforced state and the causes behind it. Every known cause and watched dependency keeps a series
 * (0 when not in force), so an alert on one reads 0, not "no data", while all is well.
 */
export function observeEnforcedView(metrics: ExecutionMetrics, view: EnforcedView): void {
  metrics.tradingState.set(STATE_VALUE[view.state]);
  const causes = new Set<string>([...view.own, ...view.brain].map((c) => c.cause));
  for (const cause of new Set<string>([...TRADING_STATE_CAUSES, ...causes])) metrics.tradingCauseState.set({ cause }, causes.has(cause) ? 1 : 0);
  // Only execution's own causes: the brain's dependency causes are its own alert's (titan_brain_trading_state_cause_info).
  const lost = new Set(view.own.flatMap((c) => (c.cause === "dependency-unavailable" && c.dependency !== undefined ? [c.dependency] : [])));
  for (const dependency of new Set<string>([...WATCHED_DEPENDENCIES, ...lost])) metrics.dependencyUnavailableState.set({ dependency }, lost.has(dependency as never) ? 1 : 0);
}
