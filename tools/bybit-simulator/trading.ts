// Private write endpoints: /v5/order/create | amend | cancel | cancel-all, /v5/position/set-leverage and
// /v5/position/trading-stop. Parameters as ccxt's bybit class sends them; refusals with Bybit's codes.

import type { OrderType, RejectReason, Side, StepResult } from "../../services/execution/domain/matching/index.js";
import type { OrderRecord } from "./bybit-json.js";
import type { BybitSimulatorCore } from "./core.js";
import { decimal, fail, flag, guarded, ok, optionalPrice, ParamError, requiredText, text, type BybitReply, type Params } from "./reply.js";

const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;

function linearCategory(params: Params): void {
  const category = requiredText(params, "category");
  if (category !== "linear") throw new ParamError(`params error: category ${category} is not simulated (linear only)`);
}

function knownSymbol(core: BybitSimulatorCore, params: Params): string {
  const symbol = requiredText(params, "symbol");
  // ccxt turns this message into BadSymbol.
  if (!core.instruments.has(symbol)) throw new UnknownSymbol();
  return symbol;
}

class UnknownSymbol extends ParamError {
  constructor() {
    super("Not supported symbols");
  }
}

/** Bybit's answer to each engine refusal (ccxt's exception class in the comment). */
export function rejectionReply(reason: RejectReason): BybitReply {
  switch (reason) {
    case "unknown-symbol":
      return fail(10001, "Not supported symbols"); // BadSymbol
    case "insufficient-balance":
      return fail(110007, "ab not enough for new order"); // InsufficientFunds
    case "reduce-only-no-position":
      return fail(110017, "current position is zero, cannot fix reduce-only order qty"); // InvalidOrder
    case "reduce-only-wrong-side":
      return fail(110017, "Reduce-only rule not satisfied"); // InvalidOrder
    case "notional-below-min":
      return fail(110094, "Order does not meet minimum order value"); // InvalidOrder
    case "price-out-of-range":
      return fail(110003, "Order price is out of permissible range"); // InvalidOrder
    case "qty-below-min":
      return fail(10001, "The number of contracts exceeds minimum limit allowed");
    case "qty-above-max":
      return fail(10001, "The number of contracts exceeds maximum limit allowed");
    case "qty-not-on-step":
    case "qty-not-positive":
      return fail(10001, "Qty invalid");
    case "price-not-on-tick":
    case "price-not-positive":
      return fail(10001, "params error: price invalid");
    case "invalid-stop-loss":
      return fail(10001, "StopLoss set for this position is on the wrong side of the base price");
    case "invalid-take-profit":
      return fail(10001, "TakeProfit set for this position is on the wrong side of the base price");
    case "no-market-price":
    case "duplicate-order-id":
    case "post-only-would-take":
      return fail(10001, `params error: ${reason}`);
  }
}

/** Conditional and partial TP/SL orders are not simulated: refused loudly rather than half-done. */
function refuseUnsupported(params: Params): void {
  for (const key of ["triggerPrice", "triggerDirection", "trailingStop", "slLimitPrice", "tpLimitPrice"]) {
    if (text(params, key) !== undefined) throw new ParamError(`params error: ${key} (conditional orders) is not simulated`);
  }
  if (text(params, "orderFilter") !== undefined && text(params, "orderFilter") !== "Order") throw new ParamError("params error: only orderFilter=Order is simulated");
  if ((text(params, "tpslMode") ?? "Full") !== "Full") throw new ParamError("params error: only tpslMode=Full is simulated");
  if ((text(params, "positionIdx") ?? "0") !== "0") throw new ParamError("position idx not match position mode");
}

export function createOrder(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = knownSymbol(core, params);
    refuseUnsupported(params);
    const side = requiredText(params, "side");
    if (side !== "Buy" && side !== "Sell") throw new ParamError(`params error: side must be Buy or Sell`);
    const orderType = requiredText(params, "orderType");
    if (orderType !== "Limit" && orderType !== "Market") throw new ParamError("params error: orderType must be Limit or Market");
    const qty = decimal(params, "qty");
    if (qty === undefined) throw new ParamError("params error: qty is required");
    const limitPriceUsd = decimal(params, "price");
    if (orderType === "Limit" && limitPriceUsd === undefined) throw new ParamError("params error: price is required for a Limit order");
    const timeInForce = text(params, "timeInForce") ?? (orderType === "Market" ? "IOC" : "GTC");
    if (!["GTC", "IOC", "PostOnly"].includes(timeInForce)) throw new ParamError(`params error: timeInForce ${timeInForce} is not simulated`);
    if (timeInForce === "PostOnly" && orderType === "Market") throw new ParamError("params error: a Market order cannot be PostOnly");
    const orderLinkId = text(params, "orderLinkId") ?? "";
    if (orderLinkId && !ORDER_LINK_ID.test(orderLinkId)) throw new ParamError("params error: orderLinkId must be 1-36 characters of [A-Za-z0-9_-]");
    if (orderLinkId && core.duplicateCheck.enabled && core.ordersByLinkId(orderLinkId).length > 0) {
      return core.duplicateCheck.retCode === 30001 ? fail(30001, "order_link_id is repeated") : fail(110072, "OrderLinkedID is duplicate");
    }
    const type: OrderType = orderType === "Market" ? "market" : timeInForce === "PostOnly" ? "post-only" : "limit";
    const orderId = core.nextOrderId();
    core.registerOrder(orderId, orderLinkId);
    const result = core.apply({
      kind: "place",
      tsMs: core.nowMs(),
      request: {
        orderId,
        clientOrderId: orderLinkId || null,
        symbol,
        side: (side === "Buy" ? "buy" : "sell") as Side,
        type,
        qty,
        limitPriceUsd: limitPriceUsd ?? null,
        timeInForce: timeInForce === "IOC" ? "IOC" : "GTC",
        reduceOnly: flag(params, "reduceOnly") ?? false,
        stopLossPriceUsd: optionalPrice(params, "stopLoss") ?? null,
        takeProfitPriceUsd: optionalPrice(params, "takeProfit") ?? null,
      },
    });
    const refused = refusal(result, orderId);
    if (refused) {
      core.forgetOrder(orderId, orderLinkId);
      return rejectionReply(refused);
    }
    return ok({ orderId, orderLinkId });
  });
}

function refusal(result: StepResult, orderId: string): RejectReason | null {
  for (const event of result.events) {
    if (event.kind === "order" && event.order.orderId === orderId && event.order.status === "rejected" && event.order.rejectReason !== "post-only-would-take") {
      return event.order.rejectReason;
    }
  }
  return null;
}

/** The order a cancel or amend names, by orderId or (newest first) by orderLinkId. */
function namedOrder(core: BybitSimulatorCore, params: Params, symbol: string): OrderRecord | undefined {
  const orderId = text(params, "orderId");
  const orderLinkId = text(params, "orderLinkId");
  if (!orderId && !orderLinkId) throw new ParamError("params error: orderId or orderLinkId is required");
  const candidates = orderId ? [core.orders.get(orderId)].filter((r): r is OrderRecord => r !== undefined) : core.ordersByLinkId(orderLinkId!).reverse();
  return candidates.find((record) => record.order.symbol === symbol && (record.order.status === "new" || record.order.status === "partially-filled"));
}

export function amendOrder(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = knownSymbol(core, params);
    const record = namedOrder(core, params, symbol);
    if (!record) return fail(110001, "order not exists or too late to replace");
    const qty = decimal(params, "qty");
    const limitPriceUsd = decimal(params, "price");
    const stopLossPriceUsd = optionalPrice(params, "stopLoss");
    const takeProfitPriceUsd = optionalPrice(params, "takeProfit");
    if ([qty, limitPriceUsd, stopLossPriceUsd, takeProfitPriceUsd].every((value) => value === undefined)) {
      return fail(10001, "The order remains unchanged as the parameters entered match the existing ones.");
    }
    const result = core.apply({ kind: "amend", tsMs: core.nowMs(), orderId: record.order.orderId, qty, limitPriceUsd, stopLossPriceUsd, takeProfitPriceUsd });
    if (result.error) return result.error.code === "order-not-found" ? fail(110001, "order not exists or too late to replace") : fail(10001, result.error.message);
    return ok({ orderId: record.orderId, orderLinkId: record.orderLinkId });
  });
}

export function cancelOrder(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = knownSymbol(core, params);
    const record = namedOrder(core, params, symbol);
    if (!record) return fail(110001, "Order does not exist.");
    const result = core.apply({ kind: "cancel", tsMs: core.nowMs(), orderId: record.order.orderId });
    if (result.error) return fail(110001, "Order does not exist.");
    return ok({ orderId: record.orderId, orderLinkId: record.orderLinkId });
  });
}

export function cancelAllOrders(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = text(params, "symbol") === undefined ? undefined : knownSymbol(core, params);
    const settleCoin = text(params, "settleCoin");
    const baseCoin = text(params, "baseCoin");
    if (!symbol && !settleCoin && !baseCoin) throw new ParamError("Missing some parameters that must be filled in, symbol or settleCoin or baseCoin");
    if (settleCoin && settleCoin !== "USDT") return ok({ list: [], success: "1" });
    const open = [...core.orders.values()].filter(
      (record) =>
        (record.order.status === "new" || record.order.status === "partially-filled") &&
        (!symbol || record.order.symbol === symbol) &&
        (!baseCoin || core.spec(record.order.symbol).baseAsset === baseCoin),
    );
    for (const record of open) core.apply({ kind: "cancel", tsMs: core.nowMs(), orderId: record.order.orderId });
    return ok({ list: open.map((record) => ({ orderId: record.orderId, orderLinkId: record.orderLinkId })), success: "1" });
  });
}

export function setLeverage(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = knownSymbol(core, params);
    const buy = decimal(params, "buyLeverage");
    const sell = decimal(params, "sellLeverage");
    if (buy === undefined || sell === undefined) throw new ParamError("params error: buyLeverage and sellLeverage are required");
    if (buy !== sell) throw new ParamError("params error: buyLeverage must equal sellLeverage in one-way mode");
    const current = core.position(symbol)?.leverage ?? core.engine.config.defaultLeverage;
    if (current === buy) return fail(110043, "leverage not modified"); // as Bybit: ccxt raises BadRequest
    const result = core.apply({ kind: "set-leverage", tsMs: core.nowMs(), symbol, leverage: buy });
    if (result.error) return fail(10001, result.error.message);
    return ok({});
  });
}

export function setTradingStop(core: BybitSimulatorCore, params: Params): BybitReply {
  return guarded(() => {
    linearCategory(params);
    const symbol = knownSymbol(core, params);
    refuseUnsupported({ ...params, triggerPrice: undefined });
    const position = core.position(symbol);
    const stopLoss = optionalPrice(params, "stopLoss");
    const takeProfit = optionalPrice(params, "takeProfit");
    const result = core.apply({
      kind: "set-position-stops",
      tsMs: core.nowMs(),
      symbol,
      stopLossPriceUsd: stopLoss === undefined ? (position?.stopLossPriceUsd ?? null) : stopLoss,
      takeProfitPriceUsd: takeProfit === undefined ? (position?.takeProfitPriceUsd ?? null) : takeProfit,
    });
    if (result.error) return fail(10001, position?.qty ? result.error.message : "can not set tp/sl/ts for zero position");
    return ok({});
  });
}
