// Rolling per-second buckets of each symbol's trade flow: cumulative volume delta (taker buys minus
// taker sells, base quantity) and the highest price, for the detectors' 60 s / 5 min windows. A bucket
// remembers which second it holds, so an idle symbol's old buckets are simply not counted: no clearing
// loop on the trade path, one modulo and two stores per trade. Windows have one-second resolution.

import { capacityFor, grownFloat64, grownInt32 } from "./growable.js";

const SECOND_MS = 1_000;

export class TradeFlowWindows {
  /** Buckets per symbol: the longest window in seconds, plus the second in progress. */
  readonly bucketsPerSymbol: number;
  private symbolCapacity = 0;
  private second = new Float64Array(0);
  private delta = new Float64Array(0);
  private high = new Float64Array(0);
  /** Per symbol, the second of its last trade and that second's bucket: most trades land in the same one. */
  private lastSecond = new Float64Array(0);
  private lastBucket = new Int32Array(0);

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
    this.lastSecond = grownFloat64(this.lastSecond, this.symbolCapacity, Number.NaN);
    this.lastBucket = grownInt32(this.lastBucket, this.symbolCapacity);
  }

  /** `sideSign` > 0 for a taker buy, otherwise a taker sell. */
  record(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): void {
    const second = Math.floor(tsMs / SECOND_MS);
    // Epoch seconds are beyond small integers, so `%` is a floating-point remainder: once per new second.
    let i = this.lastBucket[symbol] as number;
    if (second !== this.lastSecond[symbol]) {
      i = symbol * this.bucketsPerSymbol + (second % this.bucketsPerSymbol);
      this.lastSecond[symbol] = second;
      this.lastBucket[symbol] = i;
    }
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
    const { first, seconds, base } = this.window(symbol, nowMs, windowMs);
    for (let k = 0, s = first.second, j = first.bucket; k < seconds; k++, s++, j = j + 1 === this.bucketsPerSymbol ? 0 : j + 1)
      if (this.second[base + j] === s) sum += this.delta[base + j] as number;
    return sum;
  }

  /** Highest trade price in the window ending at `nowMs`; NaN when the symbol did not trade in it. */
  highestPrice(symbol: number, nowMs: number, windowMs: number): number {
    let highest = Number.NaN;
    const { first, seconds, base } = this.window(symbol, nowMs, windowMs);
    for (let k = 0, s = first.second, j = first.bucket; k < seconds; k++, s++, j = j + 1 === this.bucketsPerSymbol ? 0 : j + 1) {
      const value = this.high[base + j] as number;
      if (this.second[base + j] === s && !(value <= highest)) highest = value;
    }
    return highest;
  }

  /**
   * The window's seconds, oldest first: the first one and its bucket, then consecutive buckets wrapping
   * around (one remainder per window, not one per second). No seconds for a symbol never sized for.
   */
  private window(symbol: number, nowMs: number, windowMs: number): { first: { second: number; bucket: number }; seconds: number; base: number } {
    if (symbol >= this.symbolCapacity) return { first: { second: 0, bucket: 0 }, seconds: 0, base: 0 };
    const n = this.bucketsPerSymbol;
    const seconds = Math.min(n, Math.max(1, Math.ceil(windowMs / SECOND_MS)));
    const second = Math.floor(nowMs / SECOND_MS) - seconds + 1;
    return { first: { second, bucket: ((second % n) + n) % n }, seconds, base: symbol * n };
  }
}
