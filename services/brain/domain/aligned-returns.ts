// Returns of price series over the timestamps they share, computed once per set of series. Every
// signal asks for correlation (and the risk figures for beta and VaR) on the same price history, which
// changes only when a trade moves a minute's price: between two changes a batch of signals reuses the
// same aligned returns instead of rebuilding maps of 720 points per symbol pair for each signal.
//
// The memo is keyed by the series arrays themselves, so a history's arrays must never be mutated: a
// changed series is a new array (PriceHistoryBook.history() works that way). Results are exactly the
// ones of the plain definition (risk.test.ts compares both on arbitrary histories).
import { lowerQuantileInPlace, pearson, sampleCovariance, sampleVariance } from "./statistics.js";

export interface PricePoint {
  readonly tsMs: number;
  readonly priceUsd: number;
}

export type Series = readonly PricePoint[];

/** Strictly increasing timestamps: what the merge joins below need; anything else takes the map path. */
export function strictlyIncreasing(points: Series): boolean {
  for (let i = 1; i < points.length; i++) if (!((points[i] as PricePoint).tsMs > (points[i - 1] as PricePoint).tsMs)) return false;
  return true;
}

/** The returns of `a` and `b` over consecutive shared timestamps, with the figures built on them. */
export class PairReturns {
  private correlationValue: number | null | undefined;
  private betaValue: number | null | undefined;

  constructor(
    readonly xs: readonly number[],
    readonly ys: readonly number[],
  ) {}

  /** Pearson correlation of xs and ys (null when either is flat or too short). */
  get correlation(): number | null {
    if (this.correlationValue === undefined) this.correlationValue = pearson(this.xs, this.ys);
    return this.correlationValue;
  }

  /** cov(xs, ys) / var(ys): the beta of a to b; null for a flat or too short b. */
  get beta(): number | null {
    if (this.betaValue === undefined) {
      const cov = sampleCovariance(this.xs, this.ys);
      const variance = sampleVariance(this.ys);
      this.betaValue = cov === null || variance === null || variance === 0 ? null : cov / variance;
    }
    return this.betaValue;
  }
}

/** The plain definition: b by timestamp in a map, a's points filtered to those b has, in a's order. */
export function pairReturnsByMap(a: Series, b: Series): { xs: number[]; ys: number[] } {
  const bByTs = new Map(b.map((p) => [p.tsMs, p.priceUsd]));
  const shared = a.filter((p) => bByTs.has(p.tsMs));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 1; i < shared.length; i++) {
    const prev = shared[i - 1] as PricePoint;
    const cur = shared[i] as PricePoint;
    xs.push(cur.priceUsd / prev.priceUsd - 1);
    ys.push((bByTs.get(cur.tsMs) as number) / (bByTs.get(prev.tsMs) as number) - 1);
  }
  return { xs, ys };
}

/** The same for two strictly increasing series, by one merge pass and without a map. */
function pairReturnsByMerge(a: Series, b: Series): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  let prevA = Number.NaN;
  let prevB = Number.NaN;
  let havePrev = false;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const pa = a[i] as PricePoint;
    const pb = b[j] as PricePoint;
    if (pa.tsMs < pb.tsMs) i++;
    else if (pa.tsMs > pb.tsMs) j++;
    else {
      if (havePrev) {
        xs.push(pa.priceUsd / prevA - 1);
        ys.push(pb.priceUsd / prevB - 1);
      }
      prevA = pa.priceUsd;
      prevB = pb.priceUsd;
      havePrev = true;
      i++;
      j++;
    }
  }
  return { xs, ys };
}

const pairs = new WeakMap<Series, WeakMap<Series, PairReturns>>();

/** The aligned returns of `a` against `b`, computed once per pair of arrays. */
export function pairReturns(a: Series, b: Series): PairReturns {
  let byB = pairs.get(a);
  if (byB === undefined) {
    byB = new WeakMap();
    pairs.set(a, byB);
  }
  let entry = byB.get(b);
  if (entry === undefined) {
    const { xs, ys } = strictlyIncreasing(a) && strictlyIncreasing(b) ? pairReturnsByMerge(a, b) : pairReturnsByMap(a, b);
    entry = new PairReturns(xs, ys);
    byB.set(b, entry);
  }
  return entry;
}

/**
 * Returns of several series over the timestamps all of them share (ascending), one row per series, and
 * the gap between consecutive shared timestamps: what historical VaR replays positions over.
 */
export interface SharedReturns {
  /** returns[k][i]: series k's return from shared timestamp i to i + 1. */
  readonly returns: readonly Float64Array[];
  /** How many scenarios (shared timestamps less one). */
  readonly count: number;
  /** The median gap between consecutive shared timestamps; null without any. */
  readonly medianIntervalMs: number | null;
}

const withMedian = (returns: readonly Float64Array[], intervalsMs: Float64Array): SharedReturns => ({
  returns,
  count: intervalsMs.length,
  medianIntervalMs: lowerQuantileInPlace(intervalsMs, 0.5),
});

/** The plain definition: each series in a map, the first one's timestamps kept where all have them, sorted. */
export function sharedReturnsByMap(series: readonly Series[]): SharedReturns {
  const maps = series.map((points) => new Map(points.map((p) => [p.tsMs, p.priceUsd])));
  const first = maps[0] ?? new Map<number, number>();
  const shared = [...first.keys()].filter((ts) => maps.every((m) => m.has(ts))).sort((x, y) => x - y);
  const n = Math.max(0, shared.length - 1);
  const returns = maps.map(() => new Float64Array(n));
  const intervalsMs = new Float64Array(n);
  for (let i = 1; i < shared.length; i++) {
    const [prevTs, ts] = [shared[i - 1] as number, shared[i] as number];
    intervalsMs[i - 1] = ts - prevTs;
    maps.forEach((m, k) => ((returns[k] as Float64Array)[i - 1] = (m.get(ts) as number) / (m.get(prevTs) as number) - 1));
  }
  return withMedian(returns, intervalsMs);
}

/** The same for strictly increasing series: one k-way merge pass. */
function sharedReturnsByMerge(series: readonly Series[]): SharedReturns {
  const k = series.length;
  const cursor = new Array<number>(k).fill(0);
  const sharedTs: number[] = [];
  const sharedPx: number[][] = series.map(() => []);
  outer: for (;;) {
    // The largest head is the earliest timestamp every series can still share.
    let target = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < k; s++) {
      const p = (series[s] as Series)[cursor[s] as number];
      if (p === undefined) break outer;
      if (p.tsMs > target) target = p.tsMs;
    }
    let all = true;
    for (let s = 0; s < k; s++) {
      const points = series[s] as Series;
      let c = cursor[s] as number;
      while (c < points.length && (points[c] as PricePoint).tsMs < target) c++;
      cursor[s] = c;
      if (c >= points.length) break outer;
      if ((points[c] as PricePoint).tsMs !== target) all = false;
    }
    if (!all) continue;
    sharedTs.push(target);
    for (let s = 0; s < k; s++) {
      (sharedPx[s] as number[]).push(((series[s] as Series)[cursor[s] as number] as PricePoint).priceUsd);
      cursor[s] = (cursor[s] as number) + 1;
    }
  }
  const n = Math.max(0, sharedTs.length - 1);
  const returns = sharedPx.map((px) => {
    const r = new Float64Array(n);
    for (let i = 1; i < px.length; i++) r[i - 1] = (px[i] as number) / (px[i - 1] as number) - 1;
    return r;
  });
  const intervalsMs = new Float64Array(n);
  for (let i = 1; i < sharedTs.length; i++) intervalsMs[i - 1] = (sharedTs[i] as number) - (sharedTs[i - 1] as number);
  return withMedian(returns, intervalsMs);
}

interface TupleNode {
  readonly next: WeakMap<Series, TupleNode>;
  value?: SharedReturns;
}

const tuples: TupleNode = { next: new WeakMap() };

/** The shared returns of `series` (in this order), computed once per tuple of arrays. */
export function sharedReturns(series: readonly Series[]): SharedReturns {
  let node = tuples;
  for (const s of series) {
    let child = node.next.get(s);
    if (child === undefined) {
      child = { next: new WeakMap() };
      node.next.set(s, child);
    }
    node = child;
  }
  if (node.value === undefined) node.value = series.length > 0 && series.every(strictlyIncreasing) ? sharedReturnsByMerge(series) : sharedReturnsByMap(series);
  return node.value;
}
