// Bad market data never becomes a signal: each event is checked before it touches any state, and a bad
// one is dropped and counted by kind (the service exports the counts as a metric). Per-symbol ordering
// state lives in typed arrays; the trade check is a handful of comparisons on the hot path.
//
// Kinds: non-finite (NaN, ±∞), non-positive-price, non-positive-qty (a trade's size ≤ 0; a bar's volume
// or open interest < 0), out-of-range (negative time, funding beyond ±100 %, an unknown taker side),
// out-of-order (older than the symbol's last event of that stream), duplicate (a trade id seen again, a
// bar already had), inconsistent-bar (high below low, open/close outside the range, misaligned open),
// gap (a silence longer than maxTradeGapMs between trades, or missing bars: the bar history before a
// missing bar is discarded, because indicators over non-adjacent bars would be wrong).

import { capacityFor, grownFloat64 } from "./growable.js";
import type { ScavengerParameters } from "./scavenger-parameters.js";

export const BAD_MARKET_DATA_KINDS = [
  "non-finite",
  "non-positive-price",
  "non-positive-qty",
  "out-of-range",
  "out-of-order",
  "duplicate",
  "inconsistent-bar",
  "gap",
] as const;
export type BadMarketDataKind = (typeof BAD_MARKET_DATA_KINDS)[number];
const kindIndex = (kind: BadMarketDataKind) => BAD_MARKET_DATA_KINDS.indexOf(kind);

/** What to do with a bar: keep it, drop it, or keep it after discarding the broken history. */
export type BarVerdict = "accept" | "drop" | "restart";

export interface BarFields {
  readonly openTsMs: number;
  readonly openPriceUsd: number;
  readonly highPriceUsd: number;
  readonly lowPriceUsd: number;
  readonly closePriceUsd: number;
  readonly volumeQty: number;
  readonly turnoverUsd?: number;
}

type Stream = "openInterest" | "funding" | "spot";

export class MarketDataGuard {
  private readonly counts = new Float64Array(BAD_MARKET_DATA_KINDS.length);
  private capacity = 0;
  private lastTradeTsMs = new Float64Array(0);
  private readonly lastTsMs: Record<Stream, Float64Array<ArrayBuffer>> = { openInterest: new Float64Array(0), funding: new Float64Array(0), spot: new Float64Array(0) };
  /** Recent trade ids per symbol (only when the feed gives ids): a set for lookup, a ring for eviction. */
  private readonly recentIds = new Map<number, { set: Set<string>; ring: string[]; next: number }>();
  private maxTradeGapMs: number;
  private recentIdCount: number;

  constructor(params: ScavengerParameters["dataGuard"], symbols = 8) {
    this.maxTradeGapMs = params.maxTradeGapMs;
    this.recentIdCount = params.recentTradeIds;
    this.ensureSymbols(symbols);
  }

  configure(params: ScavengerParameters["dataGuard"]): void {
    this.maxTradeGapMs = params.maxTradeGapMs;
    if (params.recentTradeIds !== this.recentIdCount) this.recentIds.clear();
    this.recentIdCount = params.recentTradeIds;
  }

  ensureSymbols(symbols: number): void {
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.lastTradeTsMs = grownFloat64(this.lastTradeTsMs, this.capacity, Number.NEGATIVE_INFINITY);
    for (const stream of Object.keys(this.lastTsMs) as Stream[])
      this.lastTsMs[stream] = grownFloat64(this.lastTsMs[stream], this.capacity, Number.NEGATIVE_INFINITY);
  }

  /** Dropped events so far, by kind. */
  dropped(): Record<BadMarketDataKind, number> {
    return Object.fromEntries(BAD_MARKET_DATA_KINDS.map((kind, i) => [kind, this.counts[i] as number])) as Record<BadMarketDataKind, number>;
  }

  /** `sideSign` is +1 (taker buy) or −1 (taker sell). True when the trade may be used. */
  acceptTrade(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): boolean {
    const lastTsMs = this.lastTradeTsMs[symbol] as number;
    if (priceUsd > 0 && priceUsd < Infinity && qty > 0 && qty < Infinity && tsMs >= lastTsMs && tsMs >= 0 && tsMs < Infinity && (sideSign === 1 || sideSign === -1)) {
      if (tsMs - lastTsMs > this.maxTradeGapMs && lastTsMs > Number.NEGATIVE_INFINITY) this.count("gap");
      this.lastTradeTsMs[symbol] = tsMs;
      return true;
    }
    this.count(this.tradeProblem(lastTsMs, priceUsd, qty, sideSign, tsMs));
    return false;
  }

  /** A trade id already seen for the symbol: counted as a duplicate. */
  isDuplicateTrade(symbol: number, tradeId: string): boolean {
    const recent = this.recentIds.get(symbol);
    if (!recent?.set.has(tradeId)) return false;
    this.count("duplicate");
    return true;
  }

  rememberTradeId(symbol: number, tradeId: string): void {
    let recent = this.recentIds.get(symbol);
    if (!recent) {
      recent = { set: new Set(), ring: [], next: 0 };
      this.recentIds.set(symbol, recent);
    }
    if (recent.ring.length < this.recentIdCount) recent.ring.push(tradeId);
    else {
      recent.set.delete(recent.ring[recent.next] as string);
      recent.ring[recent.next] = tradeId;
      recent.next = (recent.next + 1) % this.recentIdCount;
    }
    recent.set.add(tradeId);
  }

  /**
   * A closed bar of a kept series whose newest bar opened at `lastOpenTsMs` (NaN when empty). Checks the
   * numbers, then the sequence: the same open again is a duplicate, an older one out of order, and a jump
   * of more than one interval a gap.
   */
  checkBar(bar: BarFields, intervalMs: number, lastOpenTsMs: number): BarVerdict {
    if (!this.barNumbersOk(bar, intervalMs)) return "drop";
    if (Number.isNaN(lastOpenTsMs)) return "accept";
    if (bar.openTsMs === lastOpenTsMs) return this.drop("duplicate");
    if (bar.openTsMs < lastOpenTsMs) return this.drop("out-of-order");
    if (bar.openTsMs > lastOpenTsMs + intervalMs) {
      this.count("gap");
      return "restart";
    }
    return "accept";
  }

  /** The numeric checks alone, for bars that feed only the daily range. */
  barNumbersOk(bar: BarFields, intervalMs: number): boolean {
    const { openTsMs, openPriceUsd: o, highPriceUsd: h, lowPriceUsd: l, closePriceUsd: c, volumeQty, turnoverUsd } = bar;
    const numbers = [openTsMs, o, h, l, c, volumeQty, turnoverUsd ?? 0];
    if (!numbers.every(Number.isFinite)) return this.fail("non-finite");
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) return this.fail("non-positive-price");
    if (volumeQty < 0 || (turnoverUsd ?? 0) < 0) return this.fail("non-positive-qty");
    if (openTsMs < 0) return this.fail("out-of-range");
    if (h < l || o > h || o < l || c > h || c < l || openTsMs % intervalMs !== 0) return this.fail("inconsistent-bar");
    return true;
  }

  acceptOpenInterest(symbol: number, openInterestQty: number, tsMs: number): boolean {
    if (!Number.isFinite(openInterestQty) || !Number.isFinite(tsMs)) return this.fail("non-finite");
    if (openInterestQty < 0) return this.fail("non-positive-qty");
    return this.inOrder("openInterest", symbol, tsMs);
  }

  /** Funding per interval as a fraction; beyond ±1 (±100 %) is not a funding rate. */
  acceptFunding(symbol: number, fundingRate: number, tsMs: number): boolean {
    if (!Number.isFinite(fundingRate) || !Number.isFinite(tsMs)) return this.fail("non-finite");
    if (Math.abs(fundingRate) > 1) return this.fail("out-of-range");
    return this.inOrder("funding", symbol, tsMs);
  }

  acceptSpotPrice(symbol: number, spotPriceUsd: number, tsMs: number): boolean {
    if (!Number.isFinite(spotPriceUsd) || !Number.isFinite(tsMs)) return this.fail("non-finite");
    if (!(spotPriceUsd > 0)) return this.fail("non-positive-price");
    return this.inOrder("spot", symbol, tsMs);
  }

  private inOrder(stream: Stream, symbol: number, tsMs: number): boolean {
    if (tsMs < 0) return this.fail("out-of-range");
    const last = this.lastTsMs[stream];
    if (tsMs < (last[symbol] as number)) return this.fail("out-of-order");
    last[symbol] = tsMs;
    return true;
  }

  private tradeProblem(lastTsMs: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): BadMarketDataKind {
    if (!Number.isFinite(priceUsd) || !Number.isFinite(qty) || !Number.isFinite(tsMs)) return "non-finite";
    if (!(priceUsd > 0)) return "non-positive-price";
    if (!(qty > 0)) return "non-positive-qty";
    if (sideSign !== 1 && sideSign !== -1) return "out-of-range";
    return tsMs < 0 ? "out-of-range" : "out-of-order";
  }

  private count(kind: BadMarketDataKind): void {
    const i = kindIndex(kind);
    this.counts[i] = (this.counts[i] as number) + 1;
  }

  private fail(kind: BadMarketDataKind): false {
    this.count(kind);
    return false;
  }

  private drop(kind: BadMarketDataKind): "drop" {
    this.count(kind);
    return "drop";
  }
}
