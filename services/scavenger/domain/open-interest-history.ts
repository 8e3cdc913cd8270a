// Each symbol's open interest over time, for "open interest −20 % against ≥ 5 minutes ago". Venues
// stream open interest up to ten times a second, so samples are stored at most once per spacing
// (reference age / 16); the reference is the newest stored sample at least the reference age old, so it
// is never younger than asked and at most one spacing older.

import { capacityFor, grownFloat64, grownInt32 } from "./growable.js";

const SAMPLES_PER_SYMBOL = 64;
const SPACINGS_PER_REFERENCE_AGE = 16;

export class OpenInterestHistory {
  readonly spacingMs: number;
  private capacity = 0;
  private sampleTsMs = new Float64Array(0);
  private sampleQty = new Float64Array(0);
  private head = new Int32Array(0);
  private stored = new Int32Array(0);
  private latestQty = new Float64Array(0);
  private latestTsMs = new Float64Array(0);

  constructor(referenceAgeMs: number, symbols = 8) {
    this.spacingMs = Math.max(1, Math.floor(referenceAgeMs / SPACINGS_PER_REFERENCE_AGE));
    this.ensureSymbols(symbols);
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.sampleTsMs = grownFloat64(this.sampleTsMs, this.capacity * SAMPLES_PER_SYMBOL, Number.NaN);
    this.sampleQty = grownFloat64(this.sampleQty, this.capacity * SAMPLES_PER_SYMBOL, Number.NaN);
    this.head = grownInt32(this.head, this.capacity);
    this.stored = grownInt32(this.stored, this.capacity);
    this.latestQty = grownFloat64(this.latestQty, this.capacity, Number.NaN);
    this.latestTsMs = grownFloat64(this.latestTsMs, this.capacity, Number.NaN);
  }

  record(symbol: number, openInterestQty: number, tsMs: number): void {
    this.latestQty[symbol] = openInterestQty;
    this.latestTsMs[symbol] = tsMs;
    const count = this.stored[symbol] as number;
    const head = this.head[symbol] as number;
    const base = symbol * SAMPLES_PER_SYMBOL;
    const newestStored = count > 0 ? (this.sampleTsMs[base + ((head + SAMPLES_PER_SYMBOL - 1) % SAMPLES_PER_SYMBOL)] as number) : Number.NaN;
    if (count > 0 && tsMs - newestStored < this.spacingMs) return;
    this.sampleTsMs[base + head] = tsMs;
    this.sampleQty[base + head] = openInterestQty;
    this.head[symbol] = (head + 1) % SAMPLES_PER_SYMBOL;
    this.stored[symbol] = Math.min(SAMPLES_PER_SYMBOL, count + 1);
  }

  latest(symbol: number): { openInterestQty: number; tsMs: number } | null {
    if (symbol >= this.capacity || Number.isNaN(this.latestQty[symbol])) return null;
    return { openInterestQty: this.latestQty[symbol] as number, tsMs: this.latestTsMs[symbol] as number };
  }

  /** The newest stored sample taken at or before `nowMs − minAgeMs`. */
  reference(symbol: number, nowMs: number, minAgeMs: number): { openInterestQty: number; tsMs: number } | null {
    if (symbol >= this.capacity) return null;
    const count = this.stored[symbol] as number;
    const head = this.head[symbol] as number;
    const base = symbol * SAMPLES_PER_SYMBOL;
    for (let k = 1; k <= count; k++) {
      const i = base + ((head - k + SAMPLES_PER_SYMBOL) % SAMPLES_PER_SYMBOL);
      const tsMs = this.sampleTsMs[i] as number;
      if (tsMs <= nowMs - minAgeMs) return { openInterestQty: this.sampleQty[i] as number, tsMs };
    }
    return null;
  }
}
