// Rolling per-second buckets of each symbol's trade flow: cumulative volume delta (taker buys minus
// taker sells, base quantity) and the highest price, for the detectors' 60 s / 5 min windows. A bucket
// remembers which second it holds, so an idle symbol's old buckets are simply not counted: no clearing
// loop on the trade path, one modulo and two stores per trade. Windows have one-second resolution.

import { capacityFor, grownFloat64 } from "./growable.js";

const SECOND_MS = 1_000;

export class TradeFlowWindows {
  /** Buckets per symbol: the longest window in seconds, plus the second in progress. */
  readonly bucketsPerSymbol: number;
  private symbolCapacity = 0;
  private second = new Float64Array(0);
  private delta = new Float64Array(0);
  private high = new Float64Array(0);

  constructor(longestWindowMs: number, symbols = 8) {
    this.bucketsPerSymbol = Math.ceil(longestWindowMs / SECOND_MS) + 1;
    this.ensureSymbols(symbols);
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.symbolCapacity) return;
    this.symbolCapacity = capacityFor(symbols, this.symbolCapacity);
    const length = this.symbolCapacity * this.bucketsPerSymbol;
    this.second = grownFloat64(this.second, length, Number.NaN);
    this.delta = grownFloat64(this.delta, length, 0);
    this.high = grownFloat64(this.high, length, Number.NaN);
  }

  /** `sideSign` > 0 for a taker buy, otherwise a taker sell. */
  record(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): void {
    const second = Math.floor(tsMs / SECOND_MS);
    const i = symbol * this.bucketsPerSymbol + (second % this.bucketsPerSymbol);
    if (this.second[i] !== second) {
      this.second[i] = second;
      this.delta[i] = 0;
      this.high[i] = priceUsd;
    }
    this.delta[i] = (this.delta[i] as number) + (sideSign > 0 ? qty : -qty);
    if (priceUsd > (this.high[i] as number)) this.high[i] = priceUsd;
  }

  /** Cumulative volume delta of the whole seconds in the window ending at `nowMs` (its second included). */
  volumeDelta(symbol: number, nowMs: number, windowMs: number): number {
    let sum = 0;
    this.forEachBucket(symbol, nowMs, windowMs, (i) => {
      sum += this.delta[i] as number;
    });
    return sum;
  }

  /** Highest trade price in the window ending at `nowMs`; NaN when the symbol did not trade in it. */
  highestPrice(symbol: number, nowMs: number, windowMs: number): number {
    let highest = Number.NaN;
    this.forEachBucket(symbol, nowMs, windowMs, (i) => {
      const value = this.high[i] as number;
      if (!(value <= highest)) highest = value;
    });
    return highest;
  }

  private forEachBucket(symbol: number, nowMs: number, windowMs: number, visit: (index: number) => void): void {
    if (symbol >= this.symbolCapacity) return;
    const nowSecond = Math.floor(nowMs / SECOND_MS);
    const seconds = Math.min(this.bucketsPerSymbol, Math.max(1, Math.ceil(windowMs / SECOND_MS)));
    const base = symbol * this.bucketsPerSymbol;
    for (let s = nowSecond - seconds + 1; s <= nowSecond; s++) {
      const i = base + (((s % this.bucketsPerSymbol) + this.bucketsPerSymbol) % this.bucketsPerSymbol);
      if (this.second[i] === s) visit(i);
    }
  }
}
