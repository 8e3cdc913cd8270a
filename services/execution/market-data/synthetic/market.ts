// The synthetic market: several SymbolProcesses on one timeline. Trades come in time order across
// symbols; at every whole second the processes step (regimes, open interest, basis) and the periodic
// figures are emitted: tickers and spot prices every second, open interest every 5 s, funding every
// minute, and the klines whose interval has ended. Deterministic for a seed: the events do not depend on
// how the caller slices time into advanceTo calls. Knows nothing of any strategy.

import type { MarketEvent, Venue } from "../events.js";
import { KlineBuilder, type KlineInterval } from "../kline-builder.js";
import { profileFor, type SymbolProfile } from "./profiles.js";
import { hashSeed } from "./random.js";
import type { Regime } from "./regimes.js";
import { SymbolProcess } from "./symbol-process.js";

export const TICKER_INTERVAL_MS = 1_000;
export const OPEN_INTEREST_INTERVAL_MS = 5_000;
export const FUNDING_INTERVAL_MS = 60_000;
export const DEFAULT_KLINE_INTERVALS: readonly KlineInterval[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

export interface SyntheticMarketOptions {
  readonly seed: number;
  /** Symbols by venue id; a profile is looked up (or derived) for each. */
  readonly symbols: readonly (string | SymbolProfile)[];
  /** Where the timeline starts (epoch ms). */
  readonly startMs: number;
  /** The venue the events claim (default bybit: the synthetic market stands in for its perpetuals). */
  readonly venue?: Venue;
  readonly klineIntervals?: readonly KlineInterval[];
  readonly spot?: boolean;
  /** Told of every regime change, for tests and the source's log. */
  readonly onRegimeChange?: (symbol: string, regime: Regime, tsMs: number) => void;
}

export class SyntheticMarket {
  private readonly processes: SymbolProcess[];
  private readonly klines: KlineBuilder;
  private readonly spot: boolean;
  private nextSecondMs: number;
  private cursorMs: number;

  constructor(options: SyntheticMarketOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new RangeError(`synthetic market: seed must be an integer, got ${options.seed}`);
    if (!Number.isSafeInteger(options.startMs) || options.startMs < 0) throw new RangeError(`synthetic market: startMs must be epoch milliseconds, got ${options.startMs}`);
    if (options.symbols.length === 0) throw new RangeError("synthetic market: at least one symbol is needed");
    const profiles = options.symbols.map((s) => (typeof s === "string" ? profileFor(s) : s));
    const names = profiles.map((p) => p.symbol);
    if (new Set(names).size !== names.length) throw new RangeError(`synthetic market: a symbol is listed twice (${names.join(",")})`);
    const venue = options.venue ?? "bybit";
    this.processes = profiles.map(
      (profile) =>
        new SymbolProcess(profile, hashSeed(options.seed, profile.symbol), options.startMs, venue, (regime, tsMs) =>
          options.onRegimeChange?.(profile.symbol, regime, tsMs),
        ),
    );
    this.klines = new KlineBuilder({ intervals: options.klineIntervals ?? DEFAULT_KLINE_INTERVALS, venue });
    this.spot = options.spot ?? true;
    this.cursorMs = options.startMs;
    this.nextSecondMs = Math.floor(options.startMs / 1_000) * 1_000 + 1_000;
  }

  /** The timeline's position: every event at or before it has been emitted. */
  get nowMs(): number {
    return this.cursorMs;
  }

  get symbols(): string[] {
    return this.processes.map((p) => p.profile.symbol);
  }

  regimes(): Record<string, Regime> {
    return Object.fromEntries(this.processes.map((p) => [p.profile.symbol, p.regime]));
  }

  midPrices(): Record<string, number> {
    return Object.fromEntries(this.processes.map((p) => [p.profile.symbol, p.midUsd]));
  }

  /** Appends every event up to and including `untilMs` to `out`, in time order. */
  advanceTo(untilMs: number, out: MarketEvent[]): void {
    if (untilMs < this.cursorMs) return;
    const processes = this.processes;
    for (;;) {
      let best: SymbolProcess | null = null;
      let bestMs = Number.POSITIVE_INFINITY;
      for (const process of processes) {
        const t = process.nextEventMs();
        if (t < bestMs) {
          bestMs = t;
          best = process;
        }
      }
      if (best && bestMs < this.nextSecondMs) {
        if (Math.floor(bestMs) > untilMs) break;
        best.emitTrade(out, this.klines);
        continue;
      }
      if (this.nextSecondMs > untilMs) break;
      this.secondTick(this.nextSecondMs, out);
      this.nextSecondMs += 1_000;
    }
    this.cursorMs = untilMs;
  }

  private secondTick(tMs: number, out: MarketEvent[]): void {
    for (const process of this.processes) process.onSecond(tMs);
    this.klines.closeDue(tMs, out);
    for (const process of this.processes) {
      if (tMs % TICKER_INTERVAL_MS === 0) {
        out.push(process.ticker(tMs));
        if (this.spot) out.push(process.spotTicker(tMs));
      }
      if (tMs % OPEN_INTEREST_INTERVAL_MS === 0) out.push(process.openInterest(tMs));
      if (tMs % FUNDING_INTERVAL_MS === 0) out.push(process.funding(tMs));
    }
  }
}
