// MEXC spot v3 reply bodies, field by field as the exchange writes them (numbers as strings, times in
// ms as numbers): what ccxt's mexc class and the execution service's parse.ts read.

import { formatOnStep, type Fill, type Order } from "../../services/execution/domain/matching/index.js";
import type { Bar, TapeTrade } from "../sim-common/market-tape.js";
import type { MexcSpotInstrument } from "./instruments.js";

export type Json = Record<string, unknown>;

export interface SpotOrderRecord {
  readonly orderId: string;
  readonly clientOrderId: string;
  /** As requested: MEXC reports IMMEDIATE_OR_CANCEL and LIMIT_MAKER by name. */
  readonly mexcType: string;
  readonly order: Order;
}

export interface SpotTradeRecord {
  readonly id: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly fill: Fill;
}

const num = (value: number, decimals: number) => value.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");

export function exchangeInfoSymbol(i: MexcSpotInstrument): Json {
  const s = i.spec;
  return {
    symbol: s.symbol,
    status: "1",
    baseAsset: s.baseAsset,
    baseAssetPrecision: i.baseAssetPrecision,
    quoteAsset: s.quoteAsset,
    quotePrecision: i.quoteAssetPrecision,
    quoteAssetPrecision: i.quoteAssetPrecision,
    baseCommissionPrecision: i.baseAssetPrecision,
    quoteCommissionPrecision: i.quoteAssetPrecision,
    orderTypes: ["LIMIT", "MARKET", "LIMIT_MAKER"],
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    quoteAmountPrecision: String(s.minNotionalUsd),
    baseSizePrecision: formatOnStep(s.minQty, s.lotStepQty),
    permissions: ["SPOT"],
    maxQuoteAmount: String(i.maxQuoteAmountUsd),
    // The engine's default fees (maker 0.02 %, taker 0.055 %), which the simulator charges.
    makerCommission: "0.0002",
    takerCommission: "0.00055",
    quoteAmountPrecisionMarket: String(s.minNotionalUsd),
    maxQuoteAmountMarket: String(i.maxQuoteAmountUsd),
    fullName: s.baseAsset,
    tradeSideType: 1,
    filters: [],
  };
}

const STATUS: Record<string, string> = { new: "NEW", "partially-filled": "PARTIALLY_FILLED", filled: "FILLED", cancelled: "CANCELED", expired: "CANCELED", rejected: "CANCELED" };

export function orderJson(record: SpotOrderRecord, i: MexcSpotInstrument): Json {
  const o = record.order;
  const partCancelled = (o.status === "cancelled" || o.status === "expired") && o.filledQty > 0;
  return {
    symbol: o.symbol,
    orderId: record.orderId,
    orderListId: -1,
    clientOrderId: record.clientOrderId,
    price: formatOnStep(o.limitPriceUsd ?? 0, i.spec.tickSizeUsd),
    origQty: formatOnStep(o.qty, i.spec.lotStepQty),
    executedQty: formatOnStep(o.filledQty, i.spec.lotStepQty),
    cummulativeQuoteQty: num(o.filledNotionalUsd, i.quoteAssetPrecision + 2),
    status: partCancelled ? "PARTIALLY_CANCELED" : (STATUS[o.status] ?? "NEW"),
    timeInForce: null,
    type: record.mexcType,
    side: o.side === "buy" ? "BUY" : "SELL",
    stopPrice: null,
    icebergQty: null,
    time: o.createdTsMs,
    updateTime: o.updatedTsMs,
    isWorking: o.status === "new" || o.status === "partially-filled",
    origQuoteOrderQty: "0",
  };
}

/** The answer to POST /api/v3/order: the request echoed with MEXC's order id and time. */
export function createReplyJson(record: SpotOrderRecord, i: MexcSpotInstrument): Json {
  const o = record.order;
  return {
    symbol: o.symbol,
    orderId: record.orderId,
    orderListId: -1,
    price: formatOnStep(o.limitPriceUsd ?? 0, i.spec.tickSizeUsd),
    origQty: formatOnStep(o.qty, i.spec.lotStepQty),
    type: record.mexcType,
    side: o.side === "buy" ? "BUY" : "SELL",
    transactTime: o.createdTsMs,
  };
}

export function myTradeJson(record: SpotTradeRecord, i: MexcSpotInstrument): Json {
  const f = record.fill;
  return {
    symbol: f.symbol,
    id: record.id,
    orderId: record.orderId,
    orderListId: -1,
    price: formatOnStep(f.priceUsd, i.spec.tickSizeUsd),
    qty: formatOnStep(f.qty, i.spec.lotStepQty),
    quoteQty: num(f.qty * f.priceUsd, i.quoteAssetPrecision + 2),
    // The simulator charges fees in the quote asset (see README).
    commission: num(f.feeUsd, 8),
    commissionAsset: i.spec.quoteAsset,
    time: f.tsMs,
    isBuyer: f.side === "buy",
    isMaker: f.liquidity === "maker",
    isBestMatch: true,
    isSelfTrade: false,
    clientOrderId: record.clientOrderId || null,
  };
}

export function tickerJson(i: MexcSpotInstrument, market: { lastPriceUsd: number; bidPriceUsd: number | null; askPriceUsd: number | null }, stats: { highUsd: number; lowUsd: number; volumeQty: number; turnoverUsd: number; prevPrice24hUsd: number }, nowMs: number): Json {
  const tick = i.spec.tickSizeUsd;
  const change = market.lastPriceUsd - stats.prevPrice24hUsd;
  return {
    symbol: i.spec.symbol,
    priceChange: formatOnStep(change, tick),
    priceChangePercent: num(change / stats.prevPrice24hUsd, 8),
    prevClosePrice: formatOnStep(stats.prevPrice24hUsd, tick),
    lastPrice: formatOnStep(market.lastPriceUsd, tick),
    bidPrice: market.bidPriceUsd === null ? "" : formatOnStep(market.bidPriceUsd, tick),
    bidQty: "",
    askPrice: market.askPriceUsd === null ? "" : formatOnStep(market.askPriceUsd, tick),
    askQty: "",
    openPrice: formatOnStep(stats.prevPrice24hUsd, tick),
    highPrice: formatOnStep(stats.highUsd, tick),
    lowPrice: formatOnStep(stats.lowUsd, tick),
    volume: formatOnStep(stats.volumeQty, i.spec.lotStepQty),
    quoteVolume: num(stats.turnoverUsd, 2),
    openTime: nowMs - 86_400_000,
    closeTime: nowMs,
    count: null,
  };
}

export function publicTradeJson(trade: TapeTrade, i: MexcSpotInstrument): Json {
  return {
    id: null,
    price: formatOnStep(trade.priceUsd, i.spec.tickSizeUsd),
    qty: formatOnStep(trade.qty, i.spec.lotStepQty),
    quoteQty: num(trade.priceUsd * trade.qty, i.quoteAssetPrecision + 2),
    time: trade.tsMs,
    // The buyer was the maker when the taker sold.
    isBuyerMaker: trade.takerSide === "sell",
    isBestMatch: true,
    tradeType: trade.takerSide === "buy" ? "BID" : "ASK",
  };
}

/** GET /api/v3/aggTrades: one aggregate per printed trade (MEXC leaves the aggregate ids null). */
export function aggTradeJson(trade: TapeTrade, i: MexcSpotInstrument): Json {
  return { a: null, f: null, l: null, p: formatOnStep(trade.priceUsd, i.spec.tickSizeUsd), q: formatOnStep(trade.qty, i.spec.lotStepQty), T: trade.tsMs, m: trade.takerSide === "sell", M: true };
}

/** `[openTime, open, high, low, close, volume, closeTime, quoteVolume]`, oldest first. */
export function klineRow(bar: Bar, intervalMs: number, i: MexcSpotInstrument): unknown[] {
  const tick = i.spec.tickSizeUsd;
  return [bar.startMs, formatOnStep(bar.openUsd, tick), formatOnStep(bar.highUsd, tick), formatOnStep(bar.lowUsd, tick), formatOnStep(bar.closeUsd, tick), formatOnStep(bar.volumeQty, i.spec.lotStepQty), bar.startMs + intervalMs, num(bar.turnoverUsd, 2)];
}
