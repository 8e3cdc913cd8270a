// Bars from trades, for the sources that have trades but no venue klines (synthetic, replay). A bar
// opens with the first trade of its interval and is emitted once, closed, when a trade of a later
// interval arrives or when time passes its end (`closeDue`); an interval without trades has no bar.

import type { KLINE_INTERVALS, MarketKline } from "../../shared/contracts/index.js";
import type { MarketEvent } from "./events.js";

export type KlineInterval = (typeof KLINE_INTERVALS)[number];

export const INTERVAL_MS: Readonly<Record<KlineInterval, number>> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
};

interface FormingBar {
  openTsMs: number;
  openPriceUsd: number;
  highPriceUsd: number;
  lowPriceUsd: number;
  closePriceUsd: number;
  volumeQty: number;
  turnoverUsd: number;
}

export interface KlineBuilderOptions {
  readonly intervals: readonly KlineInterval[];
  readonly venue: MarketKline["venue"];
  readonly marketType?: MarketKline["marketType"];
}

export class KlineBuilder {
  private readonly intervals: readonly KlineInterval[];
  private readonly bars = new Map<string, (FormingBar | null)[]>();

  constructor(private readonly options: KlineBuilderOptions) {
    this.intervals = [...new Set(options.intervals)];
  }

  /** Adds a trade to each interval's bar, first closing bars the trade has left behind. */
  onTrade(symbol: string, tsMs: number, priceUsd: number, qty: number, out: MarketEvent[]): void {
    let bars = this.bars.get(symbol);
    if (!bars) {
      bars = this.intervals.map(() => null);
      this.bars.set(symbol, bars);
    }
    for (let i = 0; i < this.intervals.length; i++) {
      const intervalMs = INTERVAL_MS[this.intervals[i] as KlineInterval];
      const openTsMs = Math.floor(tsMs / intervalMs) * intervalMs;
      let bar = bars[i] ?? null;
      if (bar && bar.openTsMs < openTsMs) {
        out.push(this.closed(symbol, i, bar, tsMs));
        bar = null;
      }
      if (!bar) {
        bars[i] = { openTsMs, openPriceUsd: priceUsd, highPriceUsd: priceUsd, lowPriceUsd: priceUsd, closePriceUsd: priceUsd, volumeQty: qty, turnoverUsd: priceUsd * qty };
        continue;
      }
      // A trade stamped before its bar (a late print) still counts in the bar it joins.
      if (priceUsd > bar.highPriceUsd) bar.highPriceUsd = priceUsd;
      if (priceUsd < bar.lowPriceUsd) bar.lowPriceUsd = priceUsd;
      bar.closePriceUsd = priceUsd;
      bar.volumeQty += qty;
      bar.turnoverUsd += priceUsd * qty;
    }
  }

  /** Closes every bar whose interval ended at or before `nowMs`. */
  closeDue(nowMs: number, out: MarketEvent[]): void {
    for (const [symbol, bars] of this.bars) {
      for (let i = 0; i < bars.length; i++) {
        const bar = bars[i];
        if (bar && bar.openTsMs + INTERVAL_MS[this.intervals[i] as KlineInterval] <= nowMs) {
          out.push(this.closed(symbol, i, bar, nowMs));
          bars[i] = null;
        }
      }
    }
  }

  private closed(symbol: string, index: number, bar: FormingBar, nowMs: number): MarketEvent {
    const interval = this.intervals[index] as KlineInterval;
    const closeTsMs = bar.openTsMs + INTERVAL_MS[interval] - 1;
    return {
      type: "market-kline",
      payload: {
        version: 1,
        venue: this.options.venue,
        marketType: this.options.marketType ?? "linear",
        symbol,
        venueTsMs: closeTsMs,
        tsMs: Math.max(nowMs, closeTsMs),
        interval,
        openTsMs: bar.openTsMs,
        closeTsMs,
        openPriceUsd: bar.openPriceUsd,
        highPriceUsd: bar.highPriceUsd,
        lowPriceUsd: bar.lowPriceUsd,
        closePriceUsd: bar.closePriceUsd,
        volumeQty: bar.volumeQty,
        turnoverUsd: bar.turnoverUsd,
        closed: true,
      },
    };
  }
}
