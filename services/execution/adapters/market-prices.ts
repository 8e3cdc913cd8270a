// Current prices and price velocity per symbol, for order type and price choice. Fed in-process by the
// market-data module (its event batches); when the feed is silent for a symbol, the venue's ticker is
// asked instead, and its answers feed the velocity estimate the same way.

import type { Clock } from "../../shared/clock.js";
import type { MarketTicker, MarketTrade } from "../../shared/contracts/index.js";
import { addPriceSample, velocityPerSecond, type PriceSample, type Quote } from "../domain/order-type.js";
import type { Venue } from "../venues/venue.js";
import type { PaperMarketEvent } from "../venues/paper/paper-venue.js";

interface SymbolPrices {
  samples: PriceSample[];
  bidPriceUsd: number | null;
  askPriceUsd: number | null;
  lastPriceUsd: number | null;
  updatedMs: number;
  touchUpdatedMs: number;
}

const KEEP_MS = 10_000;

export class MarketPrices {
  private readonly bySymbol = new Map<string, SymbolPrices>();

  constructor(
    private readonly clock: Clock,
    private readonly venue: Pick<Venue, "ticker">,
    private readonly freshMs = 5_000,
  ) {}

  /** A batch from the market-data feed (other event types are ignored). */
  onEvents(events: readonly PaperMarketEvent[]): void {
    const now = this.clock.nowMs();
    for (const event of events) {
      if (event.type === "market-trade") {
        const t = event.payload as MarketTrade;
        if (t.marketType !== "linear") continue;
        const s = this.entry(t.symbol);
        s.samples = addPriceSample(s.samples, { tsMs: now, priceUsd: t.priceUsd }, KEEP_MS);
        s.lastPriceUsd = t.priceUsd;
        s.updatedMs = now;
      } else if (event.type === "market-ticker") {
        const t = event.payload as MarketTicker;
        if (t.marketType !== "linear") continue;
        const s = this.entry(t.symbol);
        s.bidPriceUsd = t.bidPriceUsd;
        s.askPriceUsd = t.askPriceUsd;
        s.touchUpdatedMs = now;
        s.lastPriceUsd = t.lastPriceUsd;
        s.samples = addPriceSample(s.samples, { tsMs: now, priceUsd: t.lastPriceUsd }, KEEP_MS);
        s.updatedMs = now;
      }
    }
  }

  private entry(symbol: string): SymbolPrices {
    let s = this.bySymbol.get(symbol);
    if (!s) {
      s = { samples: [], bidPriceUsd: null, askPriceUsd: null, lastPriceUsd: null, updatedMs: 0, touchUpdatedMs: 0 };
      this.bySymbol.set(symbol, s);
    }
    return s;
  }

  /** The quote and velocity now; from the venue's ticker when the feed has nothing fresh. Null when no price exists. */
  async current(symbol: string): Promise<{ quote: Quote; velocityPerSecond: number } | null> {
    const now = this.clock.nowMs();
    let s = this.bySymbol.get(symbol);
    // Trades alone give no touch: a limit at the touch needs the venue's bid and ask.
    if (!s || s.lastPriceUsd === null || now - s.updatedMs > this.freshMs || now - s.touchUpdatedMs > this.freshMs) {
      try {
        const ticker = await this.venue.ticker(symbol);
        const fresh = s !== undefined && s.lastPriceUsd !== null && now - s.updatedMs <= this.freshMs;
        s = this.entry(symbol);
        if (!fresh) s.samples = addPriceSample(s.samples, { tsMs: now, priceUsd: ticker.lastPriceUsd }, KEEP_MS);
        s.lastPriceUsd = ticker.lastPriceUsd;
        s.bidPriceUsd = ticker.bidPriceUsd;
        s.askPriceUsd = ticker.askPriceUsd;
        s.updatedMs = now;
        s.touchUpdatedMs = now;
      } catch {
        if (!s || s.lastPriceUsd === null) return null;
      }
    }
    if (!s || s.lastPriceUsd === null) return null;
    return { quote: { lastPriceUsd: s.lastPriceUsd, bidPriceUsd: s.bidPriceUsd, askPriceUsd: s.askPriceUsd }, velocityPerSecond: velocityPerSecond(s.samples, now) };
  }

  /** The last known price, without asking the venue (for marking). */
  last(symbol: string): number | null {
    return this.bySymbol.get(symbol)?.lastPriceUsd ?? null;
  }
}
