// ccxt's unified structures (and Bybit's raw kline rows) → contracts' market payloads. Pure and small,
// so each is pinned by a test against the shapes ccxt returns. A structure missing what the contract
// requires (no price, a non-positive size) yields null and is counted by the caller, never published.

import type { MarketEvent, Venue } from "../events.js";
import { INTERVAL_MS, type KlineInterval } from "../kline-builder.js";

export interface ParseContext {
  readonly venue: Venue;
  /** The venue's id of the symbol (BTCUSDT): what every Titan message names. */
  readonly symbol: string;
  /** Our receive time. */
  readonly nowMs: number;
}

export interface CcxtTrade {
  readonly id?: string | undefined;
  readonly timestamp?: number | undefined;
  readonly side?: string | undefined;
  readonly price?: number | undefined;
  readonly amount?: number | undefined;
}

export interface CcxtTicker {
  readonly timestamp?: number | undefined;
  readonly bid?: number | undefined;
  readonly ask?: number | undefined;
  readonly last?: number | undefined;
  readonly markPrice?: number | undefined;
  readonly indexPrice?: number | undefined;
  readonly baseVolume?: number | undefined;
  readonly quoteVolume?: number | undefined;
}

export interface CcxtFundingRate {
  readonly timestamp?: number | undefined;
  readonly fundingRate?: number | undefined;
  readonly nextFundingTimestamp?: number | undefined;
  readonly fundingTimestamp?: number | undefined;
  readonly markPrice?: number | undefined;
  readonly info?: Record<string, unknown> | undefined;
}

const positive = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x > 0;
const nonNegative = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;
const toNumber = (x: unknown): number | undefined => {
  const n = typeof x === "string" && x.trim() !== "" ? Number(x) : typeof x === "number" ? x : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};
const epochMs = (x: unknown, fallback: number): number => {
  const n = toNumber(x);
  return n !== undefined && n >= 0 ? Math.floor(n) : fallback;
};

const base = (ctx: ParseContext, venueTsMs: number, marketType: "linear" | "spot" = "linear") => ({
  version: 1 as const,
  venue: ctx.venue,
  marketType,
  symbol: ctx.symbol,
  venueTsMs,
  tsMs: ctx.nowMs,
});

export function tradeFromCcxt(trade: CcxtTrade, ctx: ParseContext): MarketEvent | null {
  if (!positive(trade.price) || !positive(trade.amount) || (trade.side !== "buy" && trade.side !== "sell")) return null;
  const venueTsMs = epochMs(trade.timestamp, ctx.nowMs);
  const tradeId = typeof trade.id === "string" && trade.id.length > 0 && trade.id.length <= 128 ? trade.id : `${ctx.symbol}-${venueTsMs}-${trade.price}-${trade.amount}`;
  return { type: "market-trade", payload: { ...base(ctx, venueTsMs), tradeId, side: trade.side, priceUsd: trade.price, qty: trade.amount } };
}

export function tickerFromCcxt(ticker: CcxtTicker, ctx: ParseContext): MarketEvent | null {
  if (!positive(ticker.last)) return null;
  return {
    type: "market-ticker",
    payload: {
      ...base(ctx, epochMs(ticker.timestamp, ctx.nowMs)),
      bidPriceUsd: positive(ticker.bid) ? ticker.bid : null,
      askPriceUsd: positive(ticker.ask) ? ticker.ask : null,
      lastPriceUsd: ticker.last,
      ...(positive(ticker.markPrice) ? { markPriceUsd: ticker.markPrice } : {}),
      ...(positive(ticker.indexPrice) ? { indexPriceUsd: ticker.indexPrice } : {}),
      volume24hQty: nonNegative(ticker.baseVolume) ? ticker.baseVolume : 0,
      turnover24hUsd: nonNegative(ticker.quoteVolume) ? ticker.quoteVolume : 0,
    },
  };
}

/**
 * The spot side of the basis, from the perpetual's index price: Bybit's index is the average of the
 * underlying's spot prices on the major spot venues, so it stands in for a spot ticker without a
 * second (spot) market subscription. No volume travels with it.
 */
export function spotFromIndex(ticker: CcxtTicker, ctx: ParseContext): MarketEvent | null {
  if (!positive(ticker.indexPrice)) return null;
  return {
    type: "market-ticker",
    payload: { ...base(ctx, epochMs(ticker.timestamp, ctx.nowMs), "spot"), bidPriceUsd: null, askPriceUsd: null, lastPriceUsd: ticker.indexPrice, volume24hQty: 0, turnover24hUsd: 0 },
  };
}

/** A funding-rate structure carries both figures Bybit's tickers have: funding and open interest. */
export function fundingAndOpenInterestFromCcxt(rate: CcxtFundingRate, ctx: ParseContext): MarketEvent[] {
  const venueTsMs = epochMs(rate.timestamp, ctx.nowMs);
  const events: MarketEvent[] = [];
  const next = toNumber(rate.nextFundingTimestamp ?? rate.fundingTimestamp ?? rate.info?.nextFundingTime);
  if (typeof rate.fundingRate === "number" && Math.abs(rate.fundingRate) <= 1 && next !== undefined && next >= 0) {
    events.push({ type: "market-funding", payload: { ...base(ctx, venueTsMs), fundingRate: rate.fundingRate, nextFundingTsMs: Math.floor(next) } });
  }
  const openInterestQty = toNumber(rate.info?.openInterest);
  if (openInterestQty !== undefined && openInterestQty >= 0) {
    const valueUsd = toNumber(rate.info?.openInterestValue) ?? (positive(rate.markPrice) ? openInterestQty * rate.markPrice : undefined);
    events.push({
      type: "market-open-interest",
      payload: { ...base(ctx, venueTsMs), openInterestQty, ...(valueUsd !== undefined && valueUsd >= 0 ? { openInterestUsd: valueUsd } : {}) },
    });
  }
  return events;
}

/** One bar as the venue reports it. `turnoverUsd` is null when the source (ccxt's OHLCV arrays) drops it. */
export interface VenueBar {
  readonly openTsMs: number;
  readonly openPriceUsd: number;
  readonly highPriceUsd: number;
  readonly lowPriceUsd: number;
  readonly closePriceUsd: number;
  readonly volumeQty: number;
  readonly turnoverUsd: number | null;
}

/** ccxt OHLCV row `[ts, open, high, low, close, volume]`. */
export function barFromOhlcv(row: readonly (number | undefined)[]): VenueBar | null {
  const [ts, open, high, low, close, volume] = row;
  if (typeof ts !== "number" || ![open, high, low, close].every(positive) || !nonNegative(volume)) return null;
  return { openTsMs: ts, openPriceUsd: open as number, highPriceUsd: high as number, lowPriceUsd: low as number, closePriceUsd: close as number, volumeQty: volume, turnoverUsd: null };
}

/** Bybit v5 `GET /v5/market/kline` row: `[start, open, high, low, close, volume, turnover]`, strings. */
export function barFromBybitRow(row: readonly unknown[]): VenueBar | null {
  const [ts, open, high, low, close, volume, turnover] = row.map(toNumber);
  if (ts === undefined || ![open, high, low, close].every(positive) || !nonNegative(volume)) return null;
  return { openTsMs: ts, openPriceUsd: open as number, highPriceUsd: high as number, lowPriceUsd: low as number, closePriceUsd: close as number, volumeQty: volume, turnoverUsd: nonNegative(turnover) ? turnover : null };
}

/** Bybit's kline interval names. */
export const BYBIT_INTERVALS: Readonly<Record<KlineInterval, string>> = { "1m": "1", "5m": "5", "15m": "15", "1h": "60", "4h": "240", "1d": "D" };

export function klineFromBar(bar: VenueBar, interval: KlineInterval, closed: boolean, ctx: ParseContext): MarketEvent {
  const closeTsMs = bar.openTsMs + INTERVAL_MS[interval] - 1;
  // Without the venue's turnover, the typical price × volume is the usual estimate.
  const turnoverUsd = bar.turnoverUsd ?? (bar.volumeQty * (bar.highPriceUsd + bar.lowPriceUsd + bar.closePriceUsd)) / 3;
  return {
    type: "market-kline",
    payload: {
      ...base(ctx, closed ? closeTsMs : ctx.nowMs),
      interval,
      openTsMs: bar.openTsMs,
      closeTsMs,
      openPriceUsd: bar.openPriceUsd,
      highPriceUsd: bar.highPriceUsd,
      lowPriceUsd: bar.lowPriceUsd,
      closePriceUsd: bar.closePriceUsd,
      volumeQty: bar.volumeQty,
      turnoverUsd,
      closed,
    },
  };
}

/**
 * Tells closed bars from the forming one in a stream of bar updates: a bar is closed once a later bar
 * appears. Emits each closed bar once.
 */
export class ClosedBarTracker {
  private forming: VenueBar | null = null;

  /** `lastClosedOpenTsMs`: the newest bar already emitted elsewhere (a backfill), never emitted again. */
  constructor(private lastClosedOpenTsMs = Number.NEGATIVE_INFINITY) {}

  /** Feeds updates in any order; returns the bars that are now known to be closed, oldest first. */
  update(bars: readonly VenueBar[]): VenueBar[] {
    const closed: VenueBar[] = [];
    for (const bar of [...bars].sort((a, b) => a.openTsMs - b.openTsMs)) {
      if (bar.openTsMs <= this.lastClosedOpenTsMs) continue;
      if (this.forming && bar.openTsMs > this.forming.openTsMs) {
        closed.push(this.forming);
        this.lastClosedOpenTsMs = this.forming.openTsMs;
      }
      if (!this.forming || bar.openTsMs >= this.forming.openTsMs) this.forming = bar;
    }
    return closed;
  }
}
