// The synthetic market as a MarketDataSource. Two pacings:
//   realtime — the timeline follows the injected clock: every tick (50 ms) emits what happened since
//              the last; a ManualClock in tests, the system clock in the service.
//   fast     — as fast as the sink takes it: the timeline runs ahead of the clock in chunks, each batch
//              awaited before the next (for backtests, benchmarks and filling a tape).
// A tick that finds the previous batch still in the sink skips; the market catches up on the next.

import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Clock } from "../../../shared/clock.js";
import type { MarketDataSink, MarketDataSource, MarketEvent } from "../events.js";
import { SyntheticMarket, type SyntheticMarketOptions } from "./market.js";

export type SyntheticPacing = "realtime" | "fast";

export interface SyntheticSourceOptions extends Omit<SyntheticMarketOptions, "startMs"> {
  readonly clock: Clock;
  readonly pacing?: SyntheticPacing;
  /** Where the timeline starts; the clock's time at start() by default. */
  readonly startMs?: number;
  /** Stop after this much market time (and resolve `finished`); unbounded by default. */
  readonly durationMs?: number;
  /** realtime: how often the clock is read. */
  readonly tickMs?: number;
  /** fast: market time per batch. */
  readonly chunkMs?: number;
  /** A sink that throws is reported here; the source keeps going. */
  readonly onSinkError?: (err: unknown) => void;
}

export class SyntheticSource implements MarketDataSource {
  readonly kind = "synthetic" as const;
  readonly finished: Promise<void>;
  private market: SyntheticMarket | null = null;
  private running = false;
  private cancelTimer: (() => void) | null = null;
  private inflight: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private endMs = Number.POSITIVE_INFINITY;
  private resolveFinished: () => void = () => undefined;

  constructor(private readonly options: SyntheticSourceOptions) {
    const { tickMs = 50, chunkMs = 1_000, durationMs } = options;
    if (!(tickMs > 0) || !(chunkMs > 0)) throw new RangeError("synthetic source: tickMs and chunkMs must be positive");
    if (durationMs !== undefined && !(durationMs > 0)) throw new RangeError("synthetic source: durationMs must be positive");
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** The generator behind the source, once started (regimes and prices, for tests and logs). */
  get marketModel(): SyntheticMarket | null {
    return this.market;
  }

  async start(sink: MarketDataSink): Promise<void> {
    if (this.running) throw new Error("synthetic source already started");
    const { clock } = this.options;
    const startMs = this.options.startMs ?? clock.nowMs();
    this.market = new SyntheticMarket({ ...this.options, startMs });
    this.endMs = this.options.durationMs === undefined ? Number.POSITIVE_INFINITY : startMs + this.options.durationMs;
    this.running = true;
    if ((this.options.pacing ?? "realtime") === "fast") this.loop = this.runFast(this.market, sink);
    else this.arm(this.market, sink);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.loop;
    await this.inflight;
    this.resolveFinished();
  }

  private arm(market: SyntheticMarket, sink: MarketDataSink): void {
    this.cancelTimer = this.options.clock.setTimer(this.options.tickMs ?? 50, () => {
      this.cancelTimer = null;
      if (!this.running) return;
      if (!this.inflight) {
        const batch: MarketEvent[] = [];
        market.advanceTo(Math.min(this.options.clock.nowMs(), this.endMs), batch);
        if (batch.length > 0) this.deliver(sink, batch);
        if (market.nowMs >= this.endMs) {
          this.running = false;
          void (this.inflight ?? Promise.resolve()).then(() => this.resolveFinished());
          return;
        }
      }
      this.arm(market, sink);
    });
  }

  private deliver(sink: MarketDataSink, batch: MarketEvent[]): void {
    let result: void | Promise<void>;
    try {
      result = sink(batch);
    } catch (err) {
      this.options.onSinkError?.(err);
      return;
    }
    if (!(result instanceof Promise)) return;
    this.inflight = result.catch((err: unknown) => this.options.onSinkError?.(err)).finally(() => (this.inflight = null));
  }

  private async runFast(market: SyntheticMarket, sink: MarketDataSink): Promise<void> {
    const chunkMs = this.options.chunkMs ?? 1_000;
    while (this.running && market.nowMs < this.endMs) {
      const batch: MarketEvent[] = [];
      market.advanceTo(Math.min(market.nowMs + chunkMs, this.endMs), batch);
      try {
        await sink(batch);
      } catch (err) {
        this.options.onSinkError?.(err);
      }
      await yieldToLoop(); // let timers and I/O run between batches
    }
    this.running = false;
    this.resolveFinished();
  }
}
