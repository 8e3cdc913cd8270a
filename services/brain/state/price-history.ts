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
  /**
   * How many leading points of `view` still match the series. A trade moves only the current minute's
   * price, so a decision rebuilds one point, not the whole history (which made the brain's GC busy).
   */
  validPrefix: number;
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
      s = { ts: [], px: [], view: null, validPrefix: 0 };
      this.series.set(symbol, s);
    }
    const last = s.ts.length - 1;
    if (last < 0 || bucket > (s.ts[last] as number)) {
      s.ts.push(bucket);
      s.px.push(priceUsd);
      if (s.ts.length > this.maxPoints) {
        s.ts.shift();
        s.px.shift();
        s.validPrefix = 0; // every point moved down one place
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
          s.validPrefix = 0;
        }
      }
      s.validPrefix = Math.min(s.validPrefix, index);
    }
    return true;
  }

  latestPrice(symbol: string): number | null {
    const s = this.series.get(symbol);
    return s && s.px.length > 0 ? (s.px[s.px.length - 1] as number) : null;
  }

  points(symbol: string): number {
    return this.series.get(symbol)?.ts.length ?? 0;
  }

  /**
   * The domain's view: symbol → points, oldest first. An unchanged symbol keeps its array (callers may
   * cache by identity); a changed one gets a new array that reuses the points still valid.
   */
  history(): PriceHistory {
    const view = new Map<string, readonly PricePoint[]>();
    for (const [symbol, s] of this.series) {
      if (s.view === null || s.validPrefix < s.ts.length || s.view.length !== s.ts.length) {
        const kept = s.view === null ? 0 : Math.min(s.validPrefix, s.view.length, s.ts.length);
        const points: PricePoint[] = s.view === null ? [] : s.view.slice(0, kept);
        for (let i = kept; i < s.ts.length; i++) points.push({ tsMs: s.ts[i] as number, priceUsd: s.px[i] as number });
        s.view = points;
        s.validPrefix = points.length;
      }
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
