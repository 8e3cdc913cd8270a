// How orders trade: a fill moves the order, the position and the wallet together; takers cross the touch
// with slippage; resting orders fill against printed volume; reduce-only orders are trimmed or cancelled
// as the position shrinks; attached stops fire as reduce-only market orders.

import { roundToStep } from "./decimal.js";
import type { StepDraft } from "./draft.js";
import { nextOrderStatus } from "./order-lifecycle.js";
import { applyFillToPosition, reducingSide } from "./position.js";
import { feeRate, slippedPriceUsd } from "./pricing.js";
import type { Liquidity, Order, OrderOrigin, Position, Side } from "./types.js";
import { leavesQty, markPriceUsd } from "./wallet.js";

/** What a reduce-only order on `side` may still take off the position. */
export function reducibleQty(position: Position, side: Side): number {
  return reducingSide(position) === side ? position.qty : 0;
}

/** Executes `qty` of `order` at `priceUsd`; returns the order as it stands after the fill. */
export function executeFill(draft: StepDraft, order: Order, qty: number, priceUsd: number, liquidity: Liquidity, tsMs: number): Order {
  const spec = draft.instrument(order.symbol);
  if (!spec) throw new Error(`executeFill: unknown symbol ${order.symbol}`);
  const rate = feeRate(draft.config.fees, liquidity);
  const feeUsd = qty * priceUsd * rate;
  const before = draft.position(order.symbol, tsMs);
  const result = applyFillToPosition(before, { side: order.side, qty, priceUsd, feeUsd, tsMs }, spec.lotStepQty);
  draft.walletBalanceUsd += result.realisedGrossPnlUsd - feeUsd;

  const filledQty = roundToStep(order.filledQty + qty, spec.lotStepQty);
  const filledNotionalUsd = order.filledNotionalUsd + qty * priceUsd;
  const complete = filledQty >= order.qty;
  const updated: Order = {
    ...order,
    status: nextOrderStatus(order.status, complete ? "fill" : "partial-fill"),
    filledQty,
    filledNotionalUsd,
    avgFillPriceUsd: filledNotionalUsd / filledQty,
    cumFeeUsd: order.cumFeeUsd + feeUsd,
    updatedTsMs: tsMs,
  };

  draft.emit({
    kind: "fill",
    fill: {
      fillId: `${draft.config.fillIdPrefix}-${draft.nextSeq()}`,
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      qty,
      priceUsd,
      feeUsd,
      feeRate: rate,
      liquidity,
      closedQty: result.closedQty,
      realisedGrossPnlUsd: result.realisedGrossPnlUsd,
      orderType: order.type,
      orderQty: order.qty,
      orderPriceUsd: order.limitPriceUsd,
      leavesQty: roundToStep(order.qty - filledQty, spec.lotStepQty),
      origin: order.origin,
      markPriceUsd: markPriceUsd(draft.markets[order.symbol]) ?? priceUsd,
      tsMs,
    },
  });
  draft.putOrder(updated, complete ? "filled" : "partially-filled");
  draft.setPosition(withAttachedStops(result.position, order));
  return updated;
}

/** Stops attached to an opening order become the position's stops once it holds exposure in that direction. */
function withAttachedStops(position: Position, order: Order): Position {
  if (order.reduceOnly || order.origin !== "client") return position;
  const opened = (order.side === "buy" && position.side === "long") || (order.side === "sell" && position.side === "short");
  if (!opened || (order.stopLossPriceUsd === null && order.takeProfitPriceUsd === null)) return position;
  return {
    ...position,
    stopLossPriceUsd: order.stopLossPriceUsd ?? position.stopLossPriceUsd,
    takeProfitPriceUsd: order.takeProfitPriceUsd ?? position.takeProfitPriceUsd,
  };
}

export function endOrder(draft: StepDraft, order: Order, event: "cancel" | "expire", reason: Order["cancelReason"], tsMs: number): Order {
  const ended: Order = { ...order, status: nextOrderStatus(order.status, event), cancelReason: reason, updatedTsMs: tsMs };
  draft.putOrder(ended, event === "cancel" ? "cancelled" : "expired");
  return ended;
}

/** The touch a taker on `side` trades against: the ask for a buy, the bid for a sell, else the last trade. */
export function touchFor(draft: StepDraft, symbol: string, side: Side): { priceUsd: number | null; qty: number } {
  const market = draft.markets[symbol];
  if (!market) return { priceUsd: null, qty: 0 };
  const priceUsd = (side === "buy" ? market.askPriceUsd : market.bidPriceUsd) ?? market.lastPriceUsd;
  const shownQty = side === "buy" ? market.askQty : market.bidQty;
  return { priceUsd, qty: shownQty ?? Number.POSITIVE_INFINITY };
}

/**
 * Takes liquidity for `order` at once: up to the size shown at the touch (all of it when `throughTheBook`,
 * as a venue does for a triggered stop), at the touch moved by slippage, never beyond the order's limit.
 */
export function takeLiquidity(draft: StepDraft, order: Order, tsMs: number, throughTheBook = false): Order {
  const spec = draft.instrument(order.symbol);
  const touch = touchFor(draft, order.symbol, order.side);
  if (!spec || touch.priceUsd === null) return order;
  let qty = leavesQty(order);
  if (order.reduceOnly) qty = Math.min(qty, reducibleQty(draft.position(order.symbol, tsMs), order.side));
  if (!throughTheBook) qty = Math.min(qty, roundToStep(touch.qty, spec.lotStepQty, "down"));
  qty = roundToStep(qty, spec.lotStepQty, "down");
  if (qty <= 0) return order;
  const volatility = draft.markets[order.symbol]?.volatilityFraction ?? 0;
  let priceUsd = slippedPriceUsd(draft.config.slippage, order.side, touch.priceUsd, qty, volatility, spec.tickSizeUsd);
  if (order.limitPriceUsd !== null) {
    priceUsd = order.side === "buy" ? Math.min(priceUsd, order.limitPriceUsd) : Math.max(priceUsd, order.limitPriceUsd);
  }
  return executeFill(draft, order, qty, priceUsd, "taker", tsMs);
}

/** Whether a resting limit on `side` at `limitUsd` is reached by a price `priceUsd` (trade or opposite touch). */
export function reaches(side: Side, limitUsd: number, priceUsd: number, atTouch: boolean): boolean {
  if (side === "buy") return priceUsd < limitUsd || (atTouch && priceUsd === limitUsd);
  return priceUsd > limitUsd || (atTouch && priceUsd === limitUsd);
}

/**
 * Fills resting orders on `side` reached by `priceUsd`, best price first then time, sharing `availableQty`.
 * Each fills at its own limit as maker.
 */
export function matchResting(draft: StepDraft, symbol: string, side: Side, priceUsd: number, atTouch: boolean, availableQty: number, tsMs: number): void {
  const spec = draft.instrument(symbol);
  if (!spec) return;
  let remaining = roundToStep(availableQty, spec.lotStepQty, "down");
  const candidates = draft
    .ordersFor(symbol)
    .filter((order) => order.side === side && order.limitPriceUsd !== null && reaches(side, order.limitPriceUsd, priceUsd, atTouch))
    .sort((a, b) => (side === "buy" ? b.limitPriceUsd! - a.limitPriceUsd! : a.limitPriceUsd! - b.limitPriceUsd!) || a.queueSeq - b.queueSeq);
  for (const order of candidates) {
    if (remaining <= 0) break;
    let qty = Math.min(leavesQty(order), remaining);
    if (order.reduceOnly) qty = Math.min(qty, reducibleQty(draft.position(symbol, tsMs), side));
    qty = roundToStep(qty, spec.lotStepQty, "down");
    if (qty <= 0) continue;
    executeFill(draft, order, qty, order.limitPriceUsd!, "maker", tsMs);
    remaining = roundToStep(remaining - qty, spec.lotStepQty, "down");
  }
}

/** Reduce-only orders never outgrow the position: trimmed to what is left, cancelled when nothing is. */
export function enforceReduceOnly(draft: StepDraft, symbol: string, tsMs: number): void {
  const spec = draft.instrument(symbol);
  if (!spec) return;
  for (const order of draft.ordersFor(symbol)) {
    if (!order.reduceOnly) continue;
    const allowed = reducibleQty(draft.position(symbol, tsMs), order.side);
    if (allowed <= 0) {
      endOrder(draft, order, "cancel", "reduce-only-nothing-to-reduce", tsMs);
    } else if (leavesQty(order) > allowed) {
      const trimmed: Order = {
        ...order,
        qty: roundToStep(order.filledQty + allowed, spec.lotStepQty),
        status: nextOrderStatus(order.status, "trim"),
        updatedTsMs: tsMs,
      };
      draft.putOrder(trimmed, "trimmed");
    }
  }
}

/** Fires a position's stop loss or take profit when the last price reaches it (stop loss wins a tie). */
export function fireStops(draft: StepDraft, symbol: string, lastPriceUsd: number, tsMs: number): void {
  const position = draft.positions[symbol];
  if (!position || position.side === "flat") return;
  const long = position.side === "long";
  const { stopLossPriceUsd: sl, takeProfitPriceUsd: tp } = position;
  const slHit = sl !== null && (long ? lastPriceUsd <= sl : lastPriceUsd >= sl);
  const tpHit = tp !== null && (long ? lastPriceUsd >= tp : lastPriceUsd <= tp);
  if (!slHit && !tpHit) return;
  const origin: OrderOrigin = slHit ? "stop-loss" : "take-profit";
  // The stops are used up by the trigger, as on the venue.
  draft.setPosition({ ...position, stopLossPriceUsd: null, takeProfitPriceUsd: null, updatedTsMs: tsMs });
  const seq = draft.nextSeq();
  const order: Order = {
    orderId: `${draft.config.fillIdPrefix}-${origin}-${seq}`,
    clientOrderId: null,
    symbol,
    side: long ? "sell" : "buy",
    type: "market",
    timeInForce: "IOC",
    qty: position.qty,
    limitPriceUsd: null,
    reduceOnly: true,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
    status: nextOrderStatus("submitted", "accept"),
    filledQty: 0,
    filledNotionalUsd: 0,
    avgFillPriceUsd: null,
    cumFeeUsd: 0,
    origin,
    rejectReason: null,
    cancelReason: null,
    priceOnCreateUsd: lastPriceUsd,
    queueSeq: seq,
    createdTsMs: tsMs,
    updatedTsMs: tsMs,
  };
  draft.putOrder(order, "placed");
  const after = takeLiquidity(draft, order, tsMs, true);
  if (after.status === "new" || after.status === "partially-filled") endOrder(draft, after, "expire", "ioc-remainder", tsMs);
}
