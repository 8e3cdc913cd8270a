// Per-phase performance (domain.md "Performance modifier per phase"): closed trades, their daily returns,
// the Sharpe ratio and the modifier it sets. `sharpeRatio` is the one Sharpe implementation of Titan:
// every other figure called Sharpe (console, AI Quant) calls this one.

import type { Phase } from "./allocation.js";
import type { BrainParameters } from "./brain-parameters.js";
import { isFlat, mean, sampleVariance } from "./statistics.js";

const DAY_MS = 86_400_000;

/**
 * Sharpe = mean / stdev of daily returns × √365 (sample stdev, n − 1). Null when it is not defined:
 * fewer than two returns, or returns without any spread.
 */
export function sharpeRatio(dailyReturns: readonly number[], annualisationDays = 365): number | null {
  const variance = sampleVariance(dailyReturns);
  if (variance === null || isFlat(dailyReturns, variance)) return null;
  return (mean(dailyReturns) / Math.sqrt(variance)) * Math.sqrt(annualisationDays);
}

/** Sharpe < 0 → 0.5, > 2 → 1.2, else 1.0; neutral while fewer than the minimum trades or without a Sharpe. */
export function performanceModifier(sharpe: number | null, tradeCount: number, params: BrainParameters): number {
  const p = params.performance;
  if (tradeCount < p.minTrades || sharpe === null) return p.neutralModifier;
  if (sharpe < p.lowSharpe) return p.lowModifier;
  if (sharpe > p.highSharpe) return p.highModifier;
  return p.neutralModifier;
}

export interface ClosedTrade {
  /** Unique per trade: recording the same trade twice counts it once. */
  readonly tradeId: string;
  readonly phase: Phase;
  readonly symbol: string;
  /** Realised PnL after fees. */
  readonly pnlUsd: number;
  /** Total equity when the trade was opened: the base its return is measured against. */
  readonly equityAtOpenUsd: number;
  readonly closedAtMs: number;
}

export interface PerformanceState {
  /** Trades within the look-back window, oldest first. */
  readonly trades: readonly ClosedTrade[];
}

export const EMPTY_PERFORMANCE: PerformanceState = { trades: [] };

export type RecordTradeResult = { ok: true; state: PerformanceState; recorded: boolean } | { ok: false; problem: string };

/**
 * Adds a closed trade (idempotent by trade id) and forgets trades that fell out of the window at `nowMs`.
 * A trade that is itself older than the window is accepted and forgotten at once.
 */
export function recordClosedTrade(state: PerformanceState, trade: ClosedTrade, nowMs: number, params: BrainParameters): RecordTradeResult {
  if (!Number.isFinite(trade.pnlUsd)) return { ok: false, problem: `pnlUsd must be a finite number, got ${trade.pnlUsd}` };
  if (!(trade.equityAtOpenUsd > 0) || !Number.isFinite(trade.equityAtOpenUsd))
    return { ok: false, problem: `equityAtOpenUsd must be a positive number, got ${trade.equityAtOpenUsd}` };
  const known = state.trades.some((t) => t.tradeId === trade.tradeId);
  const trades = known ? state.trades : [...state.trades, trade].sort((a, b) => a.closedAtMs - b.closedAtMs);
  const windowStartMs = nowMs - params.performance.sharpeWindowMs;
  return { ok: true, state: { trades: trades.filter((t) => t.closedAtMs > windowStartMs) }, recorded: !known };
}

/**
 * One return per day of the window, oldest first, in days counted back from `nowMs` (so the last bucket
 * is the 24 h ending now). A trade adds pnl / equity at open to the day it closed; a day without trades
 * returns 0, because idle capital earned nothing.
 */
export function dailyReturns(trades: readonly ClosedTrade[], nowMs: number, windowMs: number): number[] {
  const days = Math.max(1, Math.round(windowMs / DAY_MS));
  const returns = new Array<number>(days).fill(0);
  for (const trade of trades) {
    const age = nowMs - trade.closedAtMs;
    if (age < 0 || age >= days * DAY_MS) continue;
    const bucket = days - 1 - Math.floor(age / DAY_MS);
    returns[bucket] = (returns[bucket] as number) + trade.pnlUsd / trade.equityAtOpenUsd;
  }
  return returns;
}

export interface PhasePerformance {
  readonly phase: Phase;
  readonly tradesInWindow: number;
  readonly wins: number;
  readonly losses: number;
  readonly netPnlUsd: number;
  readonly dailyReturns: readonly number[];
  readonly sharpe: number | null;
  readonly modifier: number;
}

export function phasePerformance(state: PerformanceState, phase: Phase, nowMs: number, params: BrainParameters): PhasePerformance {
  const windowMs = params.performance.sharpeWindowMs;
  const trades = state.trades.filter((t) => t.phase === phase && t.closedAtMs <= nowMs && nowMs - t.closedAtMs < windowMs);
  const returns = dailyReturns(trades, nowMs, windowMs);
  const sharpe = sharpeRatio(returns, params.performance.annualisationDays);
  return {
    phase,
    tradesInWindow: trades.length,
    wins: trades.filter((t) => t.pnlUsd > 0).length,
    losses: trades.filter((t) => t.pnlUsd < 0).length,
    netPnlUsd: trades.reduce((acc, t) => acc + t.pnlUsd, 0),
    dailyReturns: returns,
    sharpe,
    modifier: performanceModifier(sharpe, trades.length, params),
  };
}

/** The modifier of every phase at `nowMs`: the input signal approval sizes with. */
export function performanceModifiers(state: PerformanceState, nowMs: number, params: BrainParameters): Readonly<Record<Phase, number>> {
  return {
    1: phasePerformance(state, 1, nowMs, params).modifier,
    2: phasePerformance(state, 2, nowMs, params).modifier,
    3: phasePerformance(state, 3, nowMs, params).modifier,
  };
}
