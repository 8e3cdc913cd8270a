// Closed bars built from trades, for a tape that has only trades (the AI Quant backtester's trade tape).
// A bar closes when a later interval's trade arrives or time is flushed past it; intervals without a
// trade become flat bars at the previous close with no volume, as a venue's kline feed reports them,
// so the strategy sees an unbroken series. Per trade: a few typed-array stores per interval.

import { capacityFor, grownFloat64 } from "./growable.js";
import type { KlineInput } from "./market-state.js";
import { INTERVAL_MS } from "./scavenger-parameters.js";

type IntervalName = keyof typeof INTERVAL_MS;

/** Longest run of empty intervals filled with flat bars; a longer silence is left as a gap. */
const MAX_FLAT_BARS = 2_000;

class IntervalBars {
  readonly intervalMs: number;
  private capacity = 0;
  private openTsMs = new Float64Array(0);
  private open = new Float64Array(0);
  private high = new Float64Array(0);
  private low = new Float64Array(0);
  private close = new Float64Array(0);
  private volume = new Float64Array(0);
  private turnover = new Float64Array(0);

  constructor(
    readonly interval: IntervalName,
    private readonly emit: (kline: KlineInput) => void,
    private readonly names: readonly string[],
  ) {
    this.intervalMs = INTERVAL_MS[interval];
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.openTsMs = grownFloat64(this.openTsMs, this.capacity, Number.NaN);
    this.open = grownFloat64(this.open, this.capacity, Number.NaN);
    this.high = grownFloat64(this.high, this.capacity, Number.NaN);
    this.low = grownFloat64(this.low, this.capacity, Number.NaN);
    this.close = grownFloat64(this.close, this.capacity, Number.NaN);
    this.volume = grownFloat64(this.volume, this.capacity, 0);
    this.turnover = grownFloat64(this.turnover, this.capacity, 0);
  }

  onTrade(symbol: number, priceUsd: number, qty: number, tsMs: number): void {
    if (!(tsMs < (this.openTsMs[symbol] as number) + this.intervalMs)) {
      // NaN (no bar yet) also lands here.
      this.closeUpTo(symbol, tsMs);
      this.openTsMs[symbol] = tsMs - (tsMs % this.intervalMs);
    }
    if (this.volume[symbol] === 0) {
      // The bar's first trade (sizes are positive, so no volume means no trade yet).
      this.open[symbol] = priceUsd;
      this.high[symbol] = priceUsd;
      this.low[symbol] = priceUsd;
    }
    if (priceUsd > (this.high[symbol] as number)) this.high[symbol] = priceUsd;
    if (priceUsd < (this.low[symbol] as number)) this.low[symbol] = priceUsd;
    this.close[symbol] = priceUsd;
    this.volume[symbol] = (this.volume[symbol] as number) + qty;
    this.turnover[symbol] = (this.turnover[symbol] as number) + qty * priceUsd;
  }

  /** Closes the symbol's bar if it ended by `tsMs`, then flat bars for the silent intervals up to `tsMs`. */
  closeUpTo(symbol: number, tsMs: number): void {
    const openTsMs = this.openTsMs[symbol] as number;
    if (Number.isNaN(openTsMs) || tsMs < openTsMs + this.intervalMs) return;
    const closePriceUsd = this.close[symbol] as number;
    if (this.volume[symbol] === 0) this.emitBar(symbol, openTsMs, closePriceUsd, closePriceUsd, closePriceUsd, closePriceUsd, 0, 0);
    else this.emitBar(symbol, openTsMs, this.open[symbol] as number, this.high[symbol] as number, this.low[symbol] as number, closePriceUsd, this.volume[symbol] as number, this.turnover[symbol] as number);
    const nextOpenTsMs = openTsMs + this.intervalMs;
    const silentBars = Math.floor((tsMs - nextOpenTsMs) / this.intervalMs);
    if (silentBars <= MAX_FLAT_BARS)
      for (let k = 0; k < silentBars; k++) this.emitBar(symbol, nextOpenTsMs + k * this.intervalMs, closePriceUsd, closePriceUsd, closePriceUsd, closePriceUsd, 0, 0);
    // The interval containing tsMs is open now, with no trade yet; the last close carries over.
    this.openTsMs[symbol] = tsMs - (tsMs % this.intervalMs);
    this.volume[symbol] = 0;
    this.turnover[symbol] = 0;
  }

  private emitBar(symbol: number, openTsMs: number, o: number, h: number, l: number, c: number, volumeQty: number, turnoverUsd: number): void {
    this.emit({
      symbol: this.names[symbol] as string,
      interval: this.interval,
      openTsMs,
      openPriceUsd: o,
      highPriceUsd: h,
      lowPriceUsd: l,
      closePriceUsd: c,
      volumeQty,
      turnoverUsd,
      closed: true,
    });
  }
}

export class TradeBarBuilder {
  private readonly intervals: IntervalBars[];
  private readonly names: string[] = [];

  constructor(intervals: readonly IntervalName[], emit: (kline: KlineInput) => void) {
    this.intervals = [...new Set(intervals)].map((interval) => new IntervalBars(interval, emit, this.names));
  }

  /** Declares the symbol names by number (the numbering of the caller's tape). */
  setSymbols(names: readonly string[]): void {
    this.names.length = 0;
    this.names.push(...names);
    for (const bars of this.intervals) bars.ensureSymbols(names.length);
  }

  onTrade(symbol: number, priceUsd: number, qty: number, tsMs: number): void {
    for (let i = 0; i < this.intervals.length; i++) (this.intervals[i] as IntervalBars).onTrade(symbol, priceUsd, qty, tsMs);
  }

  /** Closes every bar that ended by `tsMs` (before a recomputation reads them). */
  flush(tsMs: number): void {
    for (const bars of this.intervals) for (let symbol = 0; symbol < this.names.length; symbol++) bars.closeUpTo(symbol, tsMs);
  }
}
