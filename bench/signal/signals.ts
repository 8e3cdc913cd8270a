// The signals the bench offers the brain: shaped like the scavenger's (phase 1, an entry zone around the
// market, a stop below and a target above for a long), small enough for the risk caps, and on the side
// that works the symbol's paper position back towards flat (alternating while it is flat). Alternating
// alone drifts: the brain sizes some orders down (correlation, leverage headroom), so the positions grow
// until the phase's allocation is used up and every later signal is vetoed.
import { randomUUID } from "node:crypto";
import type { Signal } from "../../services/shared/contracts/index.js";

/** Where the entry zone, stop and target sit around the market price (fractions of it). */
export const SIGNAL_SHAPE = {
  entryHalfWidthFraction: 0.001,
  stopDistanceFraction: 0.01,
  targetDistanceFraction: 0.02,
} as const;

export interface SignalSpec {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly priceUsd: number;
  readonly notionalUsd: number;
  readonly leverage: number;
  readonly tsMs: number;
  readonly signalId?: string;
}

/** Rounds to 6 significant digits: a price the venue's tick grid can take without odd decimals. */
const price = (value: number): number => Number(value.toPrecision(6));

export const benchSignal = (spec: SignalSpec): Signal => {
  if (!(spec.priceUsd > 0)) throw new RangeError(`no market price for ${spec.symbol}: ${spec.priceUsd}`);
  const p = spec.priceUsd;
  const long = spec.side === "long";
  const s = SIGNAL_SHAPE;
  return {
    version: 1,
    signalId: spec.signalId ?? randomUUID(),
    phase: 1,
    symbol: spec.symbol,
    side: spec.side,
    requestedNotionalUsd: spec.notionalUsd,
    leverage: spec.leverage,
    entryZone: { lowPriceUsd: price(p * (1 - s.entryHalfWidthFraction)), highPriceUsd: price(p * (1 + s.entryHalfWidthFraction)) },
    stopLossPriceUsd: price(long ? p * (1 - s.stopDistanceFraction) : p * (1 + s.stopDistanceFraction)),
    takeProfits: [{ priceUsd: price(long ? p * (1 + s.targetDistanceFraction) : p * (1 - s.targetDistanceFraction)), fraction: 1 }],
    confidence: 90,
    trapType: "volume-cluster",
    triggerPriceUsd: price(p),
    configVersion: 1,
    tsMs: spec.tsMs,
  };
};

export type PositionSide = "long" | "short" | "flat";

/**
 * Round-robin over symbols. A symbol with an open position gets the side that reduces it; a flat one
 * alternates long, short, long… by its turn.
 */
export const signalPlan = (index: number, symbols: readonly string[], positionSide: (symbol: string) => PositionSide = () => "flat"): { symbol: string; side: "long" | "short" } => {
  if (symbols.length === 0) throw new RangeError("no symbols to send signals for");
  const symbol = symbols[index % symbols.length] as string;
  const held = positionSide(symbol);
  if (held !== "flat") return { symbol, side: held === "long" ? "short" : "long" };
  const perSymbol = Math.floor(index / symbols.length);
  return { symbol, side: perSymbol % 2 === 0 ? "long" : "short" };
};
