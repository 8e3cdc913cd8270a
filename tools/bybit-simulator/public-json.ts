// Public market data in Bybit v5 shapes: the tickers row (REST and the `tickers` topic) and `publicTrade`.

import type { InstrumentSpec, MarketState } from "../../services/execution/domain/matching/index.js";
import { amount, price, qty, type JsonObject } from "./bybit-json.js";
import type { SimInstrument } from "./instruments.js";
import type { TapeTrade } from "./market-tape.js";

const EIGHT_HOURS_MS = 8 * 60 * 60 * 1_000;

export interface Stats24h {
  readonly highUsd: number;
  readonly lowUsd: number;
  readonly volumeQty: number;
  readonly turnoverUsd: number;
  readonly prevPrice24hUsd: number;
  readonly prevPrice1hUsd: number;
}

export function tickerJson(instrument: SimInstrument, market: MarketState, stats: Stats24h, openInterestQty: number, nowMs: number): JsonObject {
  const spec = instrument.spec;
  const last = market.lastPriceUsd ?? instrument.initialPriceUsd;
  const maybe = (value: number | null) => (value === null ? "" : price(value, spec));
  return {
    symbol: spec.symbol,
    lastPrice: price(last, spec),
    indexPrice: price(last, spec),
    markPrice: price(last, spec),
    prevPrice24h: price(stats.prevPrice24hUsd, spec),
    price24hPcnt: amount(last / stats.prevPrice24hUsd - 1, 6),
    highPrice24h: price(stats.highUsd, spec),
    lowPrice24h: price(stats.lowUsd, spec),
    prevPrice1h: price(stats.prevPrice1hUsd, spec),
    openInterest: qty(openInterestQty, spec),
    openInterestValue: amount(openInterestQty * last, 2),
    turnover24h: amount(stats.turnoverUsd, 4),
    volume24h: qty(stats.volumeQty, spec),
    fundingRate: "0.0001",
    nextFundingTime: String(Math.ceil((nowMs + 1) / EIGHT_HOURS_MS) * EIGHT_HOURS_MS),
    predictedDeliveryPrice: "",
    basisRate: "",
    deliveryFeeRate: "",
    deliveryTime: "0",
    ask1Size: market.askQty === null ? "" : qty(market.askQty, spec),
    bid1Price: maybe(market.bidPriceUsd),
    ask1Price: maybe(market.askPriceUsd),
    bid1Size: market.bidQty === null ? "" : qty(market.bidQty, spec),
    basis: "",
  };
}

export function publicTradeJson(trade: TapeTrade, spec: InstrumentSpec): JsonObject {
  return {
    T: trade.tsMs,
    s: trade.symbol,
    S: trade.takerSide === "buy" ? "Buy" : "Sell",
    v: qty(trade.qty, spec),
    p: price(trade.priceUsd, spec),
    L: trade.takerSide === "buy" ? "PlusTick" : "MinusTick",
    i: trade.tradeId,
    BT: false,
  };
}

/** `GET /v5/market/recent-trade` rows. */
export function recentTradeJson(trade: TapeTrade, spec: InstrumentSpec): JsonObject {
  return {
    execId: trade.tradeId,
    symbol: trade.symbol,
    price: price(trade.priceUsd, spec),
    size: qty(trade.qty, spec),
    side: trade.takerSide === "buy" ? "Buy" : "Sell",
    time: String(trade.tsMs),
    isBlockTrade: false,
  };
}
