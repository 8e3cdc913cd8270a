// The trade tape as the backtester holds it: the columnar shape the execution tape reader returns and
// the scavenger's replay loop takes, with concrete typed arrays so a time range is a zero-copy view.
// Beside the trades it carries the market events the scavenger's detectors read — open interest,
// funding and spot prices — as the tape recorded them, in the same columnar form.

import { tapeEventProblems, type TapeEventColumns, type TradeTapeColumns } from "../../scavenger/domain/index.js";

export interface QuantTapeEvents extends TapeEventColumns {
  /** Position in TAPE_EVENT_KINDS (open-interest, funding, spot-price). */
  readonly kind: Uint8Array;
  readonly symbolIndex: Uint16Array;
  readonly tsMs: Float64Array;
  readonly value: Float64Array;
}

export interface QuantTape extends TradeTapeColumns {
  readonly symbols: readonly string[];
  readonly symbolIndex: Uint16Array;
  readonly tsMs: Float64Array;
  readonly priceUsd: Float64Array;
  readonly qty: Float64Array;
  /** +1 taker buy, −1 taker sell. */
  readonly sideSign: Int8Array;
  /** Open interest, funding and spot prices of the same symbols, in time order; absent when not recorded. */
  readonly marketEvents?: QuantTapeEvents;
}

/** The first row at or after `tsMs` (rows are in time order). */
export function rowAtOrAfter(tsMs: Float64Array, at: number): number {
  let lo = 0;
  let hi = tsMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tsMs[mid] as number) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Events in [fromMs, toMs), sharing the table's memory. */
export function sliceEvents(events: QuantTapeEvents, fromMs: number, toMs: number): QuantTapeEvents {
  const start = rowAtOrAfter(events.tsMs, fromMs);
  const end = Math.max(start, rowAtOrAfter(events.tsMs, toMs));
  return {
    kind: events.kind.subarray(start, end),
    symbolIndex: events.symbolIndex.subarray(start, end),
    tsMs: events.tsMs.subarray(start, end),
    value: events.value.subarray(start, end),
  };
}

/** Rows (and market events) in [fromMs, toMs), sharing the tape's memory. */
export function sliceTape(tape: QuantTape, fromMs: number, toMs: number): QuantTape {
  const start = rowAtOrAfter(tape.tsMs, fromMs);
  const end = Math.max(start, rowAtOrAfter(tape.tsMs, toMs));
  return {
    symbols: tape.symbols,
    symbolIndex: tape.symbolIndex.subarray(start, end),
    tsMs: tape.tsMs.subarray(start, end),
    priceUsd: tape.priceUsd.subarray(start, end),
    qty: tape.qty.subarray(start, end),
    sideSign: tape.sideSign.subarray(start, end),
    ...(tape.marketEvents ? { marketEvents: sliceEvents(tape.marketEvents, fromMs, toMs) } : {}),
  };
}

/** Checks what a tape from outside must satisfy before a backtest trusts it. */
export function tapeProblems(tape: QuantTape): string[] {
  const problems: string[] = [];
  const rows = tape.tsMs.length;
  if (tape.symbolIndex.length !== rows || tape.priceUsd.length !== rows || tape.qty.length !== rows || tape.sideSign.length !== rows)
    problems.push("the tape's columns differ in length");
  for (let i = 1; i < rows; i++) {
    if ((tape.tsMs[i] as number) < (tape.tsMs[i - 1] as number)) {
      problems.push(`row ${i} is older than row ${i - 1}: the tape must be in time order`);
      break;
    }
  }
  for (let i = 0; i < tape.symbolIndex.length; i++) {
    if ((tape.symbolIndex[i] as number) >= tape.symbols.length) {
      problems.push(`row ${i} names symbol number ${tape.symbolIndex[i]}, but the tape lists ${tape.symbols.length}`);
      break;
    }
  }
  if (tape.marketEvents) problems.push(...tapeEventProblems(tape.marketEvents, tape.symbols.length));
  return problems;
}
