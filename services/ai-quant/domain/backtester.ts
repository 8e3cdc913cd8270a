// The backtester: the scavenger's own strategy core, driven by its own replay loop (replayTape), with a
// simulated book around it. Nothing of the strategy is re-implemented here: the replay loop shows each
// trade to the book before the strategy sees it (fills, stops, targets) and each bar to the ATR tracker,
// and the book tells the strategy what the live service would tell it — open positions and closed
// trades — so max open positions, the daily loss limit and the win-rate calibration act as they do
// live. The tape's market events (open interest, funding, spot prices) reach the strategy's detectors
// through the same loop. Pure: same parameters and data, same result.

import {
  createScavengerStrategy,
  deliverTapeEvent,
  replayTape,
  type KlineInput,
  type ScavengerParameters,
  type ScavengerSignal,
  type ScavengerStrategy,
  type TapeEventColumns,
  type TrapType,
} from "../../scavenger/domain/index.js";
import { equityCurve, windowFigures, type EquityPoint, type SimulatedTrade, type Window, type WindowFigures } from "./figures.js";
import { AtrTracker } from "./market-costs.js";
import { PositionBook, type BookCounts } from "./position-book.js";
import type { QuantSettings } from "./quant-settings.js";
import type { QuantTape } from "./tape.js";

export interface BacktestInput {
  /** The trades to replay, in time order: the window, optionally preceded by warm-up trades. */
  readonly tape: QuantTape;
  /** Closed bars fed before the first trade (the warm-up when the tape starts at the window). */
  readonly warmupKlines?: readonly KlineInput[];
  /** Market events (open interest, funding, spot prices) of the warm-up, fed after its bars. */
  readonly warmupEvents?: TapeEventColumns;
  /** Positions are taken only for signals inside it. */
  readonly window: Window;
}

export interface BacktestResult {
  readonly figures: WindowFigures;
  readonly trades: readonly SimulatedTrade[];
  readonly equity: readonly EquityPoint[];
  /** Every signal the strategy emitted, warm-up included, in order. */
  readonly signals: readonly ScavengerSignal[];
  readonly counts: Readonly<BookCounts>;
  readonly replayedTrades: number;
}

/** One backtest of `params` over `input`; `configVersion` only labels the signals. */
export function runBacktest(params: ScavengerParameters, input: BacktestInput, settings: QuantSettings["backtest"], configVersion = 0): BacktestResult {
  const { window } = input;
  if (!(window.toMs > window.fromMs)) throw new RangeError(`backtest window must end after it starts, got ${window.fromMs}..${window.toMs}`);
  const strategy = createScavengerStrategy(params, { configVersion });
  const atr = new AtrTracker(params.universe.barInterval, params.quality.atrPeriod);
  const book = new PositionBook(settings, window, (symbol) => atr.atrFraction(symbol), {
    openPositionsChanged: (count) => strategy.setOpenPositions(count),
    closed: (trade) =>
      strategy.recordTradeOutcome({ trapType: trade.trapType as TrapType, pnlPercentOfAllocation: (trade.pnlUsd / trade.equityAtOpenUsd) * 100, closedTsMs: trade.exitTsMs }),
  });
  for (const kline of input.warmupKlines ?? []) {
    atr.onKline(kline);
    strategy.onKline(kline);
  }
  if (input.warmupEvents) feedWarmupEvents(strategy, input.tape.symbols, input.warmupEvents);
  const replay = replayTape(strategy, input.tape, {
    // Only prices the strategy would accept move the book: bad prints fill nothing.
    beforeTrade: (symbol, priceUsd, qty, tsMs) => {
      if (priceUsd > 0 && priceUsd < Infinity && qty > 0) book.onTrade(symbol, priceUsd, tsMs);
    },
    onBar: (kline) => atr.onKline(kline),
    onSignal: (signal) => book.onSignal(strategy.symbolIndex(signal.symbol), signal),
  });
  book.closeAll();
  return {
    figures: windowFigures(book.trades, window, settings.initialEquityUsd),
    trades: book.trades,
    equity: equityCurve(book.trades, window, settings.initialEquityUsd),
    signals: replay.signals,
    counts: { ...book.counts },
    replayedTrades: replay.trades,
  };
}

/** The warm-up's market events, in order: the detectors' histories (open interest, funding, spot) start full. */
function feedWarmupEvents(strategy: ScavengerStrategy, symbols: readonly string[], events: TapeEventColumns): void {
  for (let row = 0; row < events.tsMs.length; row++)
    deliverTapeEvent(strategy, symbols[events.symbolIndex[row] as number] as string, events.kind[row] as number, events.value[row] as number, events.tsMs[row] as number);
}
