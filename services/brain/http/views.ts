// What the API shows of the brain's committed state (and, for the trading state, the causes the
// dependency watch holds in memory), shaped as http/schemas.ts describes it. Pure.
import type { Static } from "typebox";
import { PHASES } from "../../shared/contracts/index.js";
import {
  activeOverride,
  breakerStatus,
  phasePerformance,
  portfolioRisk,
  tradingStateMessage,
  type BrainParameters,
  type CauseRecord,
  type PriceHistory,
} from "../domain/index.js";
import { allocationOf, equityUsd, openPositions, type BrainState, type LatestPrice } from "../state/brain-state.js";
import { withHeldCauses } from "../state/dependency-causes.js";
import type { AllocationViewSchema, BreakerViewSchema, PhaseViewSchema, RiskViewSchema, TradingStateViewSchema } from "./schemas.js";

const PHASE_NAMES = { 1: "scavenger", 2: "hunter", 3: "sentinel" } as const;

export function tradingStateView(state: BrainState, nowMs: number, held: readonly CauseRecord[] = []): Static<typeof TradingStateViewSchema> {
  const message = tradingStateMessage(withHeldCauses(state.trading, held), { publishedBy: "brain", sequence: state.tradingSequence, tsMs: nowMs });
  return { state: message.state, causes: message.causes, sequence: message.sequence, tsMs: message.tsMs };
}

export function breakerView(state: BrainState, nowMs: number, params: BrainParameters): Static<typeof BreakerViewSchema> {
  const status = breakerStatus(state.breaker, nowMs);
  const b = params.breaker;
  return {
    active: status.active,
    hard: state.breaker.hard,
    soft: status.softActive ? state.breaker.soft : null,
    figures: state.breaker.figures,
    limits: { hardDailyDrawdownRatio: b.hardDailyDrawdownFraction, hardMinEquityUsd: b.hardMinEquityUsd, softConsecutiveLosses: b.softConsecutiveLosses, softCooldownMs: b.softCooldownMs },
  };
}

export function allocationView(state: BrainState, nowMs: number, params: BrainParameters): Static<typeof AllocationViewSchema> {
  const allocation = allocationOf(state, params, nowMs);
  const override = activeOverride(state.override, nowMs);
  return {
    equityUsd: equityUsd(state),
    tier: { ...allocation.tier },
    source: allocation.source,
    weights: { ...allocation.weights },
    allocated: { ...allocation.allocated },
    reserveWeight: allocation.reserveWeight,
    registeredPhases: [...allocation.registeredPhases],
    override: override === null ? null : { weights: { ...override.weights }, setBy: override.setBy, reason: override.reason, setAtMs: override.setAtMs, expiresAtMs: override.expiresAtMs },
    performance: PHASES.map((phase) => performanceView(state, phase, nowMs, params)),
  };
}

function performanceView(state: BrainState, phase: (typeof PHASES)[number], nowMs: number, params: BrainParameters) {
  const p = phasePerformance(state.performance, phase, nowMs, params);
  return { phase, tradesInWindow: p.tradesInWindow, wins: p.wins, losses: p.losses, netPnlUsd: p.netPnlUsd, sharpe: p.sharpe, modifier: p.modifier };
}

export function phasesView(state: BrainState, registeredAtMs: ReadonlyMap<number, number>, nowMs: number, params: BrainParameters): Static<typeof PhaseViewSchema>[] {
  const allocation = allocationOf(state, params, nowMs);
  return PHASES.map((phase) => ({
    phase,
    name: PHASE_NAMES[phase],
    registered: state.registeredPhases.includes(phase),
    registeredAtMs: registeredAtMs.get(phase) ?? null,
    weight: allocation.weights[phase],
    allocated: allocation.allocated[phase],
    performance: performanceView(state, phase, nowMs, params),
  }));
}

export function riskView(state: BrainState, history: PriceHistory, latestPrice: LatestPrice, params: BrainParameters): Static<typeof RiskViewSchema> | null {
  const equity = equityUsd(state);
  if (equity === null) return null;
  const risk = portfolioRisk(openPositions(state, latestPrice), equity, state.startOfDay?.equityUsd ?? equity, history, params);
  return {
    equityUsd: risk.equityUsd,
    grossExposureUsd: risk.grossExposureUsd,
    leverageRatio: Number.isFinite(risk.leverage) ? risk.leverage : null,
    netDeltaUsd: risk.netDeltaUsd,
    portfolioBeta: risk.beta.portfolioBeta,
    betaWeightedDeltaUsd: risk.beta.betaWeightedDeltaUsd,
    var95OneDayUsd: risk.varUsd,
    dailyDrawdownRatio: risk.dailyDrawdownFraction,
  };
}
