// Execution reports (the contract) from what a venue said: an order's new state, or a fill. Report ids
// derive from the venue's own ids, so the same event heard twice (stream and polling, before and after
// a restart) yields the same report and is harmless downstream.

import type { ExecutionReport, OrderCommand } from "../../shared/contracts/index.js";
import { deterministicUuid, venueClientOrderId } from "./ids.js";
import type { ShadowOrder } from "./shadow-state.js";
import type { OrderType, VenueFill, VenueOrder } from "./venue-types.js";

export type ReportVenue = ExecutionReport["venue"];

/** The id an order is filed under in the shadow state: ours, or one derived from the venue's id. */
export const shadowClientOrderId = (clientOrderId: string | null, venueOrderId: string): string =>
  clientOrderId && clientOrderId.length > 0 ? clientOrderId : venueClientOrderId(venueOrderId);

const positiveOrNull = (value: number | null): number | null => (value !== null && value > 0 ? value : null);

export function reportFromVenueOrder(venue: ReportVenue, order: VenueOrder, nowMs: number): ExecutionReport {
  const filledQty = Math.max(0, order.filledQty);
  return {
    version: 1,
    reportId: deterministicUuid("execution-report:order", venue, order.venueOrderId, order.status, filledQty, order.qty),
    venue,
    clientOrderId: shadowClientOrderId(order.clientOrderId, order.venueOrderId),
    venueOrderId: order.venueOrderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.orderType,
    reduceOnly: order.reduceOnly,
    status: order.status,
    orderQty: order.qty,
    limitPriceUsd: positiveOrNull(order.limitPriceUsd),
    filledQty,
    remainingQty: order.status === "new" || order.status === "partially-filled" ? Math.max(0, order.qty - filledQty) : 0,
    avgFillPriceUsd: filledQty > 0 ? positiveOrNull(order.avgFillPriceUsd) : null,
    ...(order.status === "rejected" && order.rejectReason ? { rejectReason: order.rejectReason } : {}),
    venueTsMs: order.updatedTsMs,
    tsMs: nowMs,
  };
}

/**
 * A fill's report. The fill carries what is left of its order; the cumulative average comes from the
 * order as the shadow state knows it, else from this fill alone.
 */
export function reportFromVenueFill(venue: ReportVenue, fill: VenueFill, known: ShadowOrder | undefined, nowMs: number, roundQty: (qty: number) => number): ExecutionReport {
  const orderQty = fill.orderQty > 0 ? fill.orderQty : (known?.orderQty ?? fill.qty);
  const filledQty = Math.min(orderQty, Math.max(fill.qty, roundQty(orderQty - fill.leavesQty)));
  const knownQty = known?.filledQty ?? 0;
  // Volume-weighted with what was filled before, when this fill is the newest news about the order.
  const avgFillPriceUsd =
    known?.avgFillPriceUsd && knownQty > 0 && filledQty > knownQty ? (known.avgFillPriceUsd * knownQty + fill.priceUsd * fill.qty) / (knownQty + fill.qty) : (filledQty > knownQty ? fill.priceUsd : (known?.avgFillPriceUsd ?? fill.priceUsd));
  const done = fill.leavesQty <= 0 || filledQty >= orderQty;
  return {
    version: 1,
    reportId: deterministicUuid("execution-report:fill", venue, fill.fillId),
    venue,
    clientOrderId: shadowClientOrderId(fill.clientOrderId, fill.venueOrderId),
    venueOrderId: fill.venueOrderId,
    symbol: fill.symbol,
    side: fill.side,
    orderType: known?.orderType ?? fill.orderType,
    reduceOnly: known?.reduceOnly ?? fill.origin !== "client",
    status: done ? "filled" : "partially-filled",
    orderQty,
    limitPriceUsd: known?.limitPriceUsd ?? (fill.orderType === "market" ? null : positiveOrNull(fill.orderPriceUsd)),
    filledQty,
    remainingQty: done ? 0 : Math.max(0, roundQty(orderQty - filledQty)),
    avgFillPriceUsd,
    fill: { fillId: fill.fillId, qty: fill.qty, priceUsd: fill.priceUsd, feeUsd: fill.feeUsd, liquidity: fill.liquidity },
    venueTsMs: fill.tsMs,
    tsMs: nowMs,
  };
}

export interface RefusalFacts {
  readonly venue: ReportVenue;
  readonly command: OrderCommand;
  /** The venue symbol when the command's one is an alias; the command's own otherwise. */
  readonly symbol: string;
  readonly orderType: OrderType;
  /** The size it would have had; an estimate from the notional when sizing was never reached. */
  readonly qty: number;
  readonly limitPriceUsd: number | null;
  readonly status: "rejected" | "expired" | "cancelled";
  readonly reason: string;
  readonly nowMs: number;
}

/** The report of a command refused before it reached the venue (pre-trade checks, trading state, expiry). */
export function refusalReport(f: RefusalFacts): ExecutionReport {
  return {
    version: 1,
    reportId: deterministicUuid("execution-report:refusal", f.command.commandId, f.command.clientOrderId),
    venue: f.venue,
    clientOrderId: f.command.clientOrderId,
    venueOrderId: null,
    symbol: f.symbol,
    side: f.command.side,
    orderType: f.orderType,
    reduceOnly: f.command.reduceOnly,
    status: f.status,
    orderQty: f.qty > 0 && Number.isFinite(f.qty) ? f.qty : Number.MIN_VALUE,
    limitPriceUsd: f.limitPriceUsd,
    filledQty: 0,
    remainingQty: 0,
    avgFillPriceUsd: null,
    rejectReason: f.reason.slice(0, 1000),
    venueTsMs: f.nowMs,
    tsMs: f.nowMs,
  };
}
