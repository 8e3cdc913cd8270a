// Read endpoints, private and public, answering from the simulator's records and the engine's state.

import { flatPosition, formatOnStep } from "../../services/execution/domain/matching/index.js";
import { amount, executionJson, instrumentJson, orderJson, orderStatus, positionJson, walletJson, type JsonObject, type OrderRecord } from "./bybit-json.js";
import type { BybitSimulatorCore } from "./core.js";
import { KLINE_INTERVAL_MINUTES } from "./market-tape.js";
import { recentTradeJson } from "./public-json.js";
import { decimal, fail, guarded, limit, ok, ParamError, requiredText, text, type BybitReply, type Params } from "./reply.js";

const isOpen = (record: OrderRecord) => record.order.status === "new" || record.order.status === "partially-filled";

function category(params: Params): string {
  const value = requiredText(params, "category");
  if (!["linear", "inverse", "spot", "option"].includes(value)) throw new ParamError(`params error: category ${value} invalid`);
  return value;
}

function symbolFilter(core: BybitSimulatorCore, params: Params, requireScope: boolean): string | undefined {
  const symbol = text(params, "symbol");
  if (symbol !== undefined && !core.instruments.has(symbol)) throw new ParamError("Not supported symbols");
  if (requireScope && !symbol && !text(params, "settleCoin") && !text(params, "baseCoin")) {
    throw new ParamError("Missing some parameters that must be filled in, symbol or settleCoin or baseCoin");
  }
  return symbol;
}

function matchesScope(core: BybitSimulatorCore, params: Params, symbol: string): boolean {
  const wanted = text(params, "symbol");
  const settleCoin = text(params, "settleCoin");
  const baseCoin = text(params, "baseCoin");
  return (!wanted || wanted === symbol) && (!settleCoin || settleCoin === "USDT") && (!baseCoin || core.spec(symbol).baseAsset === baseCoin);
}

/** Newest first, as Bybit lists orders. */
function newestFirst(records: OrderRecord[]): OrderRecord[] {
  return records.sort((a, b) => b.order.createdTsMs - a.order.createdTsMs || b.order.queueSeq - a.order.queueSeq);
}

function listed(core: BybitSimulatorCore, records: OrderRecord[], max: number): JsonObject[] {
  return newestFirst(records)
    .slice(0, max)
    .map((record) => orderJson(record, core.spec(record.order.symbol)));
}

/** GET /v5/order/realtime: working orders; by orderId or orderLinkId also a finished one; openOnly=1 the recently closed. */
export function realtimeOrders(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const max = limit(params, 20, 50);
    if (cat !== "linear" || (text(params, "orderFilter") ?? "Order") !== "Order") return ok({ category: cat, list: [], nextPageCursor: "" });
    const orderId = text(params, "orderId");
    const orderLinkId = text(params, "orderLinkId");
    symbolFilter(core, params, !orderId && !orderLinkId);
    const openOnly = text(params, "openOnly") ?? "0";
    const records = [...core.orders.values()].filter((record) => {
      if (!matchesScope(core, params, record.order.symbol)) return false;
      if (orderId) return record.orderId === orderId;
      if (orderLinkId) return record.orderLinkId === orderLinkId;
      return openOnly === "0" ? isOpen(record) : !isOpen(record);
    });
    return ok({ category: cat, list: listed(core, records, max), nextPageCursor: "" });
  });
}

/** GET /v5/order/history: every order of any status, filterable by status, id, link id and time. */
export function orderHistory(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const max = limit(params, 20, 50);
    if (cat !== "linear" || (text(params, "orderFilter") ?? "Order") !== "Order") return ok({ category: cat, list: [], nextPageCursor: "" });
    symbolFilter(core, params, false);
    const orderId = text(params, "orderId");
    const orderLinkId = text(params, "orderLinkId");
    const status = text(params, "orderStatus");
    const startMs = decimal(params, "startTime");
    const endMs = decimal(params, "endTime");
    const records = [...core.orders.values()].filter(
      (record) =>
        matchesScope(core, params, record.order.symbol) &&
        (!orderId || record.orderId === orderId) &&
        (!orderLinkId || record.orderLinkId === orderLinkId) &&
        (!status || orderStatus(record.order) === status) &&
        (startMs === undefined || record.order.createdTsMs >= startMs) &&
        (endMs === undefined || record.order.createdTsMs <= endMs),
    );
    return ok({ category: cat, list: listed(core, records, max), nextPageCursor: "" });
  });
}

/** GET /v5/position/list: by symbol the position even when flat; by settle coin only open positions. */
export function positionList(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const max = limit(params, 20, 200);
    if (cat !== "linear") return ok({ category: cat, list: [], nextPageCursor: "" });
    const symbol = symbolFilter(core, params, true);
    const symbols = symbol ? [symbol] : [...core.instruments.keys()].filter((s) => matchesScope(core, params, s));
    const list = symbols
      .map((s) => core.position(s) ?? (symbol ? flatPosition(s, core.engine.config.defaultLeverage, core.nowMs()) : undefined))
      .filter((position) => position !== undefined && (symbol !== undefined || position.side !== "flat"))
      .slice(0, max)
      .map((position) => positionJson(position!, core.instruments.get(position!.symbol)!, { markPriceUsd: core.markPrice(position!.symbol), seq: core.positionSeqOf(position!.symbol) }));
    return ok({ category: cat, list, nextPageCursor: "" });
  });
}

/** GET /v5/execution/list: trade executions, newest first. */
export function executionList(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const max = limit(params, 50, 100);
    const execType = text(params, "execType") ?? "Trade";
    if (cat !== "linear" || execType !== "Trade") return ok({ category: cat, list: [], nextPageCursor: "" });
    symbolFilter(core, params, false);
    const orderId = text(params, "orderId");
    const orderLinkId = text(params, "orderLinkId");
    const startMs = decimal(params, "startTime");
    const endMs = decimal(params, "endTime");
    const list = core.executions
      .filter(
        (record) =>
          matchesScope(core, params, record.fill.symbol) &&
          (!orderId || record.orderId === orderId) &&
          (!orderLinkId || record.orderLinkId === orderLinkId) &&
          (startMs === undefined || record.fill.tsMs >= startMs) &&
          (endMs === undefined || record.fill.tsMs <= endMs),
      )
      .reverse()
      .slice(0, max)
      .map((record) => executionJson(record, core.spec(record.fill.symbol)));
    return ok({ category: cat, list, nextPageCursor: "" });
  });
}

export function walletBalance(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const accountType = requiredText(params, "accountType");
    if (accountType !== "UNIFIED") return fail(10001, "accountType only support UNIFIED");
    return ok({ list: [walletJson(core.engine)] });
  });
}

export function feeRates(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    category(params);
    const symbol = symbolFilter(core, params, false);
    const { makerRate, takerRate } = core.engine.config.fees;
    const symbols = symbol ? [symbol] : [...core.instruments.keys()];
    return ok({ list: symbols.map((s) => ({ symbol: s, takerFeeRate: String(takerRate), makerFeeRate: String(makerRate) })) });
  });
}

export function accountInfo(core: BybitSimulatorCore): BybitReply {
  return ok({
    marginMode: "REGULAR_MARGIN",
    updatedTime: String(core.nowMs()),
    unifiedMarginStatus: 6,
    dcpStatus: "OFF",
    timeWindow: 10,
    smpGroup: 0,
    isMasterTrader: false,
    spotHedgingStatus: "OFF",
  });
}

/** GET /v5/user/query-api: a unified trade account (uta 1) key with trading permissions. */
export function queryApi(core: BybitSimulatorCore, apiKey: string): BybitReply {
  return ok({
    id: "1",
    note: "titan bybit simulator",
    apiKey,
    readOnly: 0,
    secret: "",
    permissions: { ContractTrade: ["Order", "Position"], Spot: [], Wallet: ["AccountTransfer"], Options: [], Derivatives: [], Exchange: [], Earn: [], NFT: [], BlockTrade: [], Affiliate: [], CopyTrading: [] },
    ips: ["*"],
    type: 1,
    deadlineDay: -1,
    expiredAt: "",
    createdAt: new Date(core.credentialCreatedAtMs(apiKey) ?? core.nowMs()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    unified: 0,
    uta: 1,
    userID: 1,
    inviterID: 0,
    vipLevel: "No VIP",
    mktMakerLevel: "0",
    affiliateID: 0,
    rsaPublicKey: "",
    isMaster: true,
    parentUid: "0",
    kycLevel: "LEVEL_DEFAULT",
    kycRegion: "",
  });
}

// Public market data.

export function serverTime(core: BybitSimulatorCore): BybitReply {
  const nowMs = core.nowMs();
  return ok({ timeSecond: String(Math.floor(nowMs / 1_000)), timeNano: `${nowMs}000000` });
}

/** No nextPageCursor: ccxt pages instruments-info while a cursor is present. */
export function instrumentsInfo(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const status = text(params, "status") ?? "Trading";
    const symbol = text(params, "symbol");
    if (cat !== "linear" || status !== "Trading") return ok({ category: cat, list: [] });
    const list = [...core.instruments.values()].filter((instrument) => !symbol || instrument.spec.symbol === symbol).map(instrumentJson);
    return ok({ category: cat, list });
  });
}

export function tickers(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    if (cat !== "linear") return ok({ category: cat, list: [] });
    const symbol = symbolFilter(core, params, false);
    const symbols = symbol ? [symbol] : [...core.instruments.keys()];
    return ok({ category: cat, list: symbols.map((s) => core.ticker(s)) });
  });
}

export function klines(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = text(params, "category") ?? "linear";
    const symbol = requiredText(params, "symbol");
    if (!core.instruments.has(symbol)) throw new ParamError("Not supported symbols");
    const interval = requiredText(params, "interval");
    const minutes = KLINE_INTERVAL_MINUTES[interval];
    if (minutes === undefined) throw new ParamError(`params error: interval ${interval} invalid`);
    const max = limit(params, 200, 1_000);
    const endMs = decimal(params, "end") ?? core.nowMs();
    const bars = core.tape.klines(symbol, minutes, Math.min(endMs, core.nowMs()), max, decimal(params, "start"));
    const spec = core.spec(symbol);
    const p = (value: number) => formatOnStep(value, spec.tickSizeUsd);
    const list = bars.map((bar) => [String(bar.startMs), p(bar.openUsd), p(bar.highUsd), p(bar.lowUsd), p(bar.closeUsd), formatOnStep(bar.volumeQty, spec.lotStepQty), amount(bar.turnoverUsd, 4)]);
    return ok({ symbol, category: cat, list });
  });
}

export function recentTrades(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    const cat = category(params);
    const symbol = requiredText(params, "symbol");
    if (!core.instruments.has(symbol)) throw new ParamError("Not supported symbols");
    const max = limit(params, 500, 1_000);
    return ok({ category: cat, list: core.tape.recentTrades(symbol, max).map((trade) => recentTradeJson(trade, core.spec(symbol))) });
  });
}

export function orderBook(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    category(params);
    const symbol = requiredText(params, "symbol");
    if (!core.instruments.has(symbol)) throw new ParamError("Not supported symbols");
    const market = core.engine.markets[symbol]!;
    const spec = core.spec(symbol);
    const level = (priceUsd: number | null, qty: number | null) =>
      priceUsd === null ? [] : [[formatOnStep(priceUsd, spec.tickSizeUsd), formatOnStep(qty ?? 0, spec.lotStepQty)]];
    return ok({ s: symbol, b: level(market.bidPriceUsd, market.bidQty), a: level(market.askPriceUsd, market.askQty), ts: market.tsMs, u: 1, seq: 1, cts: market.tsMs });
  });
}
