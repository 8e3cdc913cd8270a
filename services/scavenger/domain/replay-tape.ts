// Replays a columnar trade tape through a strategy, exactly as the live service would feed it: bars
// built from the trades, a recomputation at every recompute-interval boundary of tape time, each trade
// through the columnar fast path, and the tape's market events (open interest, funding, spot prices)
// merged in by time, an event before a trade of the same millisecond. The AI Quant backtester and the
// benchmark time this loop; it allocates nothing per trade unless a trap fires.

import type { KlineInput } from "./market-state.js";
import type { ScavengerSignal } from "./signal.js";
import type { ScavengerStrategy } from "./strategy.js";
import { deliverTapeEvent, tapeEventProblems, type TapeEventColumns } from "./tape-events.js";
import { TradeBarBuilder } from "./trade-bar-builder.js";

/** One trade per row, in time order. */
export interface TradeTapeColumns {
  /** Symbol names; `symbolIndex` holds positions in this list. */
  readonly symbols: readonly string[];
  readonly symbolIndex: ArrayLike<number>;
  readonly tsMs: ArrayLike<number>;
  readonly priceUsd: ArrayLike<number>;
  readonly qty: ArrayLike<number>;
  /** +1 taker buy, −1 taker sell. */
  readonly sideSign: ArrayLike<number>;
  /** Open interest, funding and spot prices beside the trades, when the tape carries them. */
  readonly marketEvents?: TapeEventColumns;
}

export interface ReplayOptions {
  /** Build bars from the trades (default true); false when the caller feeds klines itself. */
  readonly buildBars?: boolean;
  /** Called with each signal as it fires, in tape order. */
  readonly onSignal?: (signal: ScavengerSignal, row: number) => void;
  /** Sees each trade (by the strategy's symbol number) just before the strategy does: a simulated book. */
  readonly beforeTrade?: (symbol: number, priceUsd: number, qty: number, tsMs: number) => void;
  /** Sees each bar the loop builds just before the strategy does. */
  readonly onBar?: (kline: KlineInput) => void;
}

export interface ReplayResult {
  readonly trades: number;
  readonly signals: ScavengerSignal[];
  readonly recomputes: number;
  /** Market events delivered. */
  readonly marketEvents: number;
}

/** The recomputations and market events between trades, in time order. */
class Schedule {
  recomputes = 0;
  private readonly recomputeMs: number;
  private nextRecomputeTsMs: number;
  private nextEvent = 0;
  private readonly eventRows: number;

  constructor(
    private readonly strategy: ScavengerStrategy,
    private readonly symbols: readonly string[],
    private readonly events: TapeEventColumns | undefined,
    private readonly bars: TradeBarBuilder | null,
    firstTradeTsMs: number,
  ) {
    this.recomputeMs = strategy.parameters.universe.recomputeIntervalMs;
    this.eventRows = events?.tsMs.length ?? 0;
    const firstTsMs = Math.min(firstTradeTsMs, this.eventTsMs());
    this.nextRecomputeTsMs = Number.isFinite(firstTsMs) ? Math.floor(firstTsMs / this.recomputeMs) * this.recomputeMs + this.recomputeMs : Number.POSITIVE_INFINITY;
  }

  nextDueTsMs(): number {
    return Math.min(this.nextRecomputeTsMs, this.eventTsMs());
  }

  /**
   * Delivers the events at or before `t`, each after the recomputation its time calls for, then (with
   * `recompute`) the recomputation `t` itself calls for. Returns when something is next due.
   */
  advanceTo(t: number, recompute = true): number {
    const e = this.events;
    while (e !== undefined && this.nextEvent < this.eventRows && (e.tsMs[this.nextEvent] as number) <= t) {
      const eventTsMs = e.tsMs[this.nextEvent] as number;
      if (eventTsMs >= this.nextRecomputeTsMs) this.recomputeFor(eventTsMs);
      const symbol = this.symbols[e.symbolIndex[this.nextEvent] as number] as string;
      deliverTapeEvent(this.strategy, symbol, e.kind[this.nextEvent] as number, e.value[this.nextEvent] as number, eventTsMs);
      this.nextEvent++;
    }
    if (recompute && t >= this.nextRecomputeTsMs) this.recomputeFor(t);
    return this.nextDueTsMs();
  }

  /** The recomputation of the interval `t` falls in, as the live timer would have run it. */
  private recomputeFor(t: number): void {
    const boundaryTsMs = Math.floor(t / this.recomputeMs) * this.recomputeMs;
    this.bars?.flush(boundaryTsMs);
    this.strategy.recompute(boundaryTsMs);
    this.recomputes++;
    this.nextRecomputeTsMs = boundaryTsMs + this.recomputeMs;
  }

  private eventTsMs(): number {
    return this.events !== undefined && this.nextEvent < this.eventRows ? (this.events.tsMs[this.nextEvent] as number) : Number.POSITIVE_INFINITY;
  }
}

export function replayTape(strategy: ScavengerStrategy, columns: TradeTapeColumns, options: ReplayOptions = {}): ReplayResult {
  const { symbols, symbolIndex, tsMs, priceUsd, qty, sideSign, marketEvents: events } = columns;
  const rows = tsMs.length;
  if (symbolIndex.length !== rows || priceUsd.length !== rows || qty.length !== rows || sideSign.length !== rows)
    throw new RangeError("trade tape columns must all have the same length");
  const eventProblems = events ? tapeEventProblems(events, symbols.length) : [];
  if (eventProblems.length > 0) throw new RangeError(`trade tape events: ${eventProblems.join("; ")}`);
  const toStrategy = Int32Array.from(symbols, (name) => strategy.symbolIndex(name));
  const buildBars = options.buildBars ?? true;
  const { beforeTrade, onBar, onSignal } = options;
  const bars = new TradeBarBuilder([strategy.parameters.universe.barInterval, "5m"], (kline: KlineInput) => {
    onBar?.(kline);
    strategy.onKline(kline);
  });
  bars.setSymbols(symbols);
  const schedule = new Schedule(strategy, symbols, events, buildBars ? bars : null, rows > 0 ? (tsMs[0] as number) : Number.POSITIVE_INFINITY);
  const signals: ScavengerSignal[] = [];
  // The hot loop keeps one comparison for everything that is not a trade: the next event or recomputation.
  let nextDueTsMs = schedule.nextDueTsMs();

  for (let row = 0; row < rows; row++) {
    const t = tsMs[row] as number;
    if (t >= nextDueTsMs) nextDueTsMs = schedule.advanceTo(t);
    const tapeSymbol = symbolIndex[row] as number;
    const symbol = toStrategy[tapeSymbol] as number;
    const price = priceUsd[row] as number;
    const size = qty[row] as number;
    if (beforeTrade !== undefined) beforeTrade(symbol, price, size, t);
    const fired = strategy.onTradeAt(symbol, price, size, sideSign[row] as number, t);
    // Only trades the strategy accepted build bars: bad data must not reach them either.
    if (buildBars && strategy.lastTradeAccepted) bars.onTrade(tapeSymbol, price, size, t);
    if (fired.length > 0) {
      for (const signal of fired) {
        signals.push(signal);
        onSignal?.(signal, row);
      }
    }
  }
  schedule.advanceTo(Number.POSITIVE_INFINITY, false);
  return { trades: rows, signals, recomputes: schedule.recomputes, marketEvents: events?.tsMs.length ?? 0 };
}
