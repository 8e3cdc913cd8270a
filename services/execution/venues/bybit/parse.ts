// Bybit v5 JSON → execution's domain values. The only place Bybit's field names appear; each function is
// pure and pinned by tests against replies Bybit actually sent (recorded by ccxt's test suite) and the
// simulator's. Numbers arrive as strings ("" for none); anything malformed throws BybitParseError
// naming the field, so a reply we do not understand is never half-read.

import type { Instrument, OrderStatus, OrderType, VenueBalance, VenueFill, VenueOrder, VenueOrderOrigin, VenuePosition, VenueTicker } from "../../domain/venue-types.js";

export type Json = Record<string, unknown>;

export class BybitParseError extends Error {
  constructor(what: string, field: string, value: unknown) {
    super(`bybit ${what}: field ${field} has unexpected value ${JSON.stringify(value)?.slice(0, 80)}`);
    this.name = "BybitParseError";
  }
}

const text = (item: Json, field: string, what: string): string => {
  const value = item[field];
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new BybitParseError(what, field, value);
};

const optionalNumber = (item: Json, field: string, what: string): number | null => {
  const value = item[field];
  if (value === undefined || value === null || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw new BybitParseError(what, field, value);
  return n;
};

const number = (item: Json, field: string, what: string): number => {
  const n = optionalNumber(item, field, what);
  if (n === null) throw new BybitParseError(what, field, item[field]);
  return n;
};

/** Prices of zero mean "none" in Bybit's order and position replies. */
const price = (item: Json, field: string, what: string): number | null => {
  const n = optionalNumber(item, field, what);
  return n !== null && n > 0 ? n : null;
};

const object = (item: Json, field: string, what: string): Json => {
  const value = item[field];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BybitParseError(what, field, value);
  return value as Json;
};

const side = (item: Json, what: string): "buy" | "sell" => {
  const value = item.side;
  if (value === "Buy") return "buy";
  if (value === "Sell") return "sell";
  throw new BybitParseError(what, "side", value);
};

/** The `list` of a v5 reply's `result` (`{ retCode, result: { list } }`). */
export function resultList(reply: unknown, what: string): Json[] {
  if (typeof reply !== "object" || reply === null) throw new BybitParseError(what, "(reply)", reply);
  const result = object(reply as Json, "result", what);
  const list = result.list;
  if (!Array.isArray(list)) throw new BybitParseError(what, "result.list", list);
  return list.filter((item): item is Json => typeof item === "object" && item !== null);
}

const ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  Created: "new",
  New: "new",
  Untriggered: "new",
  Triggered: "new",
  PartiallyFilled: "partially-filled",
  Filled: "filled",
  Cancelled: "cancelled",
  PartiallyFilledCanceled: "cancelled",
  Deactivated: "cancelled",
  Rejected: "rejected",
};

function origin(item: Json): VenueOrderOrigin {
  const createType = item.createType;
  const stopType = item.stopOrderType;
  if (createType === "CreateByStopLoss" || stopType === "StopLoss") return "stop-loss";
  if (createType === "CreateByTakeProfit" || stopType === "TakeProfit") return "take-profit";
  return "client";
}

function orderType(item: Json, what: string): OrderType {
  const type = item.orderType;
  if (type === "Market") return "market";
  if (type === "Limit") return item.timeInForce === "PostOnly" ? "post-only" : "limit";
  throw new BybitParseError(what, "orderType", type);
}

/** One order from `/v5/order/realtime`, `/v5/order/history` or the `order` stream. */
export function parseOrder(item: Json): VenueOrder {
  const what = "order";
  const statusText = text(item, "orderStatus", what);
  const status = ORDER_STATUS[statusText];
  if (!status) throw new BybitParseError(what, "orderStatus", statusText);
  const type = orderType(item, what);
  const linkId = typeof item.orderLinkId === "string" && item.orderLinkId.length > 0 ? item.orderLinkId : null;
  const reject = typeof item.rejectReason === "string" && item.rejectReason !== "EC_NoError" ? item.rejectReason : null;
  const createdTsMs = number(item, "createdTime", what);
  return {
    venueOrderId: text(item, "orderId", what),
    clientOrderId: linkId,
    symbol: text(item, "symbol", what),
    side: side(item, what),
    orderType: type,
    reduceOnly: item.reduceOnly === true || item.reduceOnly === "true",
    status,
    qty: number(item, "qty", what),
    filledQty: optionalNumber(item, "cumExecQty", what) ?? 0,
    avgFillPriceUsd: price(item, "avgPrice", what),
    // A market order shows its protection price in `price`; it has no limit.
    limitPriceUsd: type === "market" ? null : price(item, "price", what),
    stopLossPriceUsd: price(item, "stopLoss", what),
    takeProfitPriceUsd: price(item, "takeProfit", what),
    origin: origin(item),
    rejectReason: reject,
    createdTsMs,
    updatedTsMs: optionalNumber(item, "updatedTime", what) ?? createdTsMs,
  };
}

/** One execution from `/v5/execution/list` or the `execution` stream; null for non-trades (funding, settlement). */
export function parseExecution(item: Json): VenueFill | null {
  const what = "execution";
  if ((item.execType ?? "Trade") !== "Trade") return null;
  const linkId = typeof item.orderLinkId === "string" && item.orderLinkId.length > 0 ? item.orderLinkId : null;
  const type = item.orderType === "Market" ? "market" : item.orderType === "Limit" ? "limit" : "market";
  return {
    fillId: text(item, "execId", what),
    venueOrderId: text(item, "orderId", what),
    clientOrderId: linkId,
    symbol: text(item, "symbol", what),
    side: side(item, what),
    qty: number(item, "execQty", what),
    priceUsd: number(item, "execPrice", what),
    feeUsd: optionalNumber(item, "execFee", what) ?? 0,
    liquidity: item.isMaker === true || item.isMaker === "true" ? "maker" : "taker",
    orderType: type,
    orderQty: optionalNumber(item, "orderQty", what) ?? 0,
    leavesQty: optionalNumber(item, "leavesQty", what) ?? 0,
    orderPriceUsd: price(item, "orderPrice", what),
    origin: origin(item),
    tsMs: number(item, "execTime", what),
  };
}

/** One position from `/v5/position/list` or the `position` stream. */
export function parsePosition(item: Json, fallbackTsMs: number): VenuePosition {
  const what = "position";
  const size = optionalNumber(item, "size", what) ?? 0;
  const sideText = item.side;
  const positionSide = size > 0 && sideText === "Buy" ? "long" : size > 0 && sideText === "Sell" ? "short" : "flat";
  if (size > 0 && positionSide === "flat") throw new BybitParseError(what, "side", sideText);
  return {
    symbol: text(item, "symbol", what),
    side: positionSide,
    qty: positionSide === "flat" ? 0 : size,
    entryPriceUsd: positionSide === "flat" ? null : price(item, "avgPrice", what),
    markPriceUsd: price(item, "markPrice", what),
    leverage: price(item, "leverage", what),
    unrealisedPnlUsd: optionalNumber(item, "unrealisedPnl", what) ?? 0,
    realisedPnlUsd: optionalNumber(item, "cumRealisedPnl", what) ?? 0,
    liquidationPriceUsd: price(item, "liqPrice", what),
    tsMs: optionalNumber(item, "updatedTime", what) ?? fallbackTsMs,
  };
}

/** The unified account's totals from `/v5/account/wallet-balance` (USD values across collateral coins). */
export function parseWallet(item: Json, tsMs: number): VenueBalance {
  const what = "wallet";
  const walletBalanceUsd = number(item, "totalWalletBalance", what);
  const unrealisedPnlUsd = optionalNumber(item, "totalPerpUPL", what) ?? 0;
  return {
    equityUsd: optionalNumber(item, "totalEquity", what) ?? walletBalanceUsd + unrealisedPnlUsd,
    walletBalanceUsd,
    availableBalanceUsd: optionalNumber(item, "totalAvailableBalance", what) ?? walletBalanceUsd,
    unrealisedPnlUsd,
    tsMs,
  };
}

/** One linear instrument from `/v5/market/instruments-info`: its price and size grid. */
export function parseInstrument(item: Json): Instrument {
  const what = "instrument";
  const priceFilter = object(item, "priceFilter", what);
  const lot = object(item, "lotSizeFilter", what);
  const leverage = object(item, "leverageFilter", what);
  const tick = number(priceFilter, "tickSize", what);
  return {
    symbol: text(item, "symbol", what),
    baseAsset: text(item, "baseCoin", what),
    quoteAsset: text(item, "quoteCoin", what),
    tickSizeUsd: tick,
    lotStepQty: number(lot, "qtyStep", what),
    minQty: number(lot, "minOrderQty", what),
    maxQty: number(lot, "maxOrderQty", what),
    minNotionalUsd: optionalNumber(lot, "minNotionalValue", what) ?? 0,
    minPriceUsd: optionalNumber(priceFilter, "minPrice", what) ?? tick,
    maxPriceUsd: optionalNumber(priceFilter, "maxPrice", what) ?? Number.MAX_SAFE_INTEGER,
    maxLeverage: optionalNumber(leverage, "maxLeverage", what) ?? 1,
  };
}

/** One entry of `/v5/market/tickers`. */
export function parseTicker(item: Json, tsMs: number): VenueTicker {
  const what = "ticker";
  return {
    symbol: text(item, "symbol", what),
    lastPriceUsd: number(item, "lastPrice", what),
    bidPriceUsd: price(item, "bid1Price", what),
    askPriceUsd: price(item, "ask1Price", what),
    markPriceUsd: price(item, "markPrice", what),
    tsMs,
  };
}

/** `/v5/order/create` answers only with the ids. */
export function parseCreateReply(reply: unknown): { venueOrderId: string; clientOrderId: string | null } {
  const what = "create-order reply";
  if (typeof reply !== "object" || reply === null) throw new BybitParseError(what, "(reply)", reply);
  const result = object(reply as Json, "result", what);
  const linkId = typeof result.orderLinkId === "string" && result.orderLinkId.length > 0 ? result.orderLinkId : null;
  return { venueOrderId: text(result, "orderId", what), clientOrderId: linkId };
}

/** The reply's `time` (server ms), or the fallback. */
export function replyTimeMs(reply: unknown, fallbackMs: number): number {
  const time = typeof reply === "object" && reply !== null ? (reply as Json).time : undefined;
  const n = typeof time === "number" ? time : typeof time === "string" ? Number(time) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallbackMs;
}
