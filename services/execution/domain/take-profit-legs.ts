// Take-profit legs (issue 4): a command carries up to five legs, each closing a fraction of the position
// at its price. One leg covering the whole position travels with the entry as its attached take profit
// (Bybit's Full TP/SL mode, atomic with the entry). Several legs, or one covering less than the whole,
// become reduce-only limit orders once the entry has finished filling, each for its fraction of the
// filled size: a resting reduce-only limit is what ccxt's createOrder, Bybit v5 and the paper engine all
// serve, it takes the exact target at the maker fee, and the venue trims or cancels it when the position
// shrinks (the stop loss fired, a flatten). Pure: sizes come from the instrument's grid.

import { deriveClientOrderId } from "../../shared/client-order-id.js";
import { roundToStep } from "./matching/index.js";
import type { Instrument, OrderRequest, Side } from "./venue-types.js";

export interface TakeProfitTarget {
  readonly priceUsd: number;
  /** Share of the filled size this leg closes, in (0, 1]; the legs together close at most the whole. */
  readonly fraction: number;
}

export interface TakeProfitLeg {
  /** The leg's index in the command (0-based): its client order id is derived from it, so merging never renumbers. */
  readonly legIndex: number;
  readonly clientOrderId: string;
  readonly priceUsd: number;
  readonly qty: number;
}

/** Fractions summing to 1 within float noise count as the whole position. */
const WHOLE = 1 - 1e-9;

/** The client order id of leg `legIndex` (0-based) of a signal: `tp1`, `tp2`, … so a restart finds it again. */
export const takeProfitLegClientOrderId = (signalId: string, legIndex: number): string => deriveClientOrderId(signalId, `tp${legIndex + 1}`);

/** True when the legs are one leg for the whole position: it is attached to the entry instead. */
export const attachesToEntry = (targets: readonly TakeProfitTarget[]): boolean => targets.length === 1 && targets[0]!.fraction >= WHOLE;

export interface LegPlanInput {
  readonly signalId: string;
  readonly targets: readonly TakeProfitTarget[];
  /** What the entry filled: the legs split this. */
  readonly filledQty: number;
  readonly instrument: Pick<Instrument, "lotStepQty" | "minQty" | "minNotionalUsd" | "tickSizeUsd">;
}

const placeable = (qty: number, priceUsd: number, spec: LegPlanInput["instrument"]): boolean => qty >= spec.minQty && qty * priceUsd >= spec.minNotionalUsd;

/**
 * The legs to place for `filledQty`: each leg's share rounded down to the lot step, the rounding
 * remainder (up to the legs' total share of the fill) going to the last leg, and a leg too small to
 * place (below the minimum size or order value) merged into the next one, the last into the one
 * before it. What cannot be placed at all (the whole share below the minimum) yields no legs: the
 * stop loss still covers the position.
 */
export function planTakeProfitLegs(input: LegPlanInput): TakeProfitLeg[] {
  const { targets, instrument: spec } = input;
  const step = spec.lotStepQty;
  const filled = roundToStep(input.filledQty, step, "down");
  if (!(filled > 0) || targets.length === 0) return [];
  const share = Math.min(1, targets.reduce((sum, t) => sum + t.fraction, 0));
  const totalQty = share >= WHOLE ? filled : roundToStep(filled * share, step, "down");

  const raw = targets.map((t, legIndex) => ({ legIndex, priceUsd: roundToStep(t.priceUsd, spec.tickSizeUsd), qty: roundToStep(filled * t.fraction, step, "down") }));
  const beforeLast = raw.slice(0, -1).reduce((sum, leg) => roundToStep(sum + leg.qty, step), 0);
  raw[raw.length - 1] = { ...raw[raw.length - 1]!, qty: Math.max(0, roundToStep(totalQty - beforeLast, step)) };

  // Small legs carry forward into the next one; whatever is still carried at the end joins the last kept leg.
  const kept: { legIndex: number; priceUsd: number; qty: number }[] = [];
  let carried = 0;
  for (const leg of raw) {
    const qty = roundToStep(leg.qty + carried, step);
    if (placeable(qty, leg.priceUsd, spec)) {
      kept.push({ ...leg, qty });
      carried = 0;
    } else carried = qty;
  }
  if (carried > 0 && kept.length > 0) {
    const last = kept[kept.length - 1]!;
    kept[kept.length - 1] = { ...last, qty: roundToStep(last.qty + carried, step) };
  }
  return kept.map((leg) => ({ legIndex: leg.legIndex, clientOrderId: takeProfitLegClientOrderId(input.signalId, leg.legIndex), priceUsd: leg.priceUsd, qty: leg.qty }));
}

/** The venue order for one leg: a reduce-only limit on the side that closes the entry's position. */
export function takeProfitLegOrder(symbol: string, entrySide: Side, leg: TakeProfitLeg): OrderRequest {
  return {
    clientOrderId: leg.clientOrderId,
    symbol,
    side: entrySide === "buy" ? "sell" : "buy",
    orderType: "limit",
    qty: leg.qty,
    limitPriceUsd: leg.priceUsd,
    reduceOnly: true,
    stopLossPriceUsd: null,
    takeProfitPriceUsd: null,
  };
}
