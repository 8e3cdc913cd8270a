// Plays the tape back as a MarketDataSource: every symbol's trades and recorded events merged in time
// order, day by day, with klines rebuilt from the trades by the same builder the synthetic market uses
// (so a taped synthetic run replays to the same events, per symbol and type). Paced by the injected
// clock at `speed` times real time, or as fast as the sink takes it (speed 0). By default the
// timestamps are shifted so the tape's first event happens now: downstream freshness checks (a stale
// signal is refused) then behave as live; "recorded" keeps them as they were.

import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Clock } from "../../../shared/clock.js";
import { derivedTradeId, shiftEvent, type MarketDataSink, type MarketDataSource, type MarketEvent, type Venue } from "../events.js";
import { KlineBuilder, type KlineInterval } from "../kline-builder.js";
import { DEFAULT_KLINE_INTERVALS } from "../synthetic/market.js";
import { dayStartMs, listDays } from "../tape/paths.js";
import { readTapeDay, type ChunkProblem, type TapeDay } from "../tape/reader.js";

export interface ReplaySourceOptions {
  readonly dir: string;
  readonly symbols: readonly string[];
  readonly clock: Clock;
  /** Times real time; 0 = as fast as the sink takes it. */
  readonly speed?: number;
  /** First and last UTC day to play (YYYY-MM-DD, inclusive); every recorded day by default. */
  readonly fromDay?: string;
  readonly toDay?: string;
  readonly timestamps?: "shifted" | "recorded";
  /** The venue the trades claim (the tape keeps prices, not venues). */
  readonly venue?: Venue;
  readonly klineIntervals?: readonly KlineInterval[];
  readonly tickMs?: number;
  readonly batchSize?: number;
  readonly onProblem?: (problem: ChunkProblem) => void;
  readonly onSinkError?: (err: unknown) => void;
}

export class ReplaySource implements MarketDataSource {
  readonly kind = "replay" as const;
  readonly finished: Promise<void>;
  private running = false;
  private resolveFinished: () => void = () => undefined;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private cancelTimer: (() => void) | null = null;
  private emitted = 0;

  constructor(private readonly options: ReplaySourceOptions) {
    const speed = options.speed ?? 1;
    if (!(speed >= 0) || !Number.isFinite(speed)) throw new RangeError(`replay: speed must be 0 (as fast as possible) or a positive factor, got ${speed}`);
    if (options.symbols.length === 0) throw new RangeError("replay: at least one symbol is needed");
    if (options.fromDay !== undefined) dayStartMs(options.fromDay);
    if (options.toDay !== undefined) dayStartMs(options.toDay);
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Events handed to the sink so far. */
  get eventsEmitted(): number {
    return this.emitted;
  }

  async start(sink: MarketDataSink): Promise<void> {
    if (this.running) throw new Error("replay already started");
    this.running = true;
    this.loop = this.run(sink).finally(() => {
      this.running = false;
      this.resolveFinished();
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.wake?.();
    await this.loop;
  }

  private async run(sink: MarketDataSink): Promise<void> {
    const { clock } = this.options;
    const speed = this.options.speed ?? 1;
    const startWallMs = clock.nowMs();
    let startTapeMs: number | null = null;
    for await (const batch of this.batches(startWallMs)) {
      if (!this.running) return;
      if (speed === 0) {
        await this.deliver(sink, batch);
        await yieldToLoop();
        continue;
      }
      // Paced: hand over what is due at each tick, waiting on the clock in between.
      let index = 0;
      while (index < batch.length && this.running) {
        const first = batch[index] as MarketEvent;
        startTapeMs ??= first.payload.venueTsMs;
        const dueAtMs = (tapeMs: number) => startWallMs + (tapeMs - (startTapeMs as number)) / speed;
        const waitMs = dueAtMs(first.payload.venueTsMs) - clock.nowMs();
        if (waitMs > 0) await this.sleep(Math.min(waitMs, this.options.tickMs ?? 20));
        const nowMs = clock.nowMs();
        let end = index;
        while (end < batch.length && dueAtMs((batch[end] as MarketEvent).payload.venueTsMs) <= nowMs) end++;
        if (end > index) await this.deliver(sink, batch.slice(index, end));
        index = end;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.cancelTimer = this.options.clock.setTimer(ms, resolve);
    });
  }

  private async deliver(sink: MarketDataSink, batch: readonly MarketEvent[]): Promise<void> {
    try {
      await sink(batch);
    } catch (err) {
      this.options.onSinkError?.(err);
    }
    this.emitted += batch.length;
  }

  /** The tape as batches in time order, one day of every symbol at a time. */
  private async *batches(startWallMs: number): AsyncGenerator<MarketEvent[]> {
    const { dir, symbols, fromDay, toDay } = this.options;
    const allDays = new Set<string>();
    for (const symbol of symbols) for (const day of await listDays(dir, symbol)) allDays.add(day);
    const days = [...allDays].filter((d) => (fromDay === undefined || d >= fromDay) && (toDay === undefined || d <= toDay)).sort();
    const klines = new KlineBuilder({ intervals: this.options.klineIntervals ?? DEFAULT_KLINE_INTERVALS, venue: this.options.venue ?? "bybit" });
    const merger = new DayMerger(this.options.venue ?? "bybit", klines);
    const batchSize = this.options.batchSize ?? 5_000;
    for (const day of days) {
      const tapes: TapeDay[] = [];
      for (const symbol of symbols) {
        const tape = await readTapeDay(dir, symbol, day);
        for (const problem of tape.problems) this.options.onProblem?.(problem);
        tapes.push(tape);
      }
      if (merger.offsetMs === null) {
        const first = Math.min(...tapes.map((t) => Math.min(t.trades.tsMs[0] ?? Infinity, t.events[0]?.payload.venueTsMs ?? Infinity)));
        if (Number.isFinite(first)) merger.offsetMs = (this.options.timestamps ?? "shifted") === "shifted" ? startWallMs - first : 0;
      }
      merger.load(tapes);
      for (;;) {
        const batch = merger.take(batchSize);
        if (batch.length === 0) break;
        yield batch;
      }
    }
  }
}

/** Merges one day of several symbols into events, building klines as the trades pass. */
class DayMerger {
  offsetMs: number | null = null;
  private tapes: TapeDay[] = [];
  private tradeIndex: number[] = [];
  private eventIndex: number[] = [];
  private readonly lastTradeTs = new Map<string, { tsMs: number; rank: number }>();
  private nextSecondMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly venue: Venue,
    private readonly klines: KlineBuilder,
  ) {}

  load(tapes: TapeDay[]): void {
    this.tapes = tapes;
    this.tradeIndex = tapes.map(() => 0);
    this.eventIndex = tapes.map(() => 0);
  }

  take(limit: number): MarketEvent[] {
    const out: MarketEvent[] = [];
    const offset = this.offsetMs ?? 0;
    while (out.length < limit) {
      let best = -1;
      let bestTs = Number.POSITIVE_INFINITY;
      let bestIsEvent = false;
      for (let s = 0; s < this.tapes.length; s++) {
        const tape = this.tapes[s] as TapeDay;
        const event = tape.events[this.eventIndex[s] as number];
        const tradeTs = tape.trades.tsMs[this.tradeIndex[s] as number];
        // Recorded events come before trades of the same millisecond, as the synthetic market emits them.
        if (event && event.payload.venueTsMs < bestTs && (tradeTs === undefined || event.payload.venueTsMs <= tradeTs)) {
          [best, bestTs, bestIsEvent] = [s, event.payload.venueTsMs, true];
        } else if (tradeTs !== undefined && tradeTs < bestTs) {
          [best, bestTs, bestIsEvent] = [s, tradeTs, false];
        }
      }
      if (best < 0) break;
      const tsMs = bestTs + offset;
      if (tsMs >= this.nextSecondMs) {
        const secondMs = Math.floor(tsMs / 1_000) * 1_000;
        if (this.nextSecondMs !== Number.NEGATIVE_INFINITY) this.klines.closeDue(secondMs, out);
        this.nextSecondMs = secondMs + 1_000;
      }
      const tape = this.tapes[best] as TapeDay;
      if (bestIsEvent) {
        out.push(shiftEvent(tape.events[this.eventIndex[best] as number] as MarketEvent, offset));
        this.eventIndex[best] = (this.eventIndex[best] as number) + 1;
        continue;
      }
      const i = this.tradeIndex[best] as number;
      this.tradeIndex[best] = i + 1;
      const last = this.lastTradeTs.get(tape.symbol);
      const rank = last && last.tsMs === tsMs ? last.rank + 1 : 0;
      this.lastTradeTs.set(tape.symbol, { tsMs, rank });
      const priceUsd = tape.trades.priceUsd[i] as number;
      const qty = tape.trades.qty[i] as number;
      out.push({
        type: "market-trade",
        payload: {
          version: 1,
          venue: this.venue,
          marketType: "linear",
          symbol: tape.symbol,
          venueTsMs: tsMs,
          tsMs,
          tradeId: derivedTradeId(tape.symbol, tsMs, rank),
          side: (tape.trades.sideSign[i] as number) > 0 ? "buy" : "sell",
          priceUsd,
          qty,
        },
      });
      this.klines.onTrade(tape.symbol, tsMs, priceUsd, qty, out);
    }
    return out;
  }
}
