// What a fill costs beyond its price: fees (maker for take-profit limits, taker for entries and stops) and
// slippage proportional to volatility (the ATR of the strategy's own level bars) and to size.

import type { KlineInput } from "../../scavenger/domain/index.js";
import type { QuantSettings } from "./quant-settings.js";

type BacktestSettings = QuantSettings["backtest"];

/** Slippage of a taker fill as a fraction of price: settings.slippageAtrFraction × ATR × (1 + notional / reference), capped. */
export function slippageFraction(settings: BacktestSettings, atrFraction: number, notionalUsd: number): number {
  if (!(atrFraction > 0) || !(notionalUsd > 0)) return 0;
  const raw = settings.slippageAtrFraction * atrFraction * (1 + notionalUsd / settings.slippageReferenceNotionalUsd);
  return Math.min(settings.maxSlippageFraction, raw);
}

/**
 * Average true range per symbol over the last `period` closed bars of one interval, as a fraction of the
 * last close. Symbols are the strategy's numbers; bars of other intervals are ignored.
 */
export class AtrTracker {
  private readonly ranges = new Map<string, { values: Float64Array; next: number; filled: number; sum: number; lastClose: number }>();

  constructor(
    private readonly interval: string,
    private readonly period: number,
  ) {
    if (!Number.isInteger(period) || period < 1) throw new RangeError(`ATR period must be a positive integer, got ${period}`);
  }

  onKline(kline: KlineInput): void {
    if (kline.interval !== this.interval || !kline.closed) return;
    let state = this.ranges.get(kline.symbol);
    if (!state) {
      state = { values: new Float64Array(this.period), next: 0, filled: 0, sum: 0, lastClose: Number.NaN };
      this.ranges.set(kline.symbol, state);
    }
    const previous = state.lastClose;
    const trueRange = Number.isNaN(previous)
      ? kline.highPriceUsd - kline.lowPriceUsd
      : Math.max(kline.highPriceUsd - kline.lowPriceUsd, Math.abs(kline.highPriceUsd - previous), Math.abs(kline.lowPriceUsd - previous));
    if (!Number.isFinite(trueRange) || trueRange < 0) return;
    state.sum += trueRange - (state.filled === this.period ? (state.values[state.next] as number) : 0);
    state.values[state.next] = trueRange;
    state.next = (state.next + 1) % this.period;
    state.filled = Math.min(this.period, state.filled + 1);
    state.lastClose = kline.closePriceUsd;
  }

  /** ATR / last close; 0 before the symbol's first bar. */
  atrFraction(symbol: string): number {
    const state = this.ranges.get(symbol);
    if (!state || state.filled === 0 || !(state.lastClose > 0)) return 0;
    return state.sum / state.filled / state.lastClose;
  }
}
