// Flatten all (domain.md "Execution"): after every open order is cancelled, one reduce-only market order
// per open position, sized from what the venue reports (not the shadow state: flat is what the venue
// says). Rounds repeat until the venue confirms flat; each round's orders get fresh derived client ids.

import { deriveClientOrderId } from "../../shared/client-order-id.js";
import { roundToStep } from "./matching/index.js";
import type { Instrument, OrderRequest, VenuePosition } from "./venue-types.js";

export function flattenOrders(flattenId: string, round: number, positions: readonly VenuePosition[], instrumentOf: (symbol: string) => Instrument | undefined): OrderRequest[] {
  const orders: OrderRequest[] = [];
  for (const position of positions) {
    if (position.side === "flat" || !(position.qty > 0)) continue;
    const instrument = instrumentOf(position.symbol);
    const step = instrument?.lotStepQty ?? 1e-8;
    const qty = roundToStep(Math.min(position.qty, instrument?.maxQty ?? position.qty), step, "up");
    if (!(qty > 0)) continue;
    orders.push({
      clientOrderId: deriveClientOrderId(flattenId, `flatten:${position.symbol}:${round}`),
      symbol: position.symbol,
      side: position.side === "long" ? "sell" : "buy",
      orderType: "market",
      qty,
      limitPriceUsd: null,
      reduceOnly: true,
      stopLossPriceUsd: null,
      takeProfitPriceUsd: null,
    });
  }
  return orders;
}

export const isFlat = (positions: readonly VenuePosition[]): boolean => positions.every((p) => p.side === "flat" || !(p.qty > 0));
