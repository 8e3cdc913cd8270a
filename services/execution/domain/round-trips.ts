// Round trips: a position's life from the fill that opens it to the fill that closes it (or flips it),
// with what it cost and what it made. Strategies learn from these (the scavenger calibrates its win
// rates and its daily-loss gate; AI Quant reads them as closed trades), so each closed trip is
// published once. Pure: the shadow book feeds each applied fill with the position before and after.

import type { Position } from "./matching/index.js";

export interface TripFill {
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
  readonly tsMs: number;
}

export interface OpenTrip {
  readonly symbol: string;
  readonly side: "long" | "short";
  /** The order whose fill opened the position: it leads back to the signal. */
  readonly openedByClientOrderId: string;
  readonly openingFillId: string;
  readonly openedTsMs: number;
  readonly entryQty: number;
  readonly entryNotionalUsd: number;
  readonly exitQty: number;
  readonly exitNotionalUsd: number;
  readonly feesUsd: number;
  /** The position's cumulative realised PnL just before the trip: the trip's PnL is measured from it. */
  readonly realisedAtOpenUsd: number;
}

export interface ClosedTrip extends OpenTrip {
  readonly closingFillId: string;
  readonly closedTsMs: number;
  /** Net of every fee paid in the trip. */
  readonly realisedPnlUsd: number;
}

export interface TripStep {
  readonly open: OpenTrip | null;
  readonly closed: ClosedTrip | null;
}

const isOpen = (p: Position | undefined): p is Position & { side: "long" | "short" } => p !== undefined && p.side !== "flat" && p.qty > 0;

function startTrip(after: Position & { side: "long" | "short" }, fill: TripFill, qty: number, feeUsd: number, realisedAtOpenUsd: number): OpenTrip {
  return {
    symbol: after.symbol,
    side: after.side,
    openedByClientOrderId: fill.clientOrderId,
    openingFillId: fill.fillId,
    openedTsMs: fill.tsMs,
    entryQty: qty,
    entryNotionalUsd: qty * fill.priceUsd,
    exitQty: 0,
    exitNotionalUsd: 0,
    feesUsd: feeUsd,
    realisedAtOpenUsd,
  };
}

/**
 * One applied fill's effect on the symbol's trip. A trip whose opening fill was never seen (a position
 * older than this record) is not invented: it is left alone until the position next opens.
 */
export function tripStep(open: OpenTrip | null, before: Position | undefined, after: Position, fill: TripFill): TripStep {
  const wasOpen = isOpen(before);
  const nowOpen = isOpen(after);
  if (!wasOpen) {
    return { open: nowOpen ? startTrip(after, fill, after.qty, fill.feeUsd, before?.realisedPnlUsd ?? 0) : null, closed: null };
  }
  if (open === null) {
    // Flipped from a position we never saw open: the new side's trip starts here.
    const flipped = nowOpen && after.side !== before.side;
    return { open: flipped ? startTrip(after, fill, after.qty, 0, after.realisedPnlUsd) : null, closed: null };
  }
  if (nowOpen && after.side === before.side) {
    if (after.qty > before.qty) {
      return { open: { ...open, entryQty: open.entryQty + fill.qty, entryNotionalUsd: open.entryNotionalUsd + fill.qty * fill.priceUsd, feesUsd: open.feesUsd + fill.feeUsd }, closed: null };
    }
    return { open: { ...open, exitQty: open.exitQty + fill.qty, exitNotionalUsd: open.exitNotionalUsd + fill.qty * fill.priceUsd, feesUsd: open.feesUsd + fill.feeUsd }, closed: null };
  }
  // Closed, or closed and flipped: the fee is shared by the closing and the opening part.
  const closingQty = before.qty;
  const flipQty = nowOpen ? after.qty : 0;
  const flipFeeUsd = fill.qty > 0 ? (fill.feeUsd * flipQty) / fill.qty : 0;
  const realisedAfterCloseUsd = after.realisedPnlUsd + flipFeeUsd;
  const closed: ClosedTrip = {
    ...open,
    exitQty: open.exitQty + closingQty,
    exitNotionalUsd: open.exitNotionalUsd + closingQty * fill.priceUsd,
    feesUsd: open.feesUsd + fill.feeUsd - flipFeeUsd,
    closingFillId: fill.fillId,
    closedTsMs: fill.tsMs,
    realisedPnlUsd: realisedAfterCloseUsd - open.realisedAtOpenUsd,
  };
  return { open: nowOpen ? startTrip(after as Position & { side: "long" | "short" }, fill, flipQty, flipFeeUsd, realisedAfterCloseUsd) : null, closed };
}

/** Average prices of a trip, for reports. */
export const entryPriceUsd = (trip: OpenTrip): number => (trip.entryQty > 0 ? trip.entryNotionalUsd / trip.entryQty : 0);
export const exitPriceUsd = (trip: OpenTrip): number | null => (trip.exitQty > 0 ? trip.exitNotionalUsd / trip.exitQty : null);
