// Each symbol's high and low per UTC day, from closed bars of any interval up to a day (a daily bar gives
// the day at once; hourly bars build it up). Max and min are idempotent, so the same day reported by
// several intervals, or a bar seen twice, changes nothing. Only the last two days are kept: the daily
// level trap needs the previous UTC day.

import { capacityFor, grownFloat64 } from "./growable.js";

export const DAY_MS = 86_400_000;

export interface DayRange {
  readonly dayStartTsMs: number;
  readonly highPriceUsd: number;
  readonly lowPriceUsd: number;
}

export class DailyRange {
  private capacity = 0;
  private newestDay = new Float64Array(0);
  private newestHigh = new Float64Array(0);
  private newestLow = new Float64Array(0);
  private olderDay = new Float64Array(0);
  private olderHigh = new Float64Array(0);
  private olderLow = new Float64Array(0);

  constructor(symbols = 8) {
    this.ensureSymbols(symbols);
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.newestDay = grownFloat64(this.newestDay, this.capacity, Number.NaN);
    this.newestHigh = grownFloat64(this.newestHigh, this.capacity, Number.NaN);
    this.newestLow = grownFloat64(this.newestLow, this.capacity, Number.NaN);
    this.olderDay = grownFloat64(this.olderDay, this.capacity, Number.NaN);
    this.olderHigh = grownFloat64(this.olderHigh, this.capacity, Number.NaN);
    this.olderLow = grownFloat64(this.olderLow, this.capacity, Number.NaN);
  }

  /** A closed bar opened at `openTsMs` lasting `intervalMs` (≤ one day, so it lies within one UTC day). */
  record(symbol: number, openTsMs: number, intervalMs: number, highPriceUsd: number, lowPriceUsd: number): void {
    if (intervalMs > DAY_MS) return;
    const day = Math.floor(openTsMs / DAY_MS);
    const newest = this.newestDay[symbol] as number;
    if (Number.isNaN(newest) || day > newest) {
      // A new day: the newest becomes the older one only when it is the day before.
      const keepOlder = day === newest + 1;
      this.olderDay[symbol] = keepOlder ? newest : Number.NaN;
      this.olderHigh[symbol] = keepOlder ? (this.newestHigh[symbol] as number) : Number.NaN;
      this.olderLow[symbol] = keepOlder ? (this.newestLow[symbol] as number) : Number.NaN;
      this.newestDay[symbol] = day;
      this.newestHigh[symbol] = highPriceUsd;
      this.newestLow[symbol] = lowPriceUsd;
    } else if (day === newest) {
      this.newestHigh[symbol] = Math.max(this.newestHigh[symbol] as number, highPriceUsd);
      this.newestLow[symbol] = Math.min(this.newestLow[symbol] as number, lowPriceUsd);
    } else if (day === newest - 1) {
      const olderKnown = this.olderDay[symbol] === day;
      this.olderDay[symbol] = day;
      this.olderHigh[symbol] = olderKnown ? Math.max(this.olderHigh[symbol] as number, highPriceUsd) : highPriceUsd;
      this.olderLow[symbol] = olderKnown ? Math.min(this.olderLow[symbol] as number, lowPriceUsd) : lowPriceUsd;
    }
  }

  /** The range of the UTC day before the one containing `nowMs`, when it was seen. */
  previousDay(symbol: number, nowMs: number): DayRange | null {
    if (symbol >= this.capacity) return null;
    const wanted = Math.floor(nowMs / DAY_MS) - 1;
    if (this.newestDay[symbol] === wanted)
      return { dayStartTsMs: wanted * DAY_MS, highPriceUsd: this.newestHigh[symbol] as number, lowPriceUsd: this.newestLow[symbol] as number };
    if (this.olderDay[symbol] === wanted)
      return { dayStartTsMs: wanted * DAY_MS, highPriceUsd: this.olderHigh[symbol] as number, lowPriceUsd: this.olderLow[symbol] as number };
    return null;
  }
}
