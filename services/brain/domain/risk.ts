// The risk guardian's figures (domain.md "Signal approval", step 4, and "Portfolio figures kept current"):
// exposure with netting, projected leverage, correlation, beta to BTC, historical VaR, daily drawdown.

import { pairReturns, sharedReturns, type PricePoint, type Series } from "./aligned-returns.js";
import type { BrainParameters } from "./brain-parameters.js";
import { lowerQuantileInPlace } from "./statistics.js";

export type { PricePoint } from "./aligned-returns.js";

export type PositionSide = "long" | "short";

export interface OpenPosition {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Absolute notional at the mark price. */
  readonly notionalUsd: number;
}

/**
 * Recent prices per symbol at a common sampling (e.g. 1-minute closes), oldest first. The arrays are
 * never mutated (a changed series is a new array): the figures below memoise by array (aligned-returns.ts).
 */
export type PriceHistory = ReadonlyMap<string, readonly PricePoint[]>;

const NO_POINTS: Series = Object.freeze([]);
const seriesOf = (history: PriceHistory, symbol: string): Series => history.get(symbol) ?? NO_POINTS;

/** The trade being considered: a signal's symbol, side and size. */
export interface ProposedExposure {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly notionalUsd: number;
}

const DAY_MS = 86_400_000;

export const signedNotionalUsd = (side: PositionSide, notionalUsd: number): number => (side === "long" ? notionalUsd : -notionalUsd);

/** Net signed notional per symbol: positions on one symbol offset each other (one-way position mode). */
export function netExposureBySymbol(positions: readonly OpenPosition[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const p of positions) net.set(p.symbol, (net.get(p.symbol) ?? 0) + signedNotionalUsd(p.side, p.notionalUsd));
  return net;
}

/** Σ |net notional| over symbols: what leverage is measured on. */
export function grossExposureUsd(positions: readonly OpenPosition[]): number {
  let gross = 0;
  for (const net of netExposureBySymbol(positions).values()) gross += Math.abs(net);
  return gross;
}

/** Σ signed notional: long minus short, in USD. */
export const netDeltaUsd = (positions: readonly OpenPosition[]): number => positions.reduce((acc, p) => acc + signedNotionalUsd(p.side, p.notionalUsd), 0);

/** Gross exposure after the trade: an opposite-side trade nets against the open position of its symbol. */
export function projectedGrossExposureUsd(positions: readonly OpenPosition[], trade: ProposedExposure): number {
  const net = netExposureBySymbol(positions);
  const before = net.get(trade.symbol) ?? 0;
  const others = grossExposureUsd(positions) - Math.abs(before);
  return others + Math.abs(before + signedNotionalUsd(trade.side, trade.notionalUsd));
}

/** (Σ |open notional| ± trade) / E. Infinite when equity is not positive: no size is safe then. */
export function projectedLeverage(positions: readonly OpenPosition[], trade: ProposedExposure, equityUsd: number): number {
  const gross = projectedGrossExposureUsd(positions, trade);
  return equityUsd > 0 ? gross / equityUsd : gross === 0 ? 0 : Number.POSITIVE_INFINITY;
}

export const currentLeverage = (positions: readonly OpenPosition[], equityUsd: number): number =>
  equityUsd > 0 ? grossExposureUsd(positions) / equityUsd : grossExposureUsd(positions) === 0 ? 0 : Number.POSITIVE_INFINITY;

/**
 * The largest size on `side` of `symbol` that keeps projected leverage within `leverageCap`:
 * cap × E − G + 2P, where G is the gross exposure and P the opposite-side position of the symbol (which the
 * trade first closes, then flips). Never negative. When exposure is already above the cap, sizes below this
 * can still land above it (closing too little of P): check the chosen size with `fitsLeverageCap`.
 */
export function maxNotionalWithinLeverageUsd(
  positions: readonly OpenPosition[],
  symbol: string,
  side: PositionSide,
  equityUsd: number,
  leverageCap: number,
): number {
  if (!(equityUsd > 0)) return 0;
  const net = netExposureBySymbol(positions).get(symbol) ?? 0;
  const opposite = Math.max(0, -signedNotionalUsd(side, net));
  return Math.max(0, leverageCap * equityUsd - grossExposureUsd(positions) + 2 * opposite);
}

/** Whether the trade leaves projected leverage within the cap (to a relative 1e-9, for rounding). */
export function fitsLeverageCap(positions: readonly OpenPosition[], trade: ProposedExposure, equityUsd: number, leverageCap: number): boolean {
  return projectedLeverage(positions, trade, equityUsd) <= leverageCap * (1 + 1e-9);
}

/**
 * Returns of two symbols over the timestamps they share, pairwise: a return is taken only between two
 * consecutive shared timestamps, so a gap in one series never pairs returns over different spans.
 */
export function alignedReturns(a: readonly PricePoint[], b: readonly PricePoint[]): { readonly xs: readonly number[]; readonly ys: readonly number[] } {
  const { xs, ys } = pairReturns(a, b);
  return { xs, ys };
}

/** Pearson correlation of two symbols' returns; 1 for a symbol with itself; null with too little data. */
export function returnCorrelation(history: PriceHistory, symbolA: string, symbolB: string, minSamples: number): number | null {
  if (symbolA === symbolB) return 1;
  const pair = pairReturns(seriesOf(history, symbolA), seriesOf(history, symbolB));
  return pair.xs.length < minSamples ? null : pair.correlation;
}

export interface CorrelationCheck {
  /** Highest correlation with an open position on the trade's side; null without one (or without data). */
  readonly maxCorrelation: number | null;
  readonly correlatedSymbol: string | null;
  readonly halve: boolean;
}

/**
 * Correlation of the trade's symbol with each open position on the same side; above the threshold the size
 * is halved. A same-symbol position counts (correlation 1): adding to it concentrates risk just the same.
 * Opposite-side positions hedge and are ignored.
 */
export function correlationCheck(positions: readonly OpenPosition[], trade: ProposedExposure, history: PriceHistory, params: BrainParameters): CorrelationCheck {
  let maxCorrelation: number | null = null;
  let correlatedSymbol: string | null = null;
  for (const [symbol, net] of netExposureBySymbol(positions)) {
    if (net === 0 || (net > 0 ? "long" : "short") !== trade.side) continue;
    const correlation = returnCorrelation(history, trade.symbol, symbol, params.signals.minReturnSamples);
    if (correlation !== null && (maxCorrelation === null || correlation > maxCorrelation)) {
      maxCorrelation = correlation;
      correlatedSymbol = symbol;
    }
  }
  return { maxCorrelation, correlatedSymbol, halve: maxCorrelation !== null && maxCorrelation > params.signals.correlationThreshold };
}

/** β = cov(r, r_benchmark) / var(r_benchmark); null with too little data or a flat benchmark. */
export function betaTo(history: PriceHistory, symbol: string, benchmarkSymbol: string, minSamples: number): number | null {
  if (symbol === benchmarkSymbol) return 1;
  const pair = pairReturns(seriesOf(history, symbol), seriesOf(history, benchmarkSymbol));
  return pair.xs.length < minSamples ? null : pair.beta;
}

export interface PortfolioBeta {
  /** Σ signed notional × β: the BTC-equivalent exposure in USD. */
  readonly betaWeightedDeltaUsd: number;
  /** betaWeightedDeltaUsd / E. */
  readonly portfolioBeta: number;
  /** Symbols without enough data, counted at β = 1 (crypto moves with BTC until shown otherwise). */
  readonly assumedBetaSymbols: readonly string[];
}

export function portfolioBeta(positions: readonly OpenPosition[], history: PriceHistory, benchmarkSymbol: string, equityUsd: number, minSamples: number): PortfolioBeta {
  let betaWeightedDeltaUsd = 0;
  const assumedBetaSymbols: string[] = [];
  for (const [symbol, net] of netExposureBySymbol(positions)) {
    if (net === 0) continue;
    const beta = betaTo(history, symbol, benchmarkSymbol, minSamples);
    if (beta === null) assumedBetaSymbols.push(symbol);
    betaWeightedDeltaUsd += net * (beta ?? 1);
  }
  return { betaWeightedDeltaUsd, portfolioBeta: equityUsd > 0 ? betaWeightedDeltaUsd / equityUsd : 0, assumedBetaSymbols };
}

/**
 * Historical VaR: the portfolio's PnL replayed over each past interval the held symbols share, the loss
 * at the (1 − confidence) quantile, scaled to the horizon by √(horizon / interval) when the history is
 * sampled more finely than the horizon. 0 without positions; null when the history is too short.
 */
export function historicalVarUsd(positions: readonly OpenPosition[], history: PriceHistory, params: BrainParameters): number | null {
  const exposures = [...netExposureBySymbol(positions)].filter(([, net]) => net !== 0);
  if (exposures.length === 0) return 0;
  // What depends on the history alone (returns over the shared timestamps) is memoised; the PnL per scenario is not.
  const { returns, count, medianIntervalMs } = sharedReturns(exposures.map(([symbol]) => seriesOf(history, symbol)));
  if (count < params.signals.minReturnSamples || medianIntervalMs === null) return null;
  const pnls = new Float64Array(count);
  for (let i = 0; i < pnls.length; i++) {
    let acc = 0;
    for (let k = 0; k < exposures.length; k++) acc = acc + (exposures[k] as [string, number])[1] * ((returns[k] as Float64Array)[i] as number);
    pnls[i] = acc;
  }
  const tailPnl = lowerQuantileInPlace(pnls, 1 - params.risk.varConfidence) as number;
  const scale = Math.sqrt(Math.max(1, params.risk.varHorizonMs / medianIntervalMs));
  return Math.max(0, -tailPnl) * scale;
}

/** 00:00 UTC of the day `tsMs` falls in: daily drawdown's base. */
export const startOfUtcDayMs = (tsMs: number): number => Math.floor(tsMs / DAY_MS) * DAY_MS;

export interface StartOfDayEquity {
  readonly dayStartMs: number;
  readonly equityUsd: number;
}

/**
 * Keeps the start-of-day equity: the first equity seen in a new UTC day becomes its base (the nearest
 * figure to 00:00 the brain has). Within a day the base never moves.
 */
export function rollStartOfDay(current: StartOfDayEquity | null, equityUsd: number, tsMs: number): StartOfDayEquity {
  const dayStartMs = startOfUtcDayMs(tsMs);
  return current !== null && current.dayStartMs >= dayStartMs ? current : { dayStartMs, equityUsd };
}

/** (start-of-day − now) / start-of-day, in [0, 1]; 0 without a positive base (minimum equity covers that case). */
export function dailyDrawdownFraction(startOfDayEquityUsd: number, equityUsd: number): number {
  if (!(startOfDayEquityUsd > 0)) return 0;
  return Math.min(1, Math.max(0, (startOfDayEquityUsd - equityUsd) / startOfDayEquityUsd));
}

export interface PortfolioRisk {
  readonly equityUsd: number;
  readonly grossExposureUsd: number;
  readonly leverage: number;
  readonly netDeltaUsd: number;
  readonly beta: PortfolioBeta;
  /** Null while the price history is too short to say. */
  readonly varUsd: number | null;
  readonly dailyDrawdownFraction: number;
}

/** Every portfolio figure the brain keeps current, in one pass: what a risk snapshot records. */
export function portfolioRisk(
  positions: readonly OpenPosition[],
  equityUsd: number,
  startOfDayEquityUsd: number,
  history: PriceHistory,
  params: BrainParameters,
): PortfolioRisk {
  return {
    equityUsd,
    grossExposureUsd: grossExposureUsd(positions),
    leverage: currentLeverage(positions, equityUsd),
    netDeltaUsd: netDeltaUsd(positions),
    beta: portfolioBeta(positions, history, params.risk.benchmarkSymbol, equityUsd, params.signals.minReturnSamples),
    varUsd: historicalVarUsd(positions, history, params),
    dailyDrawdownFraction: dailyDrawdownFraction(startOfDayEquityUsd, equityUsd),
  };
}
