// Client order commands: place (pre-trade checks, then rest or take), amend, cancel, cancel-all.
// A refused order is an order event with status `rejected` and a reason; it never throws.

import { isOnStep, roundToStep } from "./decimal.js";
import type { StepDraft } from "./draft.js";
import { enforceReduceOnly, endOrder, reducibleQty, takeLiquidity, touchFor } from "./execution.js";
import { checkOrderFits, checkPrice, type InstrumentSpec } from "./instrument.js";
import { nextOrderStatus } from "./order-lifecycle.js";
import { reducingSide } from "./position.js";
import type { EngineError, Order, PlaceOrderRequest, RejectReason, Side } from "./types.js";
import { leavesQty, markPriceUsd, markToMarket } from "./wallet.js";

function orderFromRequest(draft: StepDraft, request: PlaceOrderRequest, tsMs: number): Order {
  const type = request.type;
  return {
    orderId: request.orderId,
    clientOrderId: request.clientOrderId,
    symbol: request.symbol,
    side: request.side,
    type,
    timeInForce: type === "market" ? "IOC" : type === "post-only" ? "GTC" : (request.timeInForce ?? "GTC"),
    qty: request.qty,
    limitPriceUsd: type === "market" ? null : (request.limitPriceUsd ?? null),
    reduceOnly: request.reduceOnly ?? false,
    stopLossPriceUsd: request.stopLossPriceUsd ?? null,
    takeProfitPriceUsd: request.takeProfitPriceUsd ?? null,
    status: "submitted",
    filledQty: 0,
    filledNotionalUsd: 0,
    avgFillPriceUsd: null,
    cumFeeUsd: 0,
    origin: "client",
    rejectReason: null,
    cancelReason: null,
    priceOnCreateUsd: draft.markets[request.symbol]?.lastPriceUsd ?? null,
    queueSeq: 0,
    createdTsMs: tsMs,
    updatedTsMs: tsMs,
  };
}

/** A stop loss sits on the losing side of the entry, a take profit on the winning side. */
export function checkStops(side: Side, basePriceUsd: number, stopLossPriceUsd: number | null, takeProfitPriceUsd: number | null, spec: InstrumentSpec): RejectReason | null {
  if (stopLossPriceUsd !== null) {
    if (checkPrice(spec, stopLossPriceUsd) !== null) return "invalid-stop-loss";
    if (side === "buy" ? stopLossPriceUsd >= basePriceUsd : stopLossPriceUsd <= basePriceUsd) return "invalid-stop-loss";
  }
  if (takeProfitPriceUsd !== null) {
    if (checkPrice(spec, takeProfitPriceUsd) !== null) return "invalid-take-profit";
    if (side === "buy" ? takeProfitPriceUsd <= basePriceUsd : takeProfitPriceUsd >= basePriceUsd) return "invalid-take-profit";
  }
  return null;
}

/** Would a limit on `side` at `limitUsd` trade at once against the touch? */
function crossesTouch(draft: StepDraft, symbol: string, side: Side, limitUsd: number): boolean {
  const touch = touchFor(draft, symbol, side).priceUsd;
  if (touch === null) return false;
  return side === "buy" ? limitUsd >= touch : limitUsd <= touch;
}

function preTradeCheck(draft: StepDraft, order: Order, spec: InstrumentSpec | undefined, tsMs: number): { reason: RejectReason } | { qty: number } {
  if (!spec) return { reason: "unknown-symbol" };
  if (Object.hasOwn(draft.openOrders, order.orderId)) return { reason: "duplicate-order-id" };
  const touch = touchFor(draft, order.symbol, order.side).priceUsd;
  if (order.type === "market" && touch === null) return { reason: "no-market-price" };
  if (order.type !== "market" && order.limitPriceUsd === null) return { reason: "price-not-positive" };
  const referenceUsd = order.limitPriceUsd ?? touch!;
  const misfit = checkOrderFits(spec, order.qty, order.limitPriceUsd, referenceUsd);
  if (misfit) return { reason: misfit };
  const stops = checkStops(order.side, referenceUsd, order.stopLossPriceUsd, order.takeProfitPriceUsd, spec);
  if (stops) return { reason: stops };

  const position = draft.position(order.symbol, tsMs);
  let qty = order.qty;
  if (order.reduceOnly) {
    const allowed = reducibleQty(position, order.side);
    if (allowed <= 0) return { reason: reducingSide(position) === null ? "reduce-only-no-position" : "reduce-only-wrong-side" };
    qty = Math.min(qty, allowed); // trimmed at entry, as the venue does
  }
  if (order.type === "post-only" && crossesTouch(draft, order.symbol, order.side, order.limitPriceUsd!)) return { reason: "post-only-would-take" };
  if (!order.reduceOnly) {
    const opposite = reducingSide(position) === order.side ? position.qty : 0;
    const openingQty = Math.max(0, qty - opposite);
    const requiredUsd = (openingQty * referenceUsd) / position.leverage + openingQty * referenceUsd * draft.config.fees.takerRate;
    if (requiredUsd > markToMarket(draft.state()).availableBalanceUsd + 1e-9) return { reason: "insufficient-balance" };
  }
  return { qty };
}

export function placeOrder(draft: StepDraft, request: PlaceOrderRequest, tsMs: number): void {
  const spec = draft.instrument(request.symbol);
  const submitted = orderFromRequest(draft, request, tsMs);
  const check = preTradeCheck(draft, submitted, spec, tsMs);
  if ("reason" in check) {
    draft.putOrder({ ...submitted, status: nextOrderStatus("submitted", "reject"), rejectReason: check.reason }, "rejected");
    return;
  }
  const accepted: Order = { ...submitted, qty: check.qty, status: nextOrderStatus("submitted", "accept"), queueSeq: draft.nextSeq() };
  draft.putOrder(accepted, "placed");
  workNewTerms(draft, accepted, tsMs);
}

/** After placement or an amend: take what the terms allow now, then rest or let the rest expire. */
function workNewTerms(draft: StepDraft, order: Order, tsMs: number): void {
  let current = order;
  const marketable = current.type === "market" || (current.type === "limit" && crossesTouch(draft, current.symbol, current.side, current.limitPriceUsd!));
  if (marketable) current = takeLiquidity(draft, current, tsMs);
  const open = current.status === "new" || current.status === "partially-filled";
  if (open && current.timeInForce === "IOC") {
    endOrder(draft, current, "expire", current.filledQty > 0 ? "ioc-remainder" : "no-liquidity", tsMs);
  }
  enforceReduceOnly(draft, current.symbol, tsMs);
}

export function cancelOrder(draft: StepDraft, orderId: string, tsMs: number): EngineError | null {
  const order = Object.hasOwn(draft.openOrders, orderId) ? draft.openOrders[orderId] : undefined;
  if (!order) return { code: "order-not-found", message: `no working order ${orderId}` };
  endOrder(draft, order, "cancel", "client", tsMs);
  return null;
}

export function cancelAllOrders(draft: StepDraft, symbol: string | undefined, tsMs: number): void {
  const orders = Object.values(draft.openOrders)
    .filter((order) => symbol === undefined || order.symbol === symbol)
    .sort((a, b) => a.queueSeq - b.queueSeq);
  for (const order of orders) endOrder(draft, order, "cancel", "cancel-all", tsMs);
}

export interface AmendTerms {
  readonly qty?: number;
  readonly limitPriceUsd?: number;
  readonly stopLossPriceUsd?: number | null;
  readonly takeProfitPriceUsd?: number | null;
}

export function amendOrder(draft: StepDraft, orderId: string, terms: AmendTerms, tsMs: number): EngineError | null {
  const order = Object.hasOwn(draft.openOrders, orderId) ? draft.openOrders[orderId] : undefined;
  if (!order) return { code: "order-not-found", message: `no working order ${orderId}` };
  const spec = draft.instrument(order.symbol)!;
  const qty = terms.qty ?? order.qty;
  const limitPriceUsd = terms.limitPriceUsd ?? order.limitPriceUsd;
  const invalid = (message: string): EngineError => ({ code: "invalid-amend", message });
  if (terms.qty !== undefined) {
    if (!(qty > 0) || !isOnStep(qty, spec.lotStepQty) || qty < spec.minQty || qty > spec.maxQty) return invalid(`qty ${qty} does not fit ${spec.symbol}`);
    if (qty <= order.filledQty) return invalid(`qty ${qty} is not above the filled ${order.filledQty}; cancel instead`);
  }
  if (terms.limitPriceUsd !== undefined) {
    if (order.limitPriceUsd === null) return invalid("a market order has no price to amend");
    if (checkPrice(spec, terms.limitPriceUsd) !== null) return invalid(`price ${terms.limitPriceUsd} does not fit ${spec.symbol}`);
    if (order.type === "post-only" && crossesTouch(draft, order.symbol, order.side, terms.limitPriceUsd)) {
      return { code: "post-only-would-take", message: `post-only price ${terms.limitPriceUsd} would take liquidity` };
    }
  }
  const stopLossPriceUsd = terms.stopLossPriceUsd === undefined ? order.stopLossPriceUsd : terms.stopLossPriceUsd;
  const takeProfitPriceUsd = terms.takeProfitPriceUsd === undefined ? order.takeProfitPriceUsd : terms.takeProfitPriceUsd;
  const basePriceUsd = limitPriceUsd ?? markPriceUsd(draft.markets[order.symbol]);
  if (basePriceUsd !== null) {
    const stops = checkStops(order.side, basePriceUsd, stopLossPriceUsd, takeProfitPriceUsd, spec);
    if (stops) return invalid(stops);
  }
  const priceChanged = limitPriceUsd !== order.limitPriceUsd;
  const amended: Order = {
    ...order,
    qty: roundToStep(qty, spec.lotStepQty),
    limitPriceUsd,
    stopLossPriceUsd,
    takeProfitPriceUsd,
    status: nextOrderStatus(order.status, "amend"),
    queueSeq: priceChanged ? draft.nextSeq() : order.queueSeq,
    updatedTsMs: tsMs,
  };
  draft.putOrder(amended, "amended");
  if (leavesQty(amended) > 0) workNewTerms(draft, amended, tsMs);
  return null;
}
