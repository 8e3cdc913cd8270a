// A backtest's figures from its closed trades: PnL, return, Sharpe (the brain's definition, called, not
// copied), max drawdown of the realised equity curve, win rate, profit factor, and the t-statistic of
// the per-trade returns that tells an edge from luck.

import { dailyReturns, sharpeRatio, type ClosedTrade } from "../../brain/domain/performance.js";
import type { BacktestFigures } from "../../shared/contracts/index.js";

export type ExitReason = "take-profit" | "stop-loss" | "end-of-window";

export interface SimulatedTrade {
  readonly signalId: string;
  readonly symbol: string;
  readonly trapType: string;
  readonly side: "long" | "short";
  readonly signalTsMs: number;
  readonly entryTsMs: number;
  readonly entryPriceUsd: number;
  readonly exitTsMs: number;
  readonly exitPriceUsd: number;
  readonly exitReason: ExitReason;
  readonly qty: number;
  readonly notionalUsd: number;
  readonly feesUsd: number;
  /** After fees and slippage. */
  readonly pnlUsd: number;
  readonly equityAtOpenUsd: number;
}

export interface EquityPoint {
  readonly tsMs: number;
  readonly equityUsd: number;
}

export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The contract's figures plus what the acceptance rules read. */
export interface WindowFigures extends BacktestFigures {
  /** mean / standard error of the per-trade returns (pnl / equity at open); null below two trades. */
  readonly edgeTStat: number | null;
}

/** Realised equity after each close, starting from the initial equity at the window's start. */
export function equityCurve(trades: readonly SimulatedTrade[], window: Window, initialEquityUsd: number): EquityPoint[] {
  const points: EquityPoint[] = [{ tsMs: window.fromMs, equityUsd: initialEquityUsd }];
  let equity = initialEquityUsd;
  for (const t of [...trades].sort((a, b) => a.exitTsMs - b.exitTsMs)) {
    equity += t.pnlUsd;
    points.push({ tsMs: t.exitTsMs, equityUsd: equity });
  }
  return points;
}

/** Largest fall from a running peak, as a fraction of that peak (0 for a curve that never falls). */
export function maxDrawdownFraction(curve: readonly EquityPoint[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const { equityUsd } of curve) {
    if (equityUsd > peak) peak = equityUsd;
    if (peak > 0) worst = Math.max(worst, (peak - equityUsd) / peak);
  }
  return Math.min(1, worst);
}

/** mean / (sample stdev / √n): how many standard errors the average trade is above zero. */
export function tStatistic(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (n - 1);
  if (!(variance > 0)) return mean === 0 ? 0 : mean > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return mean / Math.sqrt(variance / n);
}

export function windowFigures(trades: readonly SimulatedTrade[], window: Window, initialEquityUsd: number): WindowFigures {
  const curve = equityCurve(trades, window, initialEquityUsd);
  const netPnlUsd = trades.reduce((acc, t) => acc + t.pnlUsd, 0);
  const asBrainTrades: ClosedTrade[] = trades.map((t) => ({
    tradeId: t.signalId,
    phase: 1,
    symbol: t.symbol,
    pnlUsd: t.pnlUsd,
    equityAtOpenUsd: t.equityAtOpenUsd,
    closedAtMs: t.exitTsMs,
  }));
  // The brain's daily returns end at `nowMs`; a window's last trade may close exactly at its end.
  const returns = dailyReturns(asBrainTrades, window.toMs - 1, window.toMs - window.fromMs);
  const wins = trades.filter((t) => t.pnlUsd > 0).length;
  const grossProfit = trades.reduce((acc, t) => acc + Math.max(0, t.pnlUsd), 0);
  const grossLoss = trades.reduce((acc, t) => acc + Math.max(0, -t.pnlUsd), 0);
  return {
    trades: trades.length,
    netPnlUsd,
    returnFraction: netPnlUsd / initialEquityUsd,
    sharpe: sharpeRatio(returns),
    maxDrawdownFraction: maxDrawdownFraction(curve),
    winRate: trades.length === 0 ? null : wins / trades.length,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    edgeTStat: tStatistic(trades.map((t) => t.pnlUsd / t.equityAtOpenUsd)),
  };
}

/** The contract's figures (the message schema is strict: no extra fields), with finite numbers only. */
export function contractFigures(f: WindowFigures): BacktestFigures {
  const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);
  return {
    trades: f.trades,
    netPnlUsd: f.netPnlUsd,
    returnFraction: f.returnFraction,
    sharpe: finite(f.sharpe),
    maxDrawdownFraction: f.maxDrawdownFraction,
    winRate: f.winRate,
    profitFactor: finite(f.profitFactor),
  };
}
