// The market events a tape carries beside its trades: open interest, funding and spot prices, the inputs
// of the detectors (oi-wipeout, funding-squeeze, basis). Columnar like the trades, one event per row in
// time order, so a recorded period replays through the strategy the way the live service feeds it
// (market-open-interest, market-funding, and the spot ticker or spot trade of the perpetual's underlying).

import type { ScavengerStrategy } from "./strategy.js";

export const TAPE_EVENT_KINDS = ["open-interest", "funding", "spot-price"] as const;
export type TapeEventKind = (typeof TAPE_EVENT_KINDS)[number];
export const OPEN_INTEREST = 0;
export const FUNDING = 1;
export const SPOT_PRICE = 2;

export interface TapeEventColumns {
  /** Position in TAPE_EVENT_KINDS. */
  readonly kind: ArrayLike<number>;
  /** Position in the tape's `symbols`: the perpetual (a spot price is that of its underlying). */
  readonly symbolIndex: ArrayLike<number>;
  readonly tsMs: ArrayLike<number>;
  /** Open interest (base quantity), funding per interval as a fraction (−0.0003 = −0.03 %), or the spot price (USD). */
  readonly value: ArrayLike<number>;
}

/** What is wrong with an event table for a tape of `symbols` symbols (empty when nothing). */
export function tapeEventProblems(events: TapeEventColumns, symbols: number): string[] {
  const rows = events.tsMs.length;
  const problems: string[] = [];
  if (events.kind.length !== rows || events.symbolIndex.length !== rows || events.value.length !== rows) problems.push("the event columns differ in length");
  for (let i = 0; i < Math.min(rows, events.kind.length); i++) {
    const kind = events.kind[i] as number;
    if (!(Number.isInteger(kind) && kind >= 0 && kind < TAPE_EVENT_KINDS.length)) {
      problems.push(`event row ${i} has kind ${kind}; kinds are 0-${TAPE_EVENT_KINDS.length - 1} (${TAPE_EVENT_KINDS.join(", ")})`);
      break;
    }
  }
  for (let i = 0; i < Math.min(rows, events.symbolIndex.length); i++) {
    const symbol = events.symbolIndex[i] as number;
    if (!(Number.isInteger(symbol) && symbol >= 0 && symbol < symbols)) {
      problems.push(`event row ${i} names symbol number ${symbol}, but the tape lists ${symbols}`);
      break;
    }
  }
  for (let i = 1; i < rows; i++) {
    if ((events.tsMs[i] as number) < (events.tsMs[i - 1] as number)) {
      problems.push(`event row ${i} is older than event row ${i - 1}: events must be in time order`);
      break;
    }
  }
  return problems;
}

/** One event row to the strategy, through the same entry point the live service calls for it. */
export function deliverTapeEvent(strategy: ScavengerStrategy, symbol: string, kind: number, value: number, tsMs: number): void {
  if (kind === OPEN_INTEREST) strategy.onOpenInterest(symbol, value, tsMs);
  else if (kind === FUNDING) strategy.onFunding(symbol, value, tsMs);
  else if (kind === SPOT_PRICE) strategy.onSpotPrice(symbol, value, tsMs);
  else throw new RangeError(`unknown tape event kind ${kind}`);
}
