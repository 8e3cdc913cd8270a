// Trading: equity and PnL, risk against the circuit breaker's limits, allocation by phase, positions,
// and the trading state with its causes and the dependencies whose loss restricts it. Breaker limits
// are the brain's parameters (defaults unless the caller passes the deployed ones).
import { DEFAULT_BRAIN_PARAMETERS, type BrainParameters } from "../services/brain/domain/brain-parameters.js";
import { ALERT_THRESHOLDS, KPIS, promDuration } from "../ops/index.js";
import { duration, percent } from "./lib/format.js";
import { increase, rate, sumBy } from "./lib/promql.js";
import { COLORS, type DashboardSpec, type RowSpec } from "./lib/spec.js";
import { lowerLimits, upperLimits } from "./lib/thresholds.js";
import { TRADING_STATE_TEXTS, TRIPPED_TEXTS } from "./lib/value-texts.js";

const DAY = "1d";

const equityRow = (p: BrainParameters): RowSpec => ({
  title: "Equity and PnL",
  panels: [
    {
      kind: "timeseries",
      title: "Equity",
      description: `Total equity: the accounts' last snapshots plus fills booked since. The dashed line is the HARD breaker's equity floor (${p.breaker.hardMinEquityUsd} USD, brain parameter breaker.hardMinEquityUsd).`,
      unit: "currencyUSD",
      targets: [{ expr: "titan_brain_equity_usd", legend: "equity" }],
      thresholds: lowerLimits({ value: p.breaker.hardMinEquityUsd, color: COLORS.bad }),
      width: 12,
    },
    {
      kind: "timeseries",
      title: "PnL, rolling 24 h",
      description: "Equity now minus equity 24 hours earlier. The brain's start-of-day (00:00 UTC) equity is not exported, so PnL since midnight reads from the drawdown panel (losses only) or `titanctl breaker status`.",
      unit: "currencyUSD",
      targets: [{ expr: `titan_brain_equity_usd - titan_brain_equity_usd offset ${DAY}`, legend: "PnL 24 h" }],
      width: 12,
    },
  ],
});

const riskRow = (p: BrainParameters): RowSpec => ({
  title: "Risk against the breaker",
  panels: [
    {
      kind: "timeseries",
      title: "Daily drawdown",
      description: `Drawdown from the start-of-day equity (00:00 UTC). The HARD breaker trips at ${percent(p.breaker.hardDailyDrawdownFraction)} (brain parameter breaker.hardDailyDrawdownFraction): trading halts and every position is flattened.`,
      unit: "percentunit",
      targets: [{ expr: "titan_brain_daily_drawdown_ratio", legend: "drawdown" }],
      thresholds: upperLimits({ value: p.breaker.hardDailyDrawdownFraction, color: COLORS.bad }),
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Leverage",
      description: `Gross open notional over equity. The cap depends on the equity tier (${p.tiers.map((t) => `${t.name} ${t.leverageCap}×`).join(", ")}); signals that would exceed it are vetoed.`,
      unit: "suffix:×",
      targets: [{ expr: "titan_brain_leverage_ratio", legend: "leverage" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Value at risk (95 %, one day)",
      description: "Historical VaR of the open positions; empty while the price history is too short.",
      unit: "currencyUSD",
      targets: [{ expr: "titan_brain_var_95_usd", legend: "VaR 95" }],
      min: 0,
      width: 8,
    },
    {
      kind: "stat",
      title: "Breaker",
      description: `HARD: drawdown ≥ ${percent(p.breaker.hardDailyDrawdownFraction)} or equity < ${p.breaker.hardMinEquityUsd} USD; stays until an operator resets it (\`titanctl breaker reset\`). SOFT: ${p.breaker.softConsecutiveLosses} consecutive losses within ${duration(p.breaker.softLossWindowMs / 1000)}; clears itself after ${duration(p.breaker.softCooldownMs / 1000)}.`,
      unit: "none",
      targets: [{ expr: "titan_brain_breaker_tripped_state", legend: "{{type}}", instant: true }],
      valueTexts: TRIPPED_TEXTS,
      thresholds: [{ value: null, color: COLORS.ok }, { value: 1, color: COLORS.bad }],
      width: 12,
      height: 4,
    },
    {
      kind: "stat",
      title: "Breaker trips, last 24 h",
      description: "Trips of each breaker type over the last day.",
      unit: "short",
      targets: [{ expr: sumBy(["type"], increase("titan_brain_breaker_trips_total", DAY)), legend: "{{type}}", instant: true }],
      thresholds: [{ value: null, color: COLORS.ok }, { value: 1, color: COLORS.warn }],
      decimals: 0,
      width: 12,
      height: 4,
    },
  ],
});

const allocationRow: RowSpec = {
  title: "Allocation",
  panels: [
    {
      kind: "timeseries",
      title: "Allocation weight by phase",
      description: "Capital allocated to each phase (1 scavenger, 2 hunter, 3 sentinel); an unregistered phase's weight stays unallocated as reserve. `titanctl override set` sets weights by hand for up to a day.",
      unit: "percentunit",
      targets: [{ expr: "titan_brain_allocation_weight_ratio", legend: "phase {{phase}}" }],
      stacked: true,
      min: 0,
      max: 1,
      width: 16,
    },
    {
      kind: "gauge",
      title: "Allocation now",
      description: "The current weight of each phase.",
      unit: "percentunit",
      targets: [{ expr: "titan_brain_allocation_weight_ratio", legend: "phase {{phase}}", instant: true }],
      min: 0,
      max: 1,
      width: 8,
    },
  ],
};

const mismatchWindow = promDuration(KPIS.positionTrackingAccuracy.windowSeconds);

const positionsRow: RowSpec = {
  title: "Positions",
  panels: [
    {
      kind: "timeseries",
      title: "Gross open notional",
      description: "Leverage × equity: the absolute notional of every open position. Positions per symbol are not metrics (their labels would grow without bound): `titanctl positions` lists them.",
      unit: "currencyUSD",
      targets: [{ expr: "titan_brain_leverage_ratio * titan_brain_equity_usd", legend: "gross notional" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Fills by source",
      description: "Fills recorded in execution's shadow state, by the path that brought them first (private stream or polling).",
      unit: "ops",
      targets: [{ expr: sumBy(["source"], rate("titan_execution_fills_total")), legend: "{{source}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Position mismatches",
      description: `Mismatches between the shadow state and the exchange found by reconciliation, per ${duration(KPIS.positionTrackingAccuracy.windowSeconds)}, by kind. Any mismatch breaks the 100 % position-tracking KPI; repeated ones halt trading.`,
      unit: "short",
      targets: [{ expr: sumBy(["kind"], increase("titan_execution_position_mismatches_total", mismatchWindow)), legend: "{{kind}}" }],
      // Counts are whole: the line sits at the first mismatch past what the position-mismatch alert tolerates.
      thresholds: upperLimits({ value: ALERT_THRESHOLDS.positionMismatches.value + 1, color: COLORS.bad }),
      min: 0,
      width: 8,
    },
  ],
};

const stateRow: RowSpec = {
  title: "Trading state",
  panels: [
    {
      kind: "state-timeline",
      title: "Trading state over time",
      description: "The state the brain publishes and the state execution enforces (execution adds its own causes when the brain is unreachable).",
      unit: "none",
      targets: [
        { expr: "titan_brain_trading_state", legend: "brain" },
        { expr: "titan_execution_trading_state", legend: "execution" },
      ],
      valueTexts: TRADING_STATE_TEXTS,
      width: 24,
      height: 6,
    },
    {
      kind: "stat",
      title: "Causes in force (brain)",
      description: "Each cause restricting trading now, as the brain sees it. `titanctl state` shows who raised it and when.",
      unit: "none",
      targets: [{ expr: "titan_brain_trading_state_cause_info == 1", legend: "{{cause}}", instant: true }],
      showName: true,
      thresholds: [{ value: null, color: COLORS.warn }],
      noValue: "no cause in force",
      width: 8,
      height: 4,
    },
    {
      kind: "stat",
      title: "Causes in force (execution)",
      description: "Each cause execution enforces now, its own and the brain's.",
      unit: "none",
      targets: [{ expr: "titan_execution_trading_cause_state == 1", legend: "{{cause}}", instant: true }],
      showName: true,
      thresholds: [{ value: null, color: COLORS.warn }],
      noValue: "no cause in force",
      width: 8,
      height: 4,
    },
    {
      kind: "stat",
      title: "Dependencies lost (execution)",
      description:
        "Each dependency whose loss makes execution restrict trading now: postgres (HALTED), redis or venue (REDUCING). It clears by itself once the dependency answers again and a reconciliation came out clean. The brain's own dependency cause shows as dependency-unavailable among its causes.",
      unit: "none",
      targets: [{ expr: "titan_execution_dependency_unavailable_state == 1", legend: "{{dependency}}", instant: true }],
      showName: true,
      thresholds: [{ value: null, color: COLORS.bad }],
      noValue: "every dependency answers",
      width: 8,
      height: 4,
    },
  ],
};

export const tradingDashboard = (params: BrainParameters = DEFAULT_BRAIN_PARAMETERS): DashboardSpec => ({
  uid: "titan-trading",
  title: "Titan / Trading",
  description: "Equity, PnL, risk against the circuit breaker (limits from the brain's parameters), allocation, positions and the trading state.",
  tags: ["trading"],
  rows: [stateRow, equityRow(params), riskRow(params), allocationRow, positionsRow],
});
