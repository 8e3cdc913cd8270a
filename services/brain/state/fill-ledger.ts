// The brain's book of fills per symbol: net quantity, average entry and the trade it belongs to, built
// only from execution reports. It turns fills into realised PnL (which moves equity between execution's
// equity snapshots) and into closed trades (which feed the SOFT breaker and each phase's performance).
// One-way position mode: a fill on the opposite side reduces, closes or flips the position. Pure.

import type { ClosedTrade, Phase, PositionSide } from "../domain/index.js";

export interface LedgerEntry {
  readonly symbol: string;
  /** Signed base quantity: positive long, negative short; never 0 (a flat symbol has no entry). */
  readonly qty: number;
  readonly avgEntryPriceUsd: number;
  /** The phase whose signal opened the trade. */
  readonly phase: Phase;
  readonly tradeId: string;
  readonly openedAtMs: number;
  readonly equityAtOpenUsd: number;
  /** Realised PnL of the trade so far, before fees. */
  readonly realisedPnlUsd: number;
  readonly feesUsd: number;
  readonly lastPriceUsd: number;
  readonly updatedAtMs: number;
}

export interface FillInput {
  readonly fillId: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly priceUsd: number;
  /** Positive = paid; a maker rebate is negative. */
  readonly feeUsd: number;
  readonly tsMs: number;
  /** The phase of the order's signal, when the order came from one. */
  readonly phase: Phase | null;
  /** Total equity now: the base a new trade's return is measured against. */
  readonly equityUsd: number;
}

export interface ClosedTradeRecord extends ClosedTrade {
  readonly side: PositionSide;
  readonly openedAtMs: number;
}

export interface FillOutcome {
  /** The symbol's entry after the fill; null once flat. */
  readonly entry: LedgerEntry | null;
  /** Realised by this fill, before its fee. */
  readonly realisedPnlUsd: number;
  readonly feeUsd: number;
  readonly closedTrades: readonly ClosedTradeRecord[];
}

/** Quantities within this relative distance of each other are equal (float dust after partial fills). */
const QTY_EPSILON = 1e-9;
const isZero = (qty: number, scale: number): boolean => Math.abs(qty) <= QTY_EPSILON * Math.max(1, Math.abs(scale));

const open = (fill: FillInput, signedQty: number, feeUsd: number, phase: Phase, tradeId: string): LedgerEntry => ({
  symbol: fill.symbol,
  qty: signedQty,
  avgEntryPriceUsd: fill.priceUsd,
  phase,
  tradeId,
  openedAtMs: fill.tsMs,
  equityAtOpenUsd: fill.equityUsd,
  realisedPnlUsd: 0,
  feesUsd: feeUsd,
  lastPriceUsd: fill.priceUsd,
  updatedAtMs: fill.tsMs,
});

/** Books one fill against the symbol's entry. `defaultPhase` owns trades whose orders carry no phase. */
export function applyFill(entry: LedgerEntry | null, fill: FillInput, defaultPhase: Phase): FillOutcome {
  if (!(fill.qty > 0) || !(fill.priceUsd > 0) || !Number.isFinite(fill.feeUsd)) throw new RangeError(`fill ${fill.fillId}: qty and price must be positive and the fee finite`);
  const signed = fill.side === "buy" ? fill.qty : -fill.qty;
  if (entry === null) {
    const phase = fill.phase ?? defaultPhase;
    return { entry: open(fill, signed, fill.feeUsd, phase, `${fill.symbol}:${fill.fillId}`), realisedPnlUsd: 0, feeUsd: fill.feeUsd, closedTrades: [] };
  }
  if (Math.sign(signed) === Math.sign(entry.qty)) {
    const qty = entry.qty + signed;
    const avgEntryPriceUsd = (entry.avgEntryPriceUsd * Math.abs(entry.qty) + fill.priceUsd * fill.qty) / Math.abs(qty);
    return {
      entry: { ...entry, qty, avgEntryPriceUsd, feesUsd: entry.feesUsd + fill.feeUsd, lastPriceUsd: fill.priceUsd, updatedAtMs: fill.tsMs },
      realisedPnlUsd: 0,
      feeUsd: fill.feeUsd,
      closedTrades: [],
    };
  }
  // Opposite side: close up to the open quantity, then open the rest as a new trade (a flip).
  const closingQty = Math.min(fill.qty, Math.abs(entry.qty));
  const direction = entry.qty > 0 ? 1 : -1;
  const realisedPnlUsd = closingQty * (fill.priceUsd - entry.avgEntryPriceUsd) * direction;
  const closingFee = fill.feeUsd * (closingQty / fill.qty);
  const remainingQty = entry.qty + signed;
  const flatAfterClose = isZero(remainingQty, entry.qty) || Math.sign(remainingQty) !== direction;
  const realised = entry.realisedPnlUsd + realisedPnlUsd;
  const fees = entry.feesUsd + closingFee;
  if (!flatAfterClose) {
    return {
      entry: { ...entry, qty: remainingQty, realisedPnlUsd: realised, feesUsd: fees, lastPriceUsd: fill.priceUsd, updatedAtMs: fill.tsMs },
      realisedPnlUsd,
      feeUsd: fill.feeUsd,
      closedTrades: [],
    };
  }
  const closed: ClosedTradeRecord = {
    tradeId: entry.tradeId,
    phase: entry.phase,
    symbol: entry.symbol,
    side: direction > 0 ? "long" : "short",
    pnlUsd: realised - fees,
    equityAtOpenUsd: entry.equityAtOpenUsd,
    openedAtMs: entry.openedAtMs,
    closedAtMs: fill.tsMs,
  };
  const flippedQty = isZero(remainingQty, entry.qty) ? 0 : remainingQty;
  const next = flippedQty === 0 ? null : open(fill, flippedQty, fill.feeUsd - closingFee, fill.phase ?? entry.phase, `${fill.symbol}:${fill.fillId}`);
  return { entry: next, realisedPnlUsd, feeUsd: fill.feeUsd, closedTrades: [closed] };
}
