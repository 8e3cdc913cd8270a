// A bounded price history per known symbol, sampled on one clock for every symbol (the last price seen
// in each minute), so returns of different symbols line up for correlation, beta and VaR. Memory is
// bounded: only known symbols, at most `maxPoints` buckets each. It lives in memory only and is
// re-warmed from the kline stream after a restart; a gap only means fewer samples, and the risk figures
// answer "unknown" (null) until there are enough.

import type { PricePoint, PriceHistory } from "../domain/index.js";

interface Series {
  readonly ts: number[];
  readonly px: number[];
  view: readonly PricePoint[] | null;
}

export class PriceHistoryBook {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly symbols: ReadonlySet<string>,
    readonly maxPoints: number,
    readonly bucketMs = 60_000,
  ) {
    if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError("PriceHistoryBook: maxPoints must be an integer ≥ 2");
    if (!(Number.isInteger(bucketMs) && bucketMs > 0)) throw new RangeError("PriceHistoryBook: bucketMs must be a positive integer");
  }

  /**
   * Records a price observed at `tsMs` as its bucket's latest. Returns false (and keeps nothing) for an
   * unknown symbol, a price that is not a positive number, or a time older than the window kept.
   */
  record(symbol: string, tsMs: number, priceUsd: number): boolean {
    if (!this.symbols.has(symbol) || !(priceUsd > 0) || !Number.isFinite(priceUsd) || !Number.isFinite(tsMs)) return false;
    const bucket = Math.floor(tsMs / this.bucketMs) * this.bucketMs;
    let s = this.series.get(symbol);
    if (!s) {
      s = { ts: [], px: [], view: null };
      this.series.set(symbol, s);
    }
    const last = s.ts.length - 1;
    if (last < 0 || bucket > (s.ts[last] as number)) {
      s.ts.push(bucket);
      s.px.push(priceUsd);
      if (s.ts.length > this.maxPoints) {
        s.ts.shift();
        s.px.shift();
      }
    } else {
      // Late or replayed data (the warm-up, a reordered stream): into its bucket, in time order.
      const index = lowerBound(s.ts, bucket);
      if (s.ts[index] === bucket) s.px[index] = priceUsd;
      else if (index === 0 && s.ts.length >= this.maxPoints) return false;
      else {
        s.ts.splice(index, 0, bucket);
        s.px.splice(index, 0, priceUsd);
        if (s.ts.length > this.maxPoints) {
          s.ts.shift();
          s.px.shift();
        }
      }
    }
    s.view = null;
    return true;
  }

  latestPrice(symbol: string): number | null {
    const s = this.series.get(symbol);
    return s && s.px.length > 0 ? (s.px[s.px.length - 1] as number) : null;
  }

  points(symbol: string): number {
    return this.series.get(symbol)?.ts.length ?? 0;
  }

  /** The domain's view: symbol → points, oldest first. Arrays are rebuilt only for symbols that changed. */
  history(): PriceHistory {
    const view = new Map<string, readonly PricePoint[]>();
    for (const [symbol, s] of this.series) {
      if (s.view === null) s.view = s.ts.map((tsMs, i) => ({ tsMs, priceUsd: s.px[i] as number }));
      view.set(symbol, s.view);
    }
    return view;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
