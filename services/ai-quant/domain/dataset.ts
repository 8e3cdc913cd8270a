// A loaded period of market data and how a backtest of one window reads it: the window's trades and
// market events (views into the tape) and, to warm the strategy up, the bars of the preceding warm-up
// span — built from the tape's own trades the way execution builds its klines, or the recorded klines
// where the tape has nothing for that span — and that span's market events (open interest, funding,
// spot prices), so the detectors start with their histories. Built once per window and shared by every
// candidate of the search.

import { INTERVAL_MS, type KlineInput, type ScavengerParameters } from "../../scavenger/domain/index.js";
import { TradeBarBuilder } from "../../scavenger/domain/trade-bar-builder.js";
import type { BacktestInput } from "./backtester.js";
import type { Window } from "./figures.js";
import { rowAtOrAfter, sliceEvents, sliceTape, type QuantTape } from "./tape.js";

export interface Dataset {
  /** Trades of every symbol, in time order, from the warm-up before the period to its end. */
  readonly tape: QuantTape;
  /** Recorded closed bars (any intervals), used for warm-up spans the tape does not cover. */
  readonly klines: readonly KlineInput[];
}

export type WindowInputs = (window: Window) => BacktestInput;
type Interval = keyof typeof INTERVAL_MS;

/** Bars the strategy needs to have seen before `fromMs`, built from the tape's trades in [fromMs − warmupMs, fromMs). */
export function barsFromTape(tape: QuantTape, fromMs: number, warmupMs: number, intervals: readonly Interval[]): KlineInput[] {
  const bars: KlineInput[] = [];
  const builder = new TradeBarBuilder(intervals, (kline) => bars.push(kline));
  builder.setSymbols(tape.symbols);
  const start = rowAtOrAfter(tape.tsMs, fromMs - warmupMs);
  const end = rowAtOrAfter(tape.tsMs, fromMs);
  for (let row = start; row < end; row++) {
    const price = tape.priceUsd[row] as number;
    const qty = tape.qty[row] as number;
    if (price > 0 && price < Infinity && qty > 0 && qty < Infinity) builder.onTrade(tape.symbolIndex[row] as number, price, qty, tape.tsMs[row] as number);
  }
  builder.flush(fromMs);
  return bars;
}

/** Recorded bars of `intervals` inside [fromMs − warmupMs, fromMs), oldest first. */
export function recordedBars(klines: readonly KlineInput[], fromMs: number, warmupMs: number, intervals: readonly Interval[]): KlineInput[] {
  return klines
    .filter((k) => k.closed && (intervals as readonly string[]).includes(k.interval) && k.openTsMs >= fromMs - warmupMs && k.openTsMs + INTERVAL_MS[k.interval as Interval] <= fromMs)
    .sort((a, b) => a.openTsMs - b.openTsMs || (a.interval < b.interval ? -1 : a.interval > b.interval ? 1 : 0) || (a.symbol < b.symbol ? -1 : 1));
}

/** The inputs of each window, memoised: every candidate of a search reads the same warm-up. */
export function windowInputs(data: Dataset, params: ScavengerParameters, warmupMs: number): WindowInputs {
  const intervals: Interval[] = [...new Set<Interval>([params.universe.barInterval, "5m"])];
  const memo = new Map<string, BacktestInput>();
  return (window) => {
    const key = `${window.fromMs}:${window.toMs}`;
    const known = memo.get(key);
    if (known) return known;
    const tapeHasWarmup = rowAtOrAfter(data.tape.tsMs, window.fromMs) > rowAtOrAfter(data.tape.tsMs, window.fromMs - warmupMs);
    const warmupKlines =
      warmupMs === 0 ? [] : tapeHasWarmup ? barsFromTape(data.tape, window.fromMs, warmupMs, intervals) : recordedBars(data.klines, window.fromMs, warmupMs, intervals);
    const events = data.tape.marketEvents;
    const input: BacktestInput = {
      tape: sliceTape(data.tape, window.fromMs, window.toMs),
      warmupKlines,
      ...(events && warmupMs > 0 ? { warmupEvents: sliceEvents(events, window.fromMs - warmupMs, window.fromMs) } : {}),
      window,
    };
    memo.set(key, input);
    return input;
  };
}
