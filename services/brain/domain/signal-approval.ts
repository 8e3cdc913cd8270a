// Signal approval (domain.md "Signal approval"): the pipeline every strategy signal passes through before an
// order can exist. Pure: the same input always gives the same decision, order command and ids, which is
// what lets a replayed or re-delivered signal change nothing.
//
//   0. already decided → nothing new (the first decision stands); malformed or unknown symbol → rejected
//   1. breaker active → veto; any other restricted trading state → veto (a signal is a new entry)
//   2. stale → veto; phase not registered → veto
//   3. phase max notional = E × w_phase × modifier × tier leverage cap
//   4. risk: projected leverage (with netting) within the tier cap; same-side correlation > 0.8 → half size
//   5. authorised = min(requested, phase max (less what the phase holds), risk-adjusted); ≤ 0 → veto
//   6. the decision, and for an approval the order command with its stop loss and take profits

import type { Decision, OrderCommand, RiskFigures, Signal } from "../../shared/contracts/index.js";
import { equityTier, type Allocation, type Phase } from "./allocation.js";
import type { BrainParameters } from "./brain-parameters.js";
import { breakerStatus, type BreakerState } from "./circuit-breaker.js";
import { clientOrderIdFor, deterministicUuid } from "./deterministic-ids.js";
import {
  correlationCheck,
  dailyDrawdownFraction,
  fitsLeverageCap,
  grossExposureUsd,
  historicalVarUsd,
  maxNotionalWithinLeverageUsd,
  projectedLeverage,
  type OpenPosition,
  type PriceHistory,
} from "./risk.js";
import type { TradingStateName } from "../../shared/trading-state.js";

export interface PortfolioSnapshot {
  readonly equityUsd: number;
  readonly positions: readonly OpenPosition[];
  /** Equity at 00:00 UTC, when known: reported with the decision's risk figures. */
  readonly startOfDayEquityUsd?: number;
  /**
   * Open notional each phase's own signals hold, when known: a phase's max notional is then what the
   * phase may hold in total, not only per signal. Positions carry no phase, so the brain attributes them.
   */
  readonly phaseExposureUsd?: Readonly<Partial<Record<Phase, number>>>;
}

export interface SignalApprovalInput {
  readonly signal: Signal;
  readonly nowMs: number;
  readonly params: BrainParameters;
  readonly portfolio: PortfolioSnapshot;
  readonly breaker: BreakerState;
  /** The effective trading state (trading-state.ts `effectiveState`). */
  readonly tradingState: TradingStateName;
  readonly allocation: Allocation;
  readonly performanceModifiers: Readonly<Record<Phase, number>>;
  /** Symbols the venue lists and the brain has market data for. */
  readonly knownSymbols: ReadonlySet<string>;
  readonly prices: PriceHistory;
  /** Signal ids that already have a decision. */
  readonly decidedSignalIds: ReadonlySet<string>;
}

export type RejectReason = "duplicate" | "invalid-signal" | "unknown-symbol";
export type VetoReason = Extract<Decision, { outcome: "vetoed" }>["reason"];

/**
 * `decided`: write the decision (and publish the order command, if any) through the outbox.
 * `rejected`: bad or repeated input; nothing is written and nothing changes, only a metric counts it.
 */
export type SignalVerdict =
  | { readonly kind: "decided"; readonly decision: Decision; readonly orderCommand: OrderCommand | null }
  | { readonly kind: "rejected"; readonly reason: RejectReason; readonly detail: string };

const usd = (value: number) => `${value.toFixed(2)} USD`;

/** Shape rules the contract schema cannot express: where the stop and targets sit relative to the entry. */
export function signalProblems(signal: Signal): string[] {
  const problems: string[] = [];
  const { lowPriceUsd, highPriceUsd } = signal.entryZone;
  if (lowPriceUsd > highPriceUsd) problems.push(`entryZone: lowPriceUsd ${lowPriceUsd} is above highPriceUsd ${highPriceUsd}`);
  const long = signal.side === "long";
  if (long ? !(signal.stopLossPriceUsd < lowPriceUsd) : !(signal.stopLossPriceUsd > highPriceUsd))
    problems.push(`stopLossPriceUsd: a ${signal.side} stop must be ${long ? "below" : "above"} the entry zone, got ${signal.stopLossPriceUsd}`);
  signal.takeProfits.forEach((tp, i) => {
    if (long ? !(tp.priceUsd > highPriceUsd) : !(tp.priceUsd < lowPriceUsd))
      problems.push(`takeProfits[${i}].priceUsd: a ${signal.side} target must be ${long ? "above" : "below"} the entry zone, got ${tp.priceUsd}`);
  });
  const fractionSum = signal.takeProfits.reduce((acc, tp) => acc + tp.fraction, 0);
  if (fractionSum > 1 + 1e-9) problems.push(`takeProfits: fractions must sum to at most 1, got ${fractionSum}`);
  return problems;
}

export function approveSignal(input: SignalApprovalInput): SignalVerdict {
  const { signal, nowMs, params } = input;
  // Idempotency comes first: a replayed signal must not get a second decision, whatever changed since.
  if (input.decidedSignalIds.has(signal.signalId)) return { kind: "rejected", reason: "duplicate", detail: `signal ${signal.signalId} was already decided` };
  const problems = signalProblems(signal);
  if (problems.length > 0) return { kind: "rejected", reason: "invalid-signal", detail: problems.join("; ") };
  if (!input.knownSymbols.has(signal.symbol)) return { kind: "rejected", reason: "unknown-symbol", detail: `symbol ${signal.symbol} is not known to the brain` };

  // Figures that cannot travel as JSON numbers (leverage on a near-zero equity) are left out of a veto.
  const veto = (reason: VetoReason, detail: string, risk?: RiskFigures): SignalVerdict => ({
    kind: "decided",
    decision: { ...decisionHeader(signal, nowMs), outcome: "vetoed", reason, detail: detail.slice(0, 1_000), ...(risk && allFinite(risk) ? { risk } : {}) },
    orderCommand: null,
  });

  const breaker = breakerStatus(input.breaker, nowMs);
  if (breaker.active !== null) return veto("breaker-active", `circuit breaker ${breaker.active} is active${breaker.active === "SOFT" ? ` until ${new Date(breaker.softResetsAtMs ?? 0).toISOString()}` : ""}`);
  if (input.tradingState !== "ACTIVE") return veto("trading-state", `trading is ${input.tradingState}: no new entries`);
  const ageMs = nowMs - signal.tsMs;
  if (Math.abs(ageMs) > params.signals.freshnessMs)
    return veto("stale", ageMs > 0 ? `signal is ${ageMs} ms old; the limit is ${params.signals.freshnessMs} ms` : `signal is dated ${-ageMs} ms in the future`);
  if (!input.allocation.registeredPhases.includes(signal.phase)) return veto("phase-not-registered", `phase ${signal.phase} is not registered`);

  const equityUsd = input.portfolio.equityUsd;
  if (!(equityUsd > 0)) return veto("zero-allocation", `equity is ${usd(equityUsd)}: nothing to allocate`);
  const tier = equityTier(equityUsd, params);
  const phaseWeight = input.allocation.allocated[signal.phase];
  const modifier = input.performanceModifiers[signal.phase];
  const phaseMaxNotionalUsd = equityUsd * phaseWeight * modifier * tier.leverageCap;
  const phaseOpenUsd = input.portfolio.phaseExposureUsd?.[signal.phase] ?? 0;
  const phaseRoomUsd = Math.max(0, phaseMaxNotionalUsd - phaseOpenUsd);
  const positions = input.portfolio.positions;
  const correlation = correlationCheck(positions, { ...signal, notionalUsd: signal.requestedNotionalUsd }, input.prices, params);
  const leverageHeadroomUsd = maxNotionalWithinLeverageUsd(positions, signal.symbol, signal.side, equityUsd, tier.leverageCap);
  const sized = Math.min(signal.requestedNotionalUsd, phaseRoomUsd) * (correlation.halve ? params.signals.correlationSizeFactor : 1);
  const riskAdjustedUsd = Math.min(sized, leverageHeadroomUsd);
  const authorisedNotionalUsd = Math.min(signal.requestedNotionalUsd, phaseRoomUsd, riskAdjustedUsd);

  const varUsd = historicalVarUsd(positions, input.prices, params);
  const sod = input.portfolio.startOfDayEquityUsd;
  const risk = (sizeUsd: number): RiskFigures => ({
    equityUsd,
    phaseWeight,
    performanceModifier: modifier,
    tierLeverageCap: tier.leverageCap,
    phaseMaxNotionalUsd,
    openNotionalUsd: grossExposureUsd(positions),
    projectedLeverage: projectedLeverage(positions, { ...signal, notionalUsd: sizeUsd }, equityUsd),
    maxCorrelation: correlation.maxCorrelation,
    sizeHalvedForCorrelation: correlation.halve,
    ...(varUsd === null ? {} : { var95OneDayUsd: varUsd }),
    ...(sod === undefined ? {} : { dailyDrawdownFraction: dailyDrawdownFraction(sod, equityUsd) }),
  });

  if (!(phaseMaxNotionalUsd > 0))
    return veto("zero-allocation", `phase ${signal.phase} may use nothing: ${usd(equityUsd)} × weight ${phaseWeight} × modifier ${modifier} × ${tier.leverageCap}x`, risk(signal.requestedNotionalUsd));
  if (!(phaseRoomUsd > 0))
    return veto("zero-allocation", `phase ${signal.phase} already holds ${usd(phaseOpenUsd)} of its ${usd(phaseMaxNotionalUsd)}`, risk(signal.requestedNotionalUsd));
  if (!(leverageHeadroomUsd > 0))
    return veto("leverage-cap", `open exposure ${usd(grossExposureUsd(positions))} already uses the ${tier.name} tier's ${tier.leverageCap}x cap on ${usd(equityUsd)}`, risk(signal.requestedNotionalUsd));
  if (!(authorisedNotionalUsd > 0)) return veto("risk-limit", `risk limits leave no size for ${signal.symbol}`, risk(signal.requestedNotionalUsd));
  // Above the cap already (equity fell), a trade that closes too little of an opposite position still lands above it.
  if (!fitsLeverageCap(positions, { ...signal, notionalUsd: authorisedNotionalUsd }, equityUsd, tier.leverageCap))
    return veto("leverage-cap", `open exposure ${usd(grossExposureUsd(positions))} is above the ${tier.name} tier's ${tier.leverageCap}x cap on ${usd(equityUsd)} and ${usd(authorisedNotionalUsd)} does not bring it back under`, risk(authorisedNotionalUsd));

  const decision: Decision = {
    ...decisionHeader(signal, nowMs),
    outcome: "approved",
    authorisedNotionalUsd,
    // The signal's leverage, never above its tier's cap.
    leverage: Math.min(signal.leverage, tier.leverageCap),
    risk: risk(authorisedNotionalUsd),
  };
  return { kind: "decided", decision, orderCommand: orderCommandFor(signal, decision, nowMs, params) };
}

const allFinite = (risk: RiskFigures): boolean => Object.values(risk).every((v) => typeof v !== "number" || Number.isFinite(v));

function decisionHeader(signal: Signal, nowMs: number) {
  return {
    version: 1 as const,
    decisionId: deterministicUuid("decision", signal.signalId),
    signalId: signal.signalId,
    phase: signal.phase,
    symbol: signal.symbol,
    side: signal.side,
    requestedNotionalUsd: signal.requestedNotionalUsd,
    tsMs: nowMs,
  };
}

/** The order an approval causes: the authorised size, with the signal's stop loss and take profits attached. */
export function orderCommandFor(signal: Signal, decision: Extract<Decision, { outcome: "approved" }>, nowMs: number, params: BrainParameters): OrderCommand {
  return {
    version: 1,
    commandId: deterministicUuid("order-command", signal.signalId),
    signalId: signal.signalId,
    decisionId: decision.decisionId,
    clientOrderId: clientOrderIdFor(signal.signalId),
    symbol: signal.symbol,
    side: signal.side === "long" ? "buy" : "sell",
    notionalUsd: decision.authorisedNotionalUsd,
    leverage: decision.leverage,
    reduceOnly: false,
    entryZone: { ...signal.entryZone },
    stopLossPriceUsd: signal.stopLossPriceUsd,
    takeProfits: signal.takeProfits.map((tp) => ({ ...tp })),
    expiresAtMs: nowMs + params.signals.orderCommandTtlMs,
    tsMs: nowMs,
  };
}
