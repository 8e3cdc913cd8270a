// The simulated venue and book behind a backtest: a signal becomes an entry order that reaches the venue
// `latencyMs` later and fills as a taker at the first trade after that (refused when the market has left
// the entry zone by more than the price band, scaled down to the free margin); the position then exits
// at its take-profit (a resting limit: maker, no slippage) or its stop (a stop-market: taker at the
// trade that crossed it, with slippage). One position per symbol, as execution nets them.
// The trade path is two array reads per trade unless something happens.

import { requestedNotionalUsd, type ScavengerSignal } from "../../scavenger/domain/index.js";
import type { SimulatedTrade, Window } from "./figures.js";
import { slippageFraction } from "./market-costs.js";
import type { QuantSettings } from "./quant-settings.js";

export interface BookCounts {
  /** Signals inside the window. */
  signals: number;
  /** Fired during the warm-up: they warm cooldowns up but open nothing. */
  warmupSignals: number;
  skippedPositionOpen: number;
  refusedOutOfBand: number;
  refusedNoMargin: number;
  /** No trade of the symbol arrived after the latency before the window ended. */
  unfilled: number;
}

export interface BookListener {
  /** Symbols with an open position changed (what the live scavenger learns from shadow snapshots). */
  openPositionsChanged(count: number): void;
  closed(trade: SimulatedTrade): void;
}

interface Pending {
  readonly signal: ScavengerSignal;
  readonly dueTsMs: number;
}

interface Open {
  readonly signal: ScavengerSignal;
  readonly direction: 1 | -1;
  readonly entryTsMs: number;
  readonly entryPriceUsd: number;
  readonly qty: number;
  readonly notionalUsd: number;
  readonly marginUsd: number;
  readonly entryFeeUsd: number;
  readonly equityAtOpenUsd: number;
  readonly stopUsd: number;
  readonly targetUsd: number;
}

export class PositionBook {
  equityUsd: number;
  readonly trades: SimulatedTrade[] = [];
  readonly counts: BookCounts = { signals: 0, warmupSignals: 0, skippedPositionOpen: 0, refusedOutOfBand: 0, refusedNoMargin: 0, unfilled: 0 };
  private readonly pending: (Pending | undefined)[] = [];
  private readonly open: (Open | undefined)[] = [];
  private readonly lastPriceUsd: number[] = [];
  private readonly lastTsMs: number[] = [];
  private openCount = 0;
  private marginUsedUsd = 0;

  constructor(
    private readonly settings: QuantSettings["backtest"],
    private readonly window: Window,
    private readonly atrFraction: (symbol: string) => number,
    private readonly listener: BookListener,
  ) {
    this.equityUsd = settings.initialEquityUsd;
  }

  onSignal(symbol: number, signal: ScavengerSignal): void {
    if (signal.tsMs < this.window.fromMs) {
      this.counts.warmupSignals++;
      return;
    }
    if (signal.tsMs >= this.window.toMs) return;
    this.counts.signals++;
    if (this.pending[symbol] !== undefined || this.open[symbol] !== undefined) {
      this.counts.skippedPositionOpen++;
      return;
    }
    this.pending[symbol] = { signal, dueTsMs: signal.tsMs + this.settings.latencyMs };
  }

  /** One trade of `symbol` (the strategy's number), before the strategy sees it. */
  onTrade(symbol: number, priceUsd: number, tsMs: number): void {
    this.lastPriceUsd[symbol] = priceUsd;
    this.lastTsMs[symbol] = tsMs;
    const pending = this.pending[symbol];
    if (pending !== undefined) {
      if (tsMs >= pending.dueTsMs) {
        this.pending[symbol] = undefined;
        this.enter(symbol, pending.signal, priceUsd, tsMs);
      }
      return;
    }
    const position = this.open[symbol];
    if (position === undefined) return;
    const d = position.direction;
    if (d * (priceUsd - position.stopUsd) <= 0) {
      const slip = slippageFraction(this.settings, this.atrFraction(position.signal.symbol), priceUsd * position.qty);
      this.exit(symbol, position, priceUsd * (1 - d * slip), tsMs, "stop-loss", this.settings.takerFeeRate);
    } else if (d * (priceUsd - position.targetUsd) >= 0) {
      this.exit(symbol, position, position.targetUsd, tsMs, "take-profit", this.settings.makerFeeRate);
    }
  }

  /** The window is over: open positions close at their symbol's last price, pending entries lapse. */
  closeAll(): void {
    for (let symbol = 0; symbol < this.pending.length; symbol++) {
      if (this.pending[symbol] !== undefined) this.counts.unfilled++;
      this.pending[symbol] = undefined;
    }
    for (let symbol = 0; symbol < this.open.length; symbol++) {
      const position = this.open[symbol];
      if (position === undefined) continue;
      const priceUsd = this.lastPriceUsd[symbol] as number;
      const slip = slippageFraction(this.settings, this.atrFraction(position.signal.symbol), priceUsd * position.qty);
      this.exit(symbol, position, priceUsd * (1 - position.direction * slip), this.lastTsMs[symbol] as number, "end-of-window", this.settings.takerFeeRate);
    }
  }

  private enter(symbol: number, signal: ScavengerSignal, priceUsd: number, tsMs: number): void {
    const band = this.settings.entryPriceBandPercent / 100;
    if (priceUsd < signal.entryZone.lowPriceUsd * (1 - band) || priceUsd > signal.entryZone.highPriceUsd * (1 + band)) {
      this.counts.refusedOutOfBand++;
      return;
    }
    let notionalUsd = requestedNotionalUsd(signal, this.equityUsd);
    const freeMarginUsd = this.equityUsd - this.marginUsedUsd;
    if (notionalUsd / signal.leverage > freeMarginUsd) notionalUsd = Math.max(0, freeMarginUsd * signal.leverage);
    if (!(notionalUsd > 0)) {
      this.counts.refusedNoMargin++;
      return;
    }
    const direction = signal.side === "long" ? 1 : -1;
    const slip = slippageFraction(this.settings, this.atrFraction(signal.symbol), notionalUsd);
    const entryPriceUsd = priceUsd * (1 + direction * slip);
    const position: Open = {
      signal,
      direction,
      entryTsMs: tsMs,
      entryPriceUsd,
      qty: notionalUsd / entryPriceUsd,
      notionalUsd,
      marginUsd: notionalUsd / signal.leverage,
      entryFeeUsd: notionalUsd * this.settings.takerFeeRate,
      equityAtOpenUsd: this.equityUsd,
      stopUsd: signal.stopLossPriceUsd,
      targetUsd: (signal.takeProfits[0] as { priceUsd: number }).priceUsd,
    };
    this.open[symbol] = position;
    this.marginUsedUsd += position.marginUsd;
    this.openCount++;
    this.listener.openPositionsChanged(this.openCount);
  }

  private exit(symbol: number, p: Open, exitPriceUsd: number, tsMs: number, exitReason: SimulatedTrade["exitReason"], feeRate: number): void {
    const exitFeeUsd = p.qty * exitPriceUsd * feeRate;
    const pnlUsd = p.direction * p.qty * (exitPriceUsd - p.entryPriceUsd) - p.entryFeeUsd - exitFeeUsd;
    this.open[symbol] = undefined;
    this.marginUsedUsd -= p.marginUsd;
    this.openCount--;
    this.equityUsd += pnlUsd;
    const trade: SimulatedTrade = {
      signalId: p.signal.signalId,
      symbol: p.signal.symbol,
      trapType: p.signal.trapType,
      side: p.signal.side,
      signalTsMs: p.signal.tsMs,
      entryTsMs: p.entryTsMs,
      entryPriceUsd: p.entryPriceUsd,
      exitTsMs: tsMs,
      exitPriceUsd,
      exitReason,
      qty: p.qty,
      notionalUsd: p.notionalUsd,
      feesUsd: p.entryFeeUsd + exitFeeUsd,
      pnlUsd,
      equityAtOpenUsd: p.equityAtOpenUsd,
    };
    this.trades.push(trade);
    this.listener.openPositionsChanged(this.openCount);
    this.listener.closed(trade);
  }
}
