// The brain's metrics (names titan_brain_<what>_<unit>), and the one function that sets the gauges from
// the committed state, so a scrape always shows what PostgreSQL holds, plus the causes the dependency
// watch holds in memory (an outage of PostgreSQL or Redis), which a scrape must show most of all.
import { VETO_REASONS } from "../../shared/contracts/index.js";
import type { Counter, Gauge, Histogram } from "prom-client";
import { TRADING_STATE_CAUSES } from "../../shared/contracts/index.js";
import type { ServiceMetrics } from "../../shared/metrics.js";
import { breakerStatus, effectiveState, portfolioRisk, type BrainParameters, type PriceHistory } from "../domain/index.js";
import { allocationOf, equityUsd, openPositions, type BrainState, type LatestPrice } from "../state/brain-state.js";
import { NO_HELD_CAUSES, withHeldCauses, type HeldCauses } from "../state/dependency-causes.js";

const STATE_VALUE = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;

export class BrainMetrics {
  readonly decisionsTotal: Counter<"outcome" | "reason">;
  readonly signalProcessingSeconds: Histogram<"outcome">;
  readonly equityUsd: Gauge;
  readonly allocationWeightRatio: Gauge<"phase">;
  readonly tradingState: Gauge;
  readonly tradingStateInfo: Gauge<"state">;
  readonly tradingStateCauseInfo: Gauge<"cause">;
  readonly breakerTripsTotal: Counter<"type">;
  readonly breakerFalsePositivesTotal: Counter;
  readonly breakerTrippedState: Gauge<"type">;
  readonly dailyDrawdownRatio: Gauge;
  readonly leverageRatio: Gauge;
  readonly var95Usd: Gauge;
  readonly ordersOutsideRiskLimitsTotal: Counter;
  readonly heartbeatsTotal: Counter<"outcome">;
  readonly marketDataMessagesTotal: Counter<"type" | "outcome">;
  private heldCauses: HeldCauses = NO_HELD_CAUSES;

  constructor(m: ServiceMetrics) {
    this.decisionsTotal = m.counter("decisions_total", "Signals decided (approved, vetoed) or rejected before a decision, by reason", ["outcome", "reason"]);
    this.signalProcessingSeconds = m.histogram("signal_processing_seconds", "From the signal's timestamp to the commit of its decision and order command", ["outcome"]);
    this.equityUsd = m.gauge("equity_usd", "Total equity: the accounts' last snapshots plus fills booked since");
    this.allocationWeightRatio = m.gauge("allocation_weight_ratio", "Capital allocated to each phase (0 for an unregistered phase)", ["phase"]);
    this.tradingState = m.gauge("trading_state", "Effective trading state: 0 ACTIVE, 1 REDUCING, 2 HALTED");
    this.tradingStateInfo = m.gauge("trading_state_info", "1 for the effective trading state, 0 for the others", ["state"]);
    this.tradingStateCauseInfo = m.gauge("trading_state_cause_info", "1 while a cause restricts trading, 0 otherwise", ["cause"]);
    this.breakerTripsTotal = m.counter("breaker_trips_total", "Circuit breaker trips by type", ["type"]);
    this.breakerFalsePositivesTotal = m.counter("breaker_false_positives_total", "HARD trips an operator judged false positives when resetting them (KPI: fewer than 1 a month)");
    this.breakerTrippedState = m.gauge("breaker_tripped_state", "1 while the breaker of this type is tripped", ["type"]);
    this.dailyDrawdownRatio = m.gauge("daily_drawdown_ratio", "Drawdown from the start-of-day equity (00:00 UTC)");
    this.leverageRatio = m.gauge("leverage_ratio", "Gross open notional / equity");
    this.var95Usd = m.gauge("var_95_usd", "Historical value at risk, 95 %, one day (NaN while the price history is too short)");
    this.ordersOutsideRiskLimitsTotal = m.counter("orders_outside_risk_limits_total", "Order commands the post-approval guard refused for breaking a cap (must stay 0)");
    this.heartbeatsTotal = m.counter("heartbeats_total", "Heartbeats published, or failed to publish", ["outcome"]);
    this.marketDataMessagesTotal = m.counter("market_data_messages_total", "Market data messages read for the price history", ["type", "outcome"]);
    for (const type of ["HARD", "SOFT"]) this.breakerTripsTotal.inc({ type }, 0);
    this.breakerFalsePositivesTotal.inc(0);
    for (const outcome of ["published", "failed"]) this.heartbeatsTotal.inc({ outcome }, 0);
    // Zero series from the start, so rates and the latency KPI read 0 rather than "no data" before the first signal.
    this.decisionsTotal.inc({ outcome: "approved", reason: "approved" }, 0);
    for (const reason of VETO_REASONS) this.decisionsTotal.inc({ outcome: "vetoed", reason }, 0);
    for (const outcome of ["approved", "vetoed"]) this.signalProcessingSeconds.zero({ outcome });
  }

  /** Where the causes held in memory come from (the dependency watch); they join the persisted ones in every gauge. */
  holdCausesFrom(source: HeldCauses): void {
    this.heldCauses = source;
  }

  /** The fast gauges, after every committed change and every change of the held causes. */
  observeState(state: BrainState, nowMs: number, params: BrainParameters): void {
    const equity = equityUsd(state);
    if (equity !== null) this.equityUsd.set(equity);
    const allocation = allocationOf(state, params, nowMs);
    for (const phase of [1, 2, 3] as const) this.allocationWeightRatio.set({ phase: String(phase) }, allocation.allocated[phase]);
    const trading = withHeldCauses(state.trading, this.heldCauses());
    const name = effectiveState(trading, nowMs);
    this.tradingState.set(STATE_VALUE[name]);
    for (const s of Object.keys(STATE_VALUE)) this.tradingStateInfo.set({ state: s }, s === name ? 1 : 0);
    const active = new Set(trading.causes.filter((c) => c.clearsAtMs === undefined || nowMs < c.clearsAtMs).map((c) => c.cause));
    for (const cause of TRADING_STATE_CAUSES) this.tradingStateCauseInfo.set({ cause }, active.has(cause) ? 1 : 0);
    const breaker = breakerStatus(state.breaker, nowMs);
    this.breakerTrippedState.set({ type: "HARD" }, breaker.hardActive ? 1 : 0);
    this.breakerTrippedState.set({ type: "SOFT" }, breaker.softActive ? 1 : 0);
  }

  /** The portfolio figures that need the price history (VaR, beta): on a timer, not per message. */
  observeRisk(state: BrainState, history: PriceHistory, latestPrice: LatestPrice, params: BrainParameters): ReturnType<typeof portfolioRisk> | null {
    const equity = equityUsd(state);
    if (equity === null) return null;
    const risk = portfolioRisk(openPositions(state, latestPrice), equity, state.startOfDay?.equityUsd ?? equity, history, params);
    this.dailyDrawdownRatio.set(risk.dailyDrawdownFraction);
    this.leverageRatio.set(Number.isFinite(risk.leverage) ? risk.leverage : Number.NaN);
    this.var95Usd.set(risk.varUsd ?? Number.NaN);
    return risk;
  }
}
