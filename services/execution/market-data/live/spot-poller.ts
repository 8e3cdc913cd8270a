// The spot series from the spot venue (MEXC): its 24 h ticker per symbol and its closed klines, polled
// over REST (MEXC's spot streams are protobuf), published as the perpetuals' data is — `market-ticker`
// and `market-kline` with marketType "spot", the venue's symbol id (BTCUSDT), the venue's time and ours.
// The scavenger's basis detector reads the spot ticker; the klines table keeps the bars.

import type { Clock } from "../../../shared/clock.js";
import type { MarketEvent, MarketDataSink } from "../events.js";
import type { KlineInterval } from "../kline-builder.js";
import { ClosedBarTracker, barFromOhlcv, klineFromBar, type VenueBar } from "./parse.js";

/** What the poller needs of the spot venue: MEXC's raw 24 h ticker and kline rows. */
export interface SpotMarketClient {
  ticker24h(symbol: string): Promise<Record<string, unknown>>;
  klineRows(symbol: string, interval: KlineInterval, limit: number): Promise<unknown[][]>;
}

export interface SpotPollerOptions {
  readonly client: SpotMarketClient;
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly sink: MarketDataSink;
  readonly intervalMs: number;
  readonly klineIntervals?: readonly KlineInterval[];
  readonly onError?: (what: string, err: unknown) => void;
}

const num = (x: unknown): number => (typeof x === "string" && x.trim() !== "" ? Number(x) : typeof x === "number" ? x : Number.NaN);

/** MEXC's 24 h ticker → a spot `market-ticker`; null when it carries no usable last price. */
export function spotTickerFromMexc(item: Record<string, unknown>, symbol: string, nowMs: number): MarketEvent | null {
  const last = num(item.lastPrice);
  if (!(last > 0)) return null;
  const bid = num(item.bidPrice);
  const ask = num(item.askPrice);
  const closeTime = num(item.closeTime);
  const volume = num(item.volume);
  const turnover = num(item.quoteVolume);
  return {
    type: "market-ticker",
    payload: {
      version: 1,
      venue: "mexc",
      marketType: "spot",
      symbol,
      venueTsMs: closeTime > 0 ? Math.floor(closeTime) : nowMs,
      tsMs: nowMs,
      bidPriceUsd: bid > 0 ? bid : null,
      askPriceUsd: ask > 0 ? ask : null,
      lastPriceUsd: last,
      volume24hQty: volume >= 0 ? volume : 0,
      turnover24hUsd: turnover >= 0 ? turnover : volume >= 0 ? volume * last : 0,
    },
  };
}

export class SpotPoller {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly trackers = new Map<string, ClosedBarTracker>();

  constructor(private readonly o: SpotPollerOptions) {
    if (o.symbols.length === 0) throw new RangeError("spot market data: at least one symbol is needed");
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One round: every symbol's ticker and newly closed bars. */
  async pollOnce(): Promise<number> {
    const events: MarketEvent[] = [];
    for (const symbol of this.o.symbols) {
      try {
        const ticker = spotTickerFromMexc(await this.o.client.ticker24h(symbol), symbol, this.o.clock.nowMs());
        if (ticker) events.push(ticker);
      } catch (err) {
        this.o.onError?.(`spot ticker ${symbol}`, err);
      }
      for (const interval of this.o.klineIntervals ?? ["1m"]) {
        try {
          const bars = (await this.o.client.klineRows(symbol, interval, 3)).map((row) => barFromOhlcv(row.map(num))).filter((b): b is VenueBar => b !== null);
          const key = `${symbol}:${interval}`;
          const tracker = this.trackers.get(key) ?? new ClosedBarTracker();
          this.trackers.set(key, tracker);
          for (const bar of tracker.update(bars)) {
            const kline = klineFromBar(bar, interval, true, { venue: "mexc", symbol, nowMs: this.o.clock.nowMs() });
            events.push({ ...kline, payload: { ...kline.payload, marketType: "spot" } } as MarketEvent);
          }
        } catch (err) {
          this.o.onError?.(`spot klines ${symbol} ${interval}`, err);
        }
      }
    }
    if (events.length > 0) await this.o.sink(events);
    return events.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.pollOnce().catch((err: unknown) => this.o.onError?.("spot poll", err));
      await new Promise<void>((resolve) => {
        const cancel = this.o.clock.setTimer(this.o.intervalMs, () => done());
        const done = () => {
          cancel();
          this.wake = null;
          resolve();
        };
        this.wake = done;
      });
    }
  }
}
