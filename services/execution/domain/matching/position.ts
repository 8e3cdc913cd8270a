// Direction-aware positions: a fill on the position's side grows it at a volume-weighted entry price, a
// fill on the other side reduces it, closes it, or closes it and opens the other way (a flip).

import { roundToStep } from "./decimal.js";
import type { Position, PositionSide, Side } from "./types.js";

export function flatPosition(symbol: string, leverage: number, tsMs: number): Position {
  return {
    symbol,
    side: "flat",
    qty: 0,
    avgEntryPriceUsd: null,
    realisedPnlUsd: 0,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
    leverage,
    createdTsMs: tsMs,
    updatedTsMs: tsMs,
  };
}

/** +1 long, −1 short, 0 flat. */
export function positionDirection(side: PositionSide): 1 | -1 | 0 {
  return side === "long" ? 1 : side === "short" ? -1 : 0;
}

export function sideDirection(side: Side): 1 | -1 {
  return side === "buy" ? 1 : -1;
}

/** Signed size: positive long, negative short. */
export function signedQty(position: Position): number {
  return positionDirection(position.side) * position.qty;
}

/** The order side that reduces this position, or null when flat. */
export function reducingSide(position: Position): Side | null {
  return position.side === "long" ? "sell" : position.side === "short" ? "buy" : null;
}

export interface PositionFillResult {
  readonly position: Position;
  /** How much of the fill closed existing exposure. */
  readonly closedQty: number;
  /** (exit − entry) × closedQty × direction, before fees. */
  readonly realisedGrossPnlUsd: number;
}

/** Applies one fill; the fee is debited from realised PnL whichever way the fill goes. */
export function applyFillToPosition(
  position: Position,
  fill: { readonly side: Side; readonly qty: number; readonly priceUsd: number; readonly feeUsd: number; readonly tsMs: number },
  lotStepQty: number,
): PositionFillResult {
  const direction = positionDirection(position.side);
  const fillDirection = sideDirection(fill.side);
  const realisedBase = position.realisedPnlUsd - fill.feeUsd;

  if (direction === 0 || direction === fillDirection) {
    const qty = roundToStep(position.qty + fill.qty, lotStepQty);
    const previousCostUsd = (position.avgEntryPriceUsd ?? 0) * position.qty;
    return {
      position: {
        ...position,
        side: fillDirection === 1 ? "long" : "short",
        qty,
        avgEntryPriceUsd: (previousCostUsd + fill.priceUsd * fill.qty) / qty,
        realisedPnlUsd: realisedBase,
        createdTsMs: direction === 0 ? fill.tsMs : position.createdTsMs,
        updatedTsMs: fill.tsMs,
      },
      closedQty: 0,
      realisedGrossPnlUsd: 0,
    };
  }

  const entryPriceUsd = position.avgEntryPriceUsd ?? fill.priceUsd;
  const closedQty = Math.min(position.qty, fill.qty);
  const realisedGrossPnlUsd = (fill.priceUsd - entryPriceUsd) * closedQty * direction;
  const remainingQty = roundToStep(position.qty - closedQty, lotStepQty);
  const flipQty = roundToStep(fill.qty - closedQty, lotStepQty);
  const realisedPnlUsd = realisedBase + realisedGrossPnlUsd;

  if (remainingQty > 0) {
    return {
      position: { ...position, qty: remainingQty, realisedPnlUsd, updatedTsMs: fill.tsMs },
      closedQty,
      realisedGrossPnlUsd,
    };
  }
  // Closed (and maybe flipped): attached stops belonged to the old exposure, so they go with it.
  const closed: Position = {
    ...position,
    side: "flat",
    qty: 0,
    avgEntryPriceUsd: null,
    realisedPnlUsd,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
    updatedTsMs: fill.tsMs,
  };
  if (flipQty === 0) return { position: closed, closedQty, realisedGrossPnlUsd };
  return {
    position: {
      ...closed,
      side: fillDirection === 1 ? "long" : "short",
      qty: flipQty,
      avgEntryPriceUsd: fill.priceUsd,
      createdTsMs: fill.tsMs,
    },
    closedQty,
    realisedGrossPnlUsd,
  };
}

/** Mark-to-market PnL of the open exposure. */
export function unrealisedPnlUsd(position: Position, markPriceUsd: number | null): number {
  if (position.side === "flat" || position.avgEntryPriceUsd === null || markPriceUsd === null) return 0;
  return (markPriceUsd - position.avgEntryPriceUsd) * position.qty * positionDirection(position.side);
}
