// The backtester: the scavenger's own strategy core, driven by its own replay loop (replayTape), with a
// simulated book around it. Nothing of the strategy is re-implemented here: a thin decorator sits
// between the replay loop and the strategy, shows each trade to the book before the strategy sees it
// (fills, stops, targets) and tells the strategy what the live service would tell it — open positions
// and closed trades — so max open positions, the daily loss limit and the win-rate calibration act as
// they do live. Pure: same parameters and data, same result.

import { createScavengerStrategy, replayTape, type KlineInput, type ScavengerParameters, type ScavengerSignal, type ScavengerStrategy, type TrapType } from "../../scavenger/domain/index.js";
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

/**
 * The strategy as the replay loop sees it: every member is the strategy's own (methods bound to it, fields
 * read through), except that a trade reaches the book before the strategy, and a bar the ATR tracker.
 * Built generically, so the decorator follows the strategy's interface as it grows.
 */
function bookedStrategy(inner: ScavengerStrategy, book: PositionBook, atr: AtrTracker): ScavengerStrategy {
  const target = inner as unknown as Record<string, unknown>;
  const wrapper: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(inner) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const member = target[name];
      if (name !== "constructor" && typeof member === "function" && !(name in wrapper)) wrapper[name] = (member as (...args: unknown[]) => unknown).bind(inner);
    }
  }
  for (const key of Object.keys(inner)) Object.defineProperty(wrapper, key, { get: () => target[key], enumerable: true });
  // Only prices the strategy would accept move the book: bad prints fill nothing.
  const tradable = (priceUsd: number, qty: number) => priceUsd > 0 && priceUsd < Infinity && qty > 0;
  wrapper.onTradeAt = (symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): readonly ScavengerSignal[] => {
    if (tradable(priceUsd, qty)) book.onTrade(symbol, priceUsd, tsMs);
    return inner.onTradeAt(symbol, priceUsd, qty, sideSign, tsMs);
  };
  wrapper.onTrade = (symbol: string, priceUsd: number, qty: number, side: "buy" | "sell", tsMs: number, tradeId?: string): readonly ScavengerSignal[] => {
    if (tradable(priceUsd, qty)) book.onTrade(inner.symbolIndex(symbol), priceUsd, tsMs);
    return inner.onTrade(symbol, priceUsd, qty, side, tsMs, tradeId);
  };
  wrapper.onKline = (kline: KlineInput): void => {
    atr.onKline(kline);
    inner.onKline(kline);
  };
  return wrapper as unknown as ScavengerStrategy;
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
  const booked = bookedStrategy(strategy, book, atr);
  for (const kline of input.warmupKlines ?? []) booked.onKline(kline);
  const replay = replayTape(booked, input.tape, { onSignal: (signal) => book.onSignal(strategy.symbolIndex(signal.symbol), signal) });
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
