// Public market data from the exchange through ccxt pro: a watch loop per symbol for trades, tickers
// (with the index price as the spot side of the basis) and klines, and one REST poll for funding and
// open interest (Bybit's tickers carry both: one request for every symbol). A watch that fails with a
// network error is retried with backoff (ccxt reconnects on the next watch) and counted as a
// reconnect; a venue that refuses the kline topic is polled over REST instead. Symbols are the venue's
// ids (BTCUSDT); only USDT linear perpetuals are loaded.

import type { Clock } from "../../../shared/clock.js";
import type { MarketDataSink, MarketDataSource, MarketEvent } from "../events.js";
import { INTERVAL_MS, type KlineInterval } from "../kline-builder.js";
import { loadCcxtProClass, type BybitPro, type LiveExchangeId } from "./ccxt-loader.js";
import {
  BYBIT_INTERVALS,
  ClosedBarTracker,
  barFromBybitRow,
  barFromOhlcv,
  fundingAndOpenInterestFromCcxt,
  klineFromBar,
  spotFromIndex,
  tickerFromCcxt,
  tradeFromCcxt,
  type CcxtFundingRate,
  type CcxtTicker,
  type CcxtTrade,
  type ParseContext,
  type VenueBar,
} from "./parse.js";

/** Bars asked for per backfill request (Bybit returns at most 1,000). */
const BACKFILL_PAGE = 1_000;

export interface LiveSourceOptions {
  readonly exchange?: LiveExchangeId;
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly klineIntervals?: readonly KlineInterval[];
  /** Funding and open interest poll. */
  readonly pollIntervalMs?: number;
  /** REST kline poll, where the venue does not stream klines. */
  readonly klinePollIntervalMs?: number;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Closed klines of this many past milliseconds fetched over REST before the streams start; 0 = none. */
  readonly backfillMs?: number;
  /** Extra ccxt constructor options (timeouts, rate limiting). */
  readonly ccxtOptions?: Record<string, unknown>;
  /** Last touch before markets load: tests point the URLs at a simulator here. */
  readonly configure?: (exchange: BybitPro) => void | Promise<void>;
  readonly onReconnect?: (venue: LiveExchangeId) => void;
  readonly onError?: (what: string, err: unknown) => void;
  /** A venue structure that could not become a message. */
  readonly onRejected?: (what: string) => void;
}

/** True for ccxt's NetworkError family (timeouts, dropped sockets, rate limits): worth retrying. */
export function isNetworkError(err: unknown): boolean {
  for (let proto = err; proto; proto = Object.getPrototypeOf(proto) as unknown) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === "NetworkError") return true;
  }
  return false;
}

interface LoopOptions {
  /** Given a non-network error: true to end the loop. */
  readonly onFatal?: (err: unknown) => boolean;
  readonly done?: () => boolean;
  /** A REST poll: its network errors are not WebSocket reconnects. */
  readonly rest?: boolean;
}

export class LiveSource implements MarketDataSource {
  readonly kind = "live" as const;
  readonly finished: Promise<void>;
  private exchange: BybitPro | null = null;
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private resolveFinished: () => void = () => undefined;
  /** Which (symbol, interval) pairs fell back to REST polling. */
  readonly polledKlines = new Set<string>();

  constructor(private readonly options: LiveSourceOptions) {
    if (options.symbols.length === 0) throw new RangeError("live market data: at least one symbol is needed");
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  private get venue(): LiveExchangeId {
    return this.options.exchange ?? "bybit";
  }

  /**
   * Resolves once the exchange class is loaded and configured. Markets load in the background, retried
   * with backoff: an exchange unreachable at boot delays the feed, it does not stop the service.
   */
  async start(sink: MarketDataSink): Promise<void> {
    if (this.running) throw new Error("live source already started");
    const ExchangeClass = await loadCcxtProClass(this.venue);
    const exchange = new ExchangeClass({
      enableRateLimit: true,
      ...this.options.ccxtOptions,
      options: { fetchMarkets: { types: ["linear"] }, ...(this.options.ccxtOptions?.options as object | undefined) },
    });
    (exchange.has as Record<string, unknown>).fetchCurrencies = false;
    await this.options.configure?.(exchange);
    await exchange.loadHttpProxyAgent(); // ccxt pro opens ws:// URLs only once its agent is loaded
    this.exchange = exchange;
    this.running = true;
    this.loops.push(this.run(exchange, sink));
  }

  private async run(exchange: BybitPro, sink: MarketDataSink): Promise<void> {
    let loaded = false;
    await this.watchLoop(
      "load markets",
      async () => {
        await exchange.loadMarkets();
        loaded = true;
      },
      { rest: true, done: () => loaded },
    );
    if (!this.running) return;
    const symbols: [id: string, unified: string][] = [];
    for (const id of this.options.symbols) {
      const unified = this.unifiedSymbol(exchange, id);
      if (unified === null) this.options.onError?.(`symbol ${id}`, new RangeError(`${this.venue} lists no USDT perpetual with id ${id}; it is left out`));
      else symbols.push([id, unified]);
    }
    const emit = async (events: (MarketEvent | null)[]) => {
      const batch = events.filter((e): e is MarketEvent => e !== null);
      if (batch.length === 0) return;
      // A failing sink must not look like a failing venue (it would switch klines to polling).
      try {
        await sink(batch);
      } catch (err) {
        this.options.onError?.("sink", err);
      }
    };
    // The newest backfilled bar of each series, so the stream does not emit it a second time.
    const backfilled = new Map<string, number>();
    if ((this.options.backfillMs ?? 0) > 0) {
      for (const [id, symbol] of symbols) {
        for (const interval of this.options.klineIntervals ?? ["1m"]) {
          const lastOpenTsMs = await this.backfill(exchange, id, symbol, interval, emit);
          if (lastOpenTsMs !== null) backfilled.set(`${id}:${interval}`, lastOpenTsMs);
        }
      }
      if (!this.running) return;
    }
    const loops: Promise<void>[] = [];
    for (const [id, symbol] of symbols) {
      loops.push(this.watchLoop(`trades ${id}`, async () => emit(((await exchange.watchTrades(symbol)) as CcxtTrade[]).map((t) => this.parsed("trade", tradeFromCcxt(t, this.ctx(id)))))));
      loops.push(
        this.watchLoop(`ticker ${id}`, async () => {
          const ticker = (await exchange.watchTicker(symbol)) as CcxtTicker;
          await emit([this.parsed("ticker", tickerFromCcxt(ticker, this.ctx(id))), spotFromIndex(ticker, this.ctx(id))]);
        }),
      );
      for (const interval of this.options.klineIntervals ?? ["1m"]) loops.push(this.klineLoop(exchange, id, symbol, interval, emit, backfilled.get(`${id}:${interval}`)));
    }
    if (symbols.length > 0) loops.push(this.pollLoop(exchange, symbols, emit));
    await Promise.allSettled(loops);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const wake of this.sleepers) wake();
    await this.exchange?.close().catch(() => undefined); // rejects every pending watch
    await Promise.allSettled(this.loops);
    this.resolveFinished();
  }

  private unifiedSymbol(exchange: BybitPro, id: string): string | null {
    const markets = (exchange.markets_by_id?.[id] ?? []) as { symbol: string; linear?: boolean; quote?: string }[];
    return markets.find((m) => m.linear && m.quote === "USDT")?.symbol ?? null;
  }

  private ctx(symbol: string): ParseContext {
    return { venue: this.venue, symbol, nowMs: this.options.clock.nowMs() };
  }

  private parsed(what: string, event: MarketEvent | null): MarketEvent | null {
    if (event === null) this.report(() => this.options.onRejected?.(what));
    return event;
  }

  /**
   * Runs `step` until stopped (or `done`); a network error is retried with backoff (counted as a
   * reconnect for a WebSocket watch), any other error too unless `onFatal` says to give up.
   */
  private async watchLoop(what: string, step: () => Promise<void>, how: LoopOptions = {}): Promise<void> {
    const { onFatal, done, rest = false } = how;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 250, maxMs: 10_000 };
    let failures = 0;
    while (this.running && !done?.()) {
      try {
        await step();
        failures = 0;
      } catch (err) {
        if (!this.running) return;
        if (!isNetworkError(err) && onFatal?.(err)) return;
        this.report(() => this.options.onError?.(what, err));
        failures += 1;
        if (isNetworkError(err) && !rest) this.report(() => this.options.onReconnect?.(this.venue));
        await this.sleep(Math.min(maxMs, baseMs * 2 ** (failures - 1)));
      }
    }
  }

  private klineLoop(
    exchange: BybitPro,
    id: string,
    symbol: string,
    interval: KlineInterval,
    emit: (e: (MarketEvent | null)[]) => Promise<void>,
    lastBackfilledOpenTsMs?: number,
  ): Promise<void> {
    const tracker = new ClosedBarTracker(lastBackfilledOpenTsMs);
    const closedKlines = (bars: (VenueBar | null)[]) => tracker.update(bars.filter((b): b is VenueBar => b !== null)).map((bar) => klineFromBar(bar, interval, true, this.ctx(id)));
    let refused = false;
    const watched = this.watchLoop(
      `klines ${id} ${interval}`,
      async () => emit(closedKlines(((await exchange.watchOHLCV(symbol, interval)) as (number | undefined)[][]).map(barFromOhlcv))),
      // Anything but a network error means the venue refused the topic: poll REST from now on.
      { onFatal: () => (refused = true) },
    );
    return watched.then(async () => {
      if (!refused || !this.running) return;
      this.polledKlines.add(`${id}:${interval}`);
      await this.watchLoop(`kline poll ${id} ${interval}`, async () => {
        const reply = (await (exchange as unknown as { publicGetV5MarketKline(p: object): Promise<{ result?: { list?: unknown[][] } }> }).publicGetV5MarketKline({
          category: "linear",
          symbol: id,
          interval: BYBIT_INTERVALS[interval],
          limit: 3,
        })) ?? {};
        await emit(closedKlines((reply.result?.list ?? []).map(barFromBybitRow)));
        await this.sleep(this.options.klinePollIntervalMs ?? 15_000);
      }, { rest: true });
    });
  }

  /**
   * The interval's closed bars of the backfill window, emitted oldest first. Bybit answers a range
   * wider than one page with its newest bars, so the pages walk backwards from now (`until` = the
   * oldest bar seen so far) until the window's start. A network error retries the page; any other
   * error gives up on this series. Returns the newest bar's open time, or null.
   */
  private async backfill(exchange: BybitPro, id: string, symbol: string, interval: KlineInterval, emit: (e: (MarketEvent | null)[]) => Promise<void>): Promise<number | null> {
    const intervalMs = INTERVAL_MS[interval];
    const nowMs = this.options.clock.nowMs();
    const sinceMs = Math.floor((nowMs - (this.options.backfillMs ?? 0)) / intervalMs) * intervalMs;
    const byOpen = new Map<number, VenueBar>();
    let untilMs = nowMs;
    let done = false;
    await this.watchLoop(
      `kline backfill ${id} ${interval}`,
      async () => {
        const rows = (await exchange.fetchOHLCV(symbol, interval, sinceMs, BACKFILL_PAGE, { until: untilMs })) as (number | undefined)[][];
        let oldestMs = Number.POSITIVE_INFINITY;
        for (const bar of rows.map(barFromOhlcv)) {
          if (bar === null || bar.openTsMs < sinceMs || bar.openTsMs > untilMs) continue;
          oldestMs = Math.min(oldestMs, bar.openTsMs);
          if (bar.openTsMs + intervalMs <= nowMs) byOpen.set(bar.openTsMs, bar);
        }
        if (oldestMs === Number.POSITIVE_INFINITY || oldestMs <= sinceMs) done = true;
        else untilMs = oldestMs - 1;
      },
      { rest: true, done: () => done, onFatal: () => (done = true) },
    );
    const bars = [...byOpen.values()].sort((a, b) => a.openTsMs - b.openTsMs);
    await emit(bars.map((bar) => klineFromBar(bar, interval, true, this.ctx(id))));
    return bars.at(-1)?.openTsMs ?? null;
  }

  private pollLoop(exchange: BybitPro, symbols: readonly [id: string, unified: string][], emit: (e: (MarketEvent | null)[]) => Promise<void>): Promise<void> {
    const idOf = new Map(symbols.map(([id, unified]) => [unified, id]));
    return this.watchLoop("funding and open interest poll", async () => {
      const rates = (await exchange.fetchFundingRates(symbols.map(([, unified]) => unified))) as Record<string, CcxtFundingRate & { symbol?: string }>;
      const events: MarketEvent[] = [];
      for (const [symbol, rate] of Object.entries(rates)) {
        const id = idOf.get(rate.symbol ?? symbol);
        if (id !== undefined) events.push(...fundingAndOpenInterestFromCcxt(rate, this.ctx(id)));
      }
      await emit(events);
      await this.sleep(this.options.pollIntervalMs ?? 10_000);
    }, { rest: true });
  }

  /** Callbacks report; they must never end a loop by throwing. */
  private report(callback: () => void): void {
    try {
      callback();
    } catch {
      // ignored: reporting is best-effort
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        cancel();
        this.sleepers.delete(wake);
        resolve();
      };
      const cancel = this.options.clock.setTimer(ms, wake);
      this.sleepers.add(wake);
    });
  }
}
