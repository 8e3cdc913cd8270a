// What each spot v3 path answers, over the core. A parameter that is missing or malformed throws a
// RangeError (answered 400 with its message); an exchange refusal throws MexcError with MEXC's code.

import { markPriceUsd, roundToStep } from "../../services/execution/domain/matching/index.js";
import type { MexcSimulatorCore } from "./core.js";
import { aggTradeJson, createReplyJson, exchangeInfoSymbol, klineRow, myTradeJson, orderJson, publicTradeJson, tickerJson, type Json } from "./mexc-json.js";
import type { Params } from "./http-app.js";

const INTERVAL_MINUTES: Readonly<Record<string, number>> = { "1m": 1, "5m": 5, "15m": 15, "30m": 30, "60m": 60, "4h": 240, "1d": 1_440, "1W": 10_080, "1M": 43_200 };

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === "") throw new RangeError(`Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
  return value;
}

function optionalNumber(params: Params, name: string): number | null {
  const raw = params[name];
  if (raw === undefined || raw === "") return null;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new RangeError(`parameter '${name}' must be a number, got '${raw}'`);
  return value;
}

const symbolsOf = (core: MexcSimulatorCore, params: Params): string[] => (params.symbol ? [core.instrument(params.symbol).spec.symbol] : [...core.instruments.keys()]);

export function exchangeInfo(core: MexcSimulatorCore, params: Params): Json {
  return { timezone: "CST", serverTime: core.nowMs(), rateLimits: [], exchangeFilters: [], symbols: symbolsOf(core, params).map((s) => exchangeInfoSymbol(core.instrument(s))) };
}

function tickerOf(core: MexcSimulatorCore, symbol: string): Json {
  const i = core.instrument(symbol);
  const market = core.engine.markets[symbol];
  const last = markPriceUsd(market) ?? i.initialPriceUsd;
  return tickerJson(i, { lastPriceUsd: last, bidPriceUsd: market?.bidPriceUsd ?? null, askPriceUsd: market?.askPriceUsd ?? null }, core.tape.stats24h(symbol, core.nowMs(), last), core.nowMs());
}

/** One object for a symbol, a list for all, as MEXC answers. */
export const ticker24h = (core: MexcSimulatorCore, params: Params): unknown => (params.symbol ? tickerOf(core, params.symbol) : symbolsOf(core, params).map((s) => tickerOf(core, s)));

export const tickerPrice = (core: MexcSimulatorCore, params: Params): unknown => {
  const one = (s: string) => ({ symbol: s, price: tickerOf(core, s).lastPrice });
  return params.symbol ? one(core.instrument(params.symbol).spec.symbol) : symbolsOf(core, params).map(one);
};

export const bookTicker = (core: MexcSimulatorCore, params: Params): unknown => {
  const one = (s: string) => {
    const t = tickerOf(core, s);
    const depth = depth_(core, s, 1);
    return { symbol: s, bidPrice: t.bidPrice, bidQty: depth.bids[0]?.[1] ?? "0", askPrice: t.askPrice, askQty: depth.asks[0]?.[1] ?? "0" };
  };
  return params.symbol ? one(core.instrument(params.symbol).spec.symbol) : symbolsOf(core, params).map(one);
};

function depth_(core: MexcSimulatorCore, symbol: string, levels: number): { lastUpdateId: number; bids: string[][]; asks: string[][] } {
  const i = core.instrument(symbol);
  const m = core.engine.markets[symbol];
  const tick = i.spec.tickSizeUsd;
  const side = (top: number | null | undefined, qty: number | null | undefined, dir: 1 | -1) =>
    top ? Array.from({ length: levels }, (_, k) => [roundToStep(top + dir * k * tick, tick).toFixed(i.quoteAssetPrecision), roundToStep(qty ?? i.spec.minQty, i.spec.lotStepQty).toFixed(i.baseAssetPrecision)]) : [];
  return { lastUpdateId: core.nowMs(), bids: side(m?.bidPriceUsd, m?.bidQty, -1), asks: side(m?.askPriceUsd, m?.askQty, 1) };
}

export const depth = (core: MexcSimulatorCore, params: Params): Json => depth_(core, required(params, "symbol"), Math.min(Math.max(optionalNumber(params, "limit") ?? 100, 1), 5_000));

export function trades(core: MexcSimulatorCore, params: Params): unknown[] {
  const i = core.instrument(required(params, "symbol"));
  return core.tape.recentTrades(i.spec.symbol, Math.min(optionalNumber(params, "limit") ?? 500, 1_000)).map((t) => publicTradeJson(t, i));
}

/** Oldest first, as MEXC lists aggregates; `startTime`/`endTime` bound them. */
export function aggTrades(core: MexcSimulatorCore, params: Params): unknown[] {
  const i = core.instrument(required(params, "symbol"));
  const since = optionalNumber(params, "startTime") ?? 0;
  const until = optionalNumber(params, "endTime") ?? Number.POSITIVE_INFINITY;
  const limit = Math.min(optionalNumber(params, "limit") ?? 500, 1_000);
  return core.tape
    .recentTrades(i.spec.symbol, 1_000)
    .filter((t) => t.tsMs >= since && t.tsMs <= until)
    .slice(0, limit)
    .reverse()
    .map((t) => aggTradeJson(t, i));
}

export function klines(core: MexcSimulatorCore, params: Params): unknown[] {
  const i = core.instrument(required(params, "symbol"));
  const interval = required(params, "interval");
  const minutes = INTERVAL_MINUTES[interval];
  if (!minutes) throw new RangeError(`invalid interval '${interval}'`);
  const limit = Math.min(optionalNumber(params, "limit") ?? 500, 1_000);
  const start = optionalNumber(params, "startTime");
  const end = optionalNumber(params, "endTime") ?? (start !== null ? start + (limit - 1) * minutes * 60_000 : core.nowMs());
  // MEXC lists from the oldest bar; bars not yet begun are not listed.
  const bars = core.tape.klines(i.spec.symbol, minutes, Math.min(end, core.nowMs()), limit, start ?? undefined).reverse();
  return bars.map((bar) => klineRow(bar, minutes * 60_000, i));
}

export function account(core: MexcSimulatorCore): Json {
  const balances = core.balances().map((b) => {
    const i = [...core.instruments.values()].find((x) => x.spec.baseAsset === b.asset);
    const decimals = i ? i.baseAssetPrecision : 8;
    return { asset: b.asset, free: b.free.toFixed(decimals), locked: b.locked.toFixed(decimals) };
  });
  return { makerCommission: null, takerCommission: null, buyerCommission: null, sellerCommission: null, canTrade: true, canWithdraw: true, canDeposit: true, updateTime: null, accountType: "SPOT", balances, permissions: ["SPOT"] };
}

const idsOf = (params: Params) => {
  const orderId = params.orderId;
  const clientOrderId = params.origClientOrderId;
  if (!orderId && !clientOrderId) throw new RangeError("Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  return orderId ? { orderId } : { clientOrderId: clientOrderId! };
};

export function queryOrder(core: MexcSimulatorCore, params: Params): Json {
  const symbol = required(params, "symbol");
  return orderJson(core.findOrder(symbol, idsOf(params)), core.instrument(symbol));
}

export function openOrders(core: MexcSimulatorCore, params: Params): unknown[] {
  const symbol = required(params, "symbol");
  return core.openOrders(symbol).map((r) => orderJson(r, core.instrument(symbol)));
}

export function allOrders(core: MexcSimulatorCore, params: Params): unknown[] {
  const symbol = required(params, "symbol");
  const since = optionalNumber(params, "startTime") ?? 0;
  const limit = Math.min(optionalNumber(params, "limit") ?? 500, 1_000);
  return [...core.orders.values()].filter((r) => r.order.symbol === symbol && r.order.createdTsMs >= since).slice(-limit).map((r) => orderJson(r, core.instrument(symbol)));
}

export function myTrades(core: MexcSimulatorCore, params: Params): unknown[] {
  const symbol = required(params, "symbol");
  const i = core.instrument(symbol);
  const since = optionalNumber(params, "startTime") ?? 0;
  const until = optionalNumber(params, "endTime") ?? Number.POSITIVE_INFINITY;
  const limit = Math.min(optionalNumber(params, "limit") ?? 100, 100);
  const matching = core.trades.filter((t) => t.fill.symbol === symbol && t.fill.tsMs >= since && t.fill.tsMs <= until && (!params.orderId || t.orderId === params.orderId));
  // The newest `limit` trades, oldest first.
  return matching.slice(-limit).map((t) => myTradeJson(t, i));
}

export function createOrder(core: MexcSimulatorCore, params: Params): Json {
  const symbol = required(params, "symbol");
  const side = required(params, "side");
  if (side !== "BUY" && side !== "SELL") throw new RangeError(`side must be BUY or SELL, got '${side}'`);
  const record = core.placeOrder({
    symbol,
    side: side === "BUY" ? "buy" : "sell",
    mexcType: required(params, "type"),
    qty: optionalNumber(params, "quantity"),
    quoteQty: optionalNumber(params, "quoteOrderQty"),
    priceUsd: optionalNumber(params, "price"),
    clientOrderId: params.newClientOrderId ?? "",
  });
  return createReplyJson(record, core.instrument(symbol));
}

export function cancelOrder(core: MexcSimulatorCore, params: Params): Json {
  const symbol = required(params, "symbol");
  return orderJson(core.cancelOrder(symbol, idsOf(params)), core.instrument(symbol));
}

export function cancelOpenOrders(core: MexcSimulatorCore, params: Params): unknown[] {
  const symbols = required(params, "symbol").split(",");
  return symbols.flatMap((symbol) => core.cancelAll(symbol).map((r) => orderJson(core.orders.get(r.orderId)!, core.instrument(symbol))));
}
