// Replays a columnar trade tape through a strategy, exactly as the live service would feed it: bars
// built from the trades, a recomputation at every recompute-interval boundary of tape time, each trade
// through the columnar fast path. The AI Quant backtester and the benchmark time this loop; it
// allocates nothing per trade unless a trap fires.

import type { KlineInput } from "./market-state.js";
import type { ScavengerSignal } from "./signal.js";
import type { ScavengerStrategy } from "./strategy.js";
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
}

export interface ReplayOptions {
  /** Build bars from the trades (default true); false when the caller feeds klines itself. */
  readonly buildBars?: boolean;
  /** Called with each signal as it fires, in tape order. */
  readonly onSignal?: (signal: ScavengerSignal, row: number) => void;
}

export interface ReplayResult {
  readonly trades: number;
  readonly signals: ScavengerSignal[];
  readonly recomputes: number;
}

export function replayTape(strategy: ScavengerStrategy, columns: TradeTapeColumns, options: ReplayOptions = {}): ReplayResult {
  const { symbolIndex, tsMs, priceUsd, qty, sideSign } = columns;
  const rows = tsMs.length;
  if (symbolIndex.length !== rows || priceUsd.length !== rows || qty.length !== rows || sideSign.length !== rows)
    throw new RangeError("trade tape columns must all have the same length");
  const toStrategy = Int32Array.from(columns.symbols, (name) => strategy.symbolIndex(name));
  const buildBars = options.buildBars ?? true;
  const bars = new TradeBarBuilder([strategy.parameters.universe.barInterval, "5m"], (kline: KlineInput) => strategy.onKline(kline));
  bars.setSymbols(columns.symbols);
  const recomputeMs = strategy.parameters.universe.recomputeIntervalMs;
  const signals: ScavengerSignal[] = [];
  let nextRecomputeTsMs = rows > 0 ? Math.floor((tsMs[0] as number) / recomputeMs) * recomputeMs + recomputeMs : Number.POSITIVE_INFINITY;
  let recomputes = 0;

  for (let row = 0; row < rows; row++) {
    const t = tsMs[row] as number;
    if (t >= nextRecomputeTsMs) {
      const boundaryTsMs = Math.floor(t / recomputeMs) * recomputeMs;
      if (buildBars) bars.flush(boundaryTsMs);
      strategy.recompute(boundaryTsMs);
      recomputes++;
      nextRecomputeTsMs = boundaryTsMs + recomputeMs;
    }
    const tapeSymbol = symbolIndex[row] as number;
    const price = priceUsd[row] as number;
    const size = qty[row] as number;
    const fired = strategy.onTradeAt(toStrategy[tapeSymbol] as number, price, size, sideSign[row] as number, t);
    // Only trades the strategy accepted build bars: bad data must not reach them either.
    if (buildBars && strategy.lastTradeAccepted) bars.onTrade(tapeSymbol, price, size, t);
    if (fired.length > 0) {
      for (const signal of fired) {
        signals.push(signal);
        options.onSignal?.(signal, row);
      }
    }
  }
  return { trades: rows, signals, recomputes };
}
