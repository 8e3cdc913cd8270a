// MEXC spot v3 JSON → domain values (pure; tested against replies as MEXC documents them). Spot holds no
// positions: what a spot venue reports as positions is each base asset it holds (see mexc-venue.ts).

import { roundToStep } from "../../domain/matching/index.js";
import type { Instrument, OrderStatus, OrderType, VenueBalance, VenueFill, VenueOrder, VenuePosition, VenueTicker } from "../../domain/venue-types.js";

export type Json = Record<string, unknown>;

const num = (value: unknown): number => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : typeof value === "number" ? value : Number.NaN;
  return Number.isFinite(n) ? n : Number.NaN;
};
const str = (value: unknown): string => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "");

function need(value: number, what: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`MEXC reply: ${what} is not a number`);
  return value;
}

/** 10^-decimals as the exact decimal (10 ** -6 is 0.0000010000000000000002 in binary). */
const decimalStep = (decimals: number): number => Number((10 ** -decimals).toFixed(Math.max(0, Math.floor(decimals))));

/** One exchangeInfo symbol: sizes step by 10^-baseAssetPrecision, prices by 10^-quoteAssetPrecision. */
export function parseSpotInstrument(item: Json): Instrument {
  const lotStepQty = decimalStep(need(num(item.baseAssetPrecision), "baseAssetPrecision"));
  const tickSizeUsd = decimalStep(need(num(item.quoteAssetPrecision ?? item.quotePrecision), "quoteAssetPrecision"));
  const minQty = Math.max(lotStepQty, roundToStep(num(item.baseSizePrecision) || lotStepQty, lotStepQty, "up"));
  return {
    symbol: str(item.symbol),
    baseAsset: str(item.baseAsset),
    quoteAsset: str(item.quoteAsset),
    tickSizeUsd,
    lotStepQty,
    minQty,
    maxQty: Number.MAX_SAFE_INTEGER,
    minNotionalUsd: num(item.quoteAmountPrecision) || 0,
    minPriceUsd: tickSizeUsd,
    maxPriceUsd: Number.MAX_SAFE_INTEGER,
    maxLeverage: 1,
  };
}

export const isTradableSpot = (item: Json): boolean => str(item.status) === "1" && item.isSpotTradingAllowed === true;

const STATUS: Record<string, OrderStatus> = { NEW: "new", PARTIALLY_FILLED: "partially-filled", FILLED: "filled", CANCELED: "cancelled", PARTIALLY_CANCELED: "cancelled" };
const TYPE: Record<string, OrderType> = { LIMIT: "limit", MARKET: "market", LIMIT_MAKER: "post-only", IMMEDIATE_OR_CANCEL: "limit", FILL_OR_KILL: "limit" };

export function parseSpotOrder(item: Json): VenueOrder {
  const status = STATUS[str(item.status)];
  if (!status) throw new RangeError(`MEXC reply: unknown order status '${str(item.status)}'`);
  const filledQty = num(item.executedQty) || 0;
  const quote = num(item.cummulativeQuoteQty) || 0;
  const price = num(item.price);
  const created = need(num(item.time), "order time");
  return {
    venueOrderId: str(item.orderId),
    clientOrderId: str(item.clientOrderId) || null,
    symbol: str(item.symbol),
    side: str(item.side) === "SELL" ? "sell" : "buy",
    orderType: TYPE[str(item.type)] ?? "limit",
    // Spot has no reduce-only flag: a sell can only take off what is held.
    reduceOnly: false,
    status,
    qty: need(num(item.origQty), "origQty"),
    filledQty,
    avgFillPriceUsd: filledQty > 0 ? quote / filledQty : null,
    limitPriceUsd: price > 0 ? price : null,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
    origin: "client",
    rejectReason: null,
    createdTsMs: created,
    updatedTsMs: num(item.updateTime) || created,
  };
}

/**
 * One of myTrades, with the order it belongs to (its size, type and price are not in the trade). A
 * commission MEXC took in the base asset (a buy, unless MX paid) is taken off the quantity: the holding
 * grew by what was received, which is what the shadow state must count for the balances to agree.
 */
export function parseSpotTrade(item: Json, order: VenueOrder, baseAsset: string): VenueFill {
  const priceUsd = need(num(item.price), "trade price");
  const qty = need(num(item.qty), "trade qty");
  const commission = num(item.commission) || 0;
  const commissionAsset = str(item.commissionAsset);
  const inBase = commissionAsset === baseAsset;
  const feeUsd = inBase ? commission * priceUsd : commissionAsset === "USDT" || commissionAsset === "USDC" ? commission : 0;
  return {
    fillId: `mexc-${str(item.id)}`,
    venueOrderId: str(item.orderId),
    clientOrderId: str(item.clientOrderId) || order.clientOrderId,
    symbol: str(item.symbol),
    side: item.isBuyer === true ? "buy" : "sell",
    qty: inBase && item.isBuyer === true ? qty - commission : qty,
    priceUsd,
    feeUsd,
    liquidity: item.isMaker === true ? "maker" : "taker",
    orderType: order.orderType,
    orderQty: order.qty,
    leavesQty: Math.max(0, order.qty - order.filledQty),
    orderPriceUsd: order.limitPriceUsd,
    origin: "client",
    tsMs: need(num(item.time), "trade time"),
  };
}

export interface SpotBalance {
  readonly asset: string;
  readonly free: number;
  readonly locked: number;
}

export function parseAccount(reply: Json): SpotBalance[] {
  const balances = Array.isArray(reply.balances) ? (reply.balances as Json[]) : [];
  return balances.map((b) => ({ asset: str(b.asset), free: num(b.free) || 0, locked: num(b.locked) || 0 }));
}

/** Holdings as long positions, one per listed instrument whose base asset the account holds. */
export function holdingsAsPositions(balances: readonly SpotBalance[], instruments: readonly Instrument[], lastPriceOf: (symbol: string) => number | null, tsMs: number): VenuePosition[] {
  const out: VenuePosition[] = [];
  for (const i of instruments) {
    const b = balances.find((x) => x.asset === i.baseAsset);
    const qty = b ? roundToStep(b.free + b.locked, i.lotStepQty, "down") : 0;
    if (!(qty > 0)) continue;
    out.push({ symbol: i.symbol, side: "long", qty, entryPriceUsd: null, markPriceUsd: lastPriceOf(i.symbol), leverage: 1, unrealisedPnlUsd: 0, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs });
  }
  return out;
}

/** The account in USD: the quote asset plus every holding at its last price. */
export function spotBalanceUsd(balances: readonly SpotBalance[], quoteAsset: string, priceOfAsset: (asset: string) => number | null, tsMs: number): VenueBalance {
  const quote = balances.find((b) => b.asset === quoteAsset);
  const quoteTotal = quote ? quote.free + quote.locked : 0;
  let holdingsUsd = 0;
  for (const b of balances) {
    if (b.asset === quoteAsset) continue;
    holdingsUsd += (b.free + b.locked) * (priceOfAsset(b.asset) ?? 0);
  }
  return { equityUsd: quoteTotal + holdingsUsd, walletBalanceUsd: quoteTotal, availableBalanceUsd: quote?.free ?? 0, unrealisedPnlUsd: 0, tsMs };
}

export function parseTicker24h(item: Json, tsMs: number): VenueTicker {
  const bid = num(item.bidPrice);
  const ask = num(item.askPrice);
  return {
    symbol: str(item.symbol),
    lastPriceUsd: need(num(item.lastPrice), "lastPrice"),
    bidPriceUsd: bid > 0 ? bid : null,
    askPriceUsd: ask > 0 ? ask : null,
    markPriceUsd: null,
    tsMs: num(item.closeTime) || tsMs,
  };
}
