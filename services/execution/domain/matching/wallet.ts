// The account marked to market: wallet balance moves only with realised PnL and fees; equity adds the
// open positions' unrealised PnL at the mark; margin is notional / leverage for positions and working orders.

import { unrealisedPnlUsd } from "./position.js";
import type { EngineState, MarketState, Order, WalletSnapshot } from "./types.js";

/** Mark price: the last trade, else the mid of the quote, else null (no market yet). */
export function markPriceUsd(market: MarketState | undefined): number | null {
  if (!market) return null;
  if (market.lastPriceUsd !== null) return market.lastPriceUsd;
  if (market.bidPriceUsd !== null && market.askPriceUsd !== null) return (market.bidPriceUsd + market.askPriceUsd) / 2;
  return null;
}

export function leavesQty(order: Order): number {
  return Math.max(0, order.qty - order.filledQty);
}

/** Margin a working order reserves; reduce-only orders reserve none because they cannot add exposure. */
export function orderMarginUsd(order: Order, leverage: number, referencePriceUsd: number | null): number {
  if (order.reduceOnly) return 0;
  const priceUsd = order.limitPriceUsd ?? referencePriceUsd ?? 0;
  return (leavesQty(order) * priceUsd) / leverage;
}

export function markToMarket(state: EngineState): WalletSnapshot {
  let unrealised = 0;
  let positionMargin = 0;
  for (const position of Object.values(state.positions)) {
    if (position.side === "flat") continue;
    const mark = markPriceUsd(state.markets[position.symbol]) ?? position.avgEntryPriceUsd;
    unrealised += unrealisedPnlUsd(position, mark);
    positionMargin += (position.qty * (mark ?? 0)) / position.leverage;
  }
  let orderMargin = 0;
  for (const order of Object.values(state.openOrders)) {
    const leverage = state.positions[order.symbol]?.leverage ?? state.config.defaultLeverage;
    orderMargin += orderMarginUsd(order, leverage, markPriceUsd(state.markets[order.symbol]));
  }
  const equityUsd = state.walletBalanceUsd + unrealised;
  return {
    walletBalanceUsd: state.walletBalanceUsd,
    unrealisedPnlUsd: unrealised,
    equityUsd,
    positionMarginUsd: positionMargin,
    orderMarginUsd: orderMargin,
    availableBalanceUsd: equityUsd - positionMargin - orderMargin,
  };
}
