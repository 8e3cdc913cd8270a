// The matching engine's values → the venue domain values, as the paper venue reports them (the same
// shapes the Bybit parse functions produce, so nothing downstream can tell the venues apart).

import { markPriceUsd, unrealisedPnlUsd, type Fill, type MarketState, type Order, type Position, type WalletSnapshot } from "../../domain/matching/index.js";
import type { OrderStatus, VenueBalance, VenueFill, VenueOrder, VenuePosition } from "../../domain/venue-types.js";

function status(order: Order): OrderStatus {
  // A crossing post-only order is accepted and cancelled at once, as Bybit does.
  if (order.status === "rejected" && order.rejectReason === "post-only-would-take") return "cancelled";
  if (order.status === "submitted") return "new";
  return order.status;
}

export function venueOrderFromEngine(order: Order): VenueOrder {
  return {
    venueOrderId: order.orderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.type,
    reduceOnly: order.reduceOnly,
    status: status(order),
    qty: order.qty,
    filledQty: order.filledQty,
    avgFillPriceUsd: order.avgFillPriceUsd,
    limitPriceUsd: order.limitPriceUsd,
    stopLossPriceUsd: order.stopLossPriceUsd,
    takeProfitPriceUsd: order.takeProfitPriceUsd,
    origin: order.origin,
    rejectReason: order.rejectReason,
    createdTsMs: order.createdTsMs,
    updatedTsMs: order.updatedTsMs,
  };
}

export function venueFillFromEngine(fill: Fill): VenueFill {
  return {
    fillId: fill.fillId,
    venueOrderId: fill.orderId,
    clientOrderId: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    qty: fill.qty,
    priceUsd: fill.priceUsd,
    feeUsd: fill.feeUsd,
    liquidity: fill.liquidity,
    orderType: fill.orderType,
    orderQty: fill.orderQty,
    leavesQty: fill.leavesQty,
    orderPriceUsd: fill.orderPriceUsd,
    origin: fill.origin,
    tsMs: fill.tsMs,
  };
}

export function venuePositionFromEngine(position: Position, market: MarketState | undefined, tsMs: number): VenuePosition {
  const mark = markPriceUsd(market);
  return {
    symbol: position.symbol,
    side: position.side,
    qty: position.qty,
    entryPriceUsd: position.avgEntryPriceUsd,
    markPriceUsd: mark,
    leverage: position.leverage,
    unrealisedPnlUsd: unrealisedPnlUsd(position, mark),
    realisedPnlUsd: position.realisedPnlUsd,
    liquidationPriceUsd: null,
    tsMs: Math.max(position.updatedTsMs, tsMs),
  };
}

export function venueBalanceFromEngine(wallet: WalletSnapshot, tsMs: number): VenueBalance {
  return {
    equityUsd: wallet.equityUsd,
    walletBalanceUsd: wallet.walletBalanceUsd,
    availableBalanceUsd: wallet.availableBalanceUsd,
    unrealisedPnlUsd: wallet.unrealisedPnlUsd,
    tsMs,
  };
}
