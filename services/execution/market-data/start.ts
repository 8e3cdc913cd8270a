// The one entry the execution service wires in: picks the source from the settings, then sends every
// batch to the in-process listeners (the paper venue matches against the feed), the tape, the klines
// table and the bus. Recording is best-effort and off the hot path: a slow disk or database is logged
// and counted, never allowed to stall the feed.

import type { Stopper, ServiceContext } from "../../shared/runtime.js";
import type { MarketKline } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { loadMarketDataSettings, type MarketDataSettings } from "./config.js";
import type { MarketDataSink, MarketDataSource, MarketEvent } from "./events.js";
import { planSyntheticBackfill, runSyntheticBackfill, type SyntheticBackfill } from "./backfill.js";
import { upsertKlines } from "./kline-store.js";
import { LiveSource, type LiveSourceOptions } from "./live/source.js";
import { marketDataMetrics } from "./metrics.js";
import { createMarketDataPublisher } from "./publisher.js";
import { ReplaySource } from "./replay/source.js";
import { DEFAULT_KLINE_INTERVALS } from "./synthetic/market.js";
import { SyntheticSource, type SyntheticPacing } from "./synthetic/source.js";
import { TapeArchiver } from "./tape/archiver.js";
import { objectStoreFor } from "./tape/object-store.js";
import { TapeWriter } from "./tape/writer.js";

/** How often closed tape chunks are looked for and shipped. */
const ARCHIVE_INTERVAL_MS = 10 * 60_000;

export interface StartMarketDataOptions {
  /** Settings as loaded; read from `env` (default process.env) when absent. */
  readonly settings?: MarketDataSettings;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A source built by the caller instead of the one the settings name. */
  readonly source?: MarketDataSource;
  /** Also handed every batch, in process (the paper venue). A listener that throws is logged. */
  readonly listeners?: readonly MarketDataSink[];
  readonly syntheticPacing?: SyntheticPacing;
  /** Extra options for the live source (a test points it at the simulator). */
  readonly live?: Partial<LiveSourceOptions>;
  /** Test-only stream-name prefix (see createMarketDataPublisher). */
  readonly streamPrefix?: string;
}

/** Klines waiting for PostgreSQL; bounded, the oldest given up first. */
const MAX_PENDING_KLINES = 10_000;

class KlineRecorder {
  private pending: MarketKline[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly onWritten: (rows: number) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  record(batch: readonly MarketEvent[]): void {
    for (const event of batch) if (event.type === "market-kline") this.pending.push(event.payload);
    if (this.pending.length > MAX_PENDING_KLINES) this.pending = this.pending.slice(-MAX_PENDING_KLINES);
    if (this.pending.length > 0 && !this.writing) this.writing = this.write().finally(() => (this.writing = null));
  }

  async flush(): Promise<void> {
    await this.writing;
    if (this.pending.length > 0) await this.write();
  }

  private async write(): Promise<void> {
    while (this.pending.length > 0) {
      const rows = this.pending;
      this.pending = [];
      try {
        this.onWritten(await upsertKlines(this.db, rows));
      } catch (err) {
        this.pending = [...rows, ...this.pending].slice(-MAX_PENDING_KLINES); // tried again with the next kline
        this.onError(err);
        return;
      }
    }
  }
}

/** Bars published per bus batch while the history goes out. */
const BACKFILL_BATCH = 500;

function buildSource(
  ctx: ServiceContext<"execution">,
  settings: MarketDataSettings,
  opts: StartMarketDataOptions,
  metrics: ReturnType<typeof marketDataMetrics>,
  history: SyntheticBackfill | null,
): MarketDataSource {
  const { clock, logger } = ctx;
  const onSinkError = (err: unknown) => logger.error({ err }, "market-data sink failed");
  switch (settings.source) {
    case "synthetic":
      return new SyntheticSource({
        clock,
        seed: settings.seed,
        // Each symbol picks up at the price its history ended at, where the history ends.
        symbols: history?.profiles ?? settings.symbols,
        ...(history ? { startMs: history.liveStartMs } : {}),
        pacing: opts.syntheticPacing ?? "realtime",
        onSinkError,
        onRegimeChange: (symbol, regime, tsMs) => logger.debug({ symbol, regime, tsMs }, "synthetic regime change"),
      });
    case "replay":
      return new ReplaySource({
        dir: settings.tapeDir,
        symbols: settings.symbols,
        clock,
        speed: settings.replaySpeed,
        ...(settings.replayFromDay === undefined ? {} : { fromDay: settings.replayFromDay }),
        ...(settings.replayToDay === undefined ? {} : { toDay: settings.replayToDay }),
        onSinkError,
        onProblem: (problem) => logger.warn(problem, "tape chunk has a torn or damaged tail; the rest was replayed"),
      });
    case "live":
      return new LiveSource({
        symbols: settings.symbols,
        clock,
        onReconnect: (venue) => metrics.countReconnect(venue),
        onError: (what, err) => logger.warn({ what, err: (err as Error)?.message ?? String(err) }, "market-data stream error"),
        onRejected: (what) => metrics.rejected.inc({ what }),
        // Every interval the synthetic market gives: strategies read hourly and daily bars, not just minutes.
        klineIntervals: DEFAULT_KLINE_INTERVALS,
        backfillMs: settings.backfillHours * 3_600_000,
        ...opts.live,
      });
  }
}

/** Starts the market-data feed of the execution service; the returned stopper stops and flushes it all. */
export async function startMarketData(ctx: ServiceContext<"execution">, opts: StartMarketDataOptions = {}): Promise<Stopper[]> {
  const settings = opts.settings ?? loadMarketDataSettings(opts.env ?? process.env);
  const metrics = marketDataMetrics(ctx.metrics);
  const recordKlines = settings.record && settings.source !== "replay";
  const historyPlan =
    !opts.source && settings.source === "synthetic" && settings.backfillHours > 0
      ? await planSyntheticBackfill({ symbols: settings.symbols, seed: settings.seed, nowMs: ctx.clock.nowMs(), hours: settings.backfillHours, db: recordKlines ? ctx.db : null })
      : null;

  const publisher = createMarketDataPublisher({
    redis: ctx.redis,
    clock: ctx.clock,
    source: "execution",
    metrics: ctx.metrics,
    maxLenApprox: settings.streamMaxLen,
    validate: ctx.config.env !== "production",
    ...(opts.streamPrefix === undefined ? {} : { streamPrefix: opts.streamPrefix }),
    onError: (err) => ctx.logger.debug({ err: (err as Error)?.message ?? String(err) }, "market-data publish failed"),
  });
  const sourceKind = opts.source?.kind ?? settings.source;
  const recording = settings.record && sourceKind !== "replay";
  const tape = recording
    ? new TapeWriter({
        dir: settings.tapeDir,
        clock: ctx.clock,
        onBytesWritten: (bytes) => metrics.tapeBytes.inc(bytes),
        onError: (err) => ctx.logger.error({ err }, "trade tape write failed"),
      })
    : null;
  const archiver =
    tape && settings.tapeArchiveUrl
      ? new TapeArchiver({
          dir: settings.tapeDir,
          store: objectStoreFor(settings.tapeArchiveUrl),
          clock: ctx.clock,
          openChunks: () => tape.openChunkPaths(),
          keepLocalDays: settings.tapeKeepLocalDays,
          onArchived: (key, bytes) => ctx.logger.info({ key, bytes }, "tape chunk archived"),
          onError: (key, err) => ctx.logger.error({ key, err: (err as Error)?.message ?? String(err) }, "tape chunk could not be archived; retried on the next pass"),
        })
      : null;
  let cancelArchive: (() => void) | null = null;
  if (archiver) {
    const schedule = (): void => {
      cancelArchive = ctx.clock.setTimer(ARCHIVE_INTERVAL_MS, () => {
        void archiver.run().catch((err: unknown) => ctx.logger.error({ err }, "tape archive pass failed")).finally(schedule);
      });
    };
    schedule();
  }
  const klines = recording
    ? new KlineRecorder(
        ctx.db,
        (rows) => metrics.klinesUpserted.inc(rows),
        (err) => ctx.logger.warn({ err: (err as Error)?.message ?? String(err) }, "kline upsert failed; kept for the next attempt"),
      )
    : null;
  const listeners = opts.listeners ?? [];

  let history: SyntheticBackfill | null = null;
  if (historyPlan) {
    // The past goes out before the first live event, so consumers see the bars in time order. Each
    // batch is recorded and published before the next is generated: memory holds one batch.
    const startedMs = ctx.clock.nowMs();
    history = await runSyntheticBackfill(historyPlan, BACKFILL_BATCH, async (bars) => {
      const batch: MarketEvent[] = bars.map((payload) => ({ type: "market-kline", payload }));
      klines?.record(batch);
      await Promise.all([publisher.publish(batch), klines?.flush()]);
    });
    await publisher.flush();
    if (history.bars > 0) ctx.logger.info({ bars: history.bars, symbols: history.symbols, seconds: (ctx.clock.nowMs() - startedMs) / 1_000 }, "synthetic history filled in");
  }
  const source = opts.source ?? buildSource(ctx, settings, opts, metrics, history);
  metrics.sourceInfo.set({ source: source.kind }, 1);

  const listen = async (listener: MarketDataSink, batch: readonly MarketEvent[]): Promise<void> => {
    try {
      await listener(batch);
    } catch (err) {
      ctx.logger.error({ err }, "market-data listener failed");
    }
  };
  // The bus and the in-process listeners get each batch at the same time; the source waits for both.
  const sink: MarketDataSink = async (batch) => {
    tape?.record(batch);
    klines?.record(batch);
    await Promise.all([publisher.publish(batch), ...listeners.map((listener) => listen(listener, batch))]);
  };

  try {
    await source.start(sink);
  } catch (err) {
    await tape?.close();
    throw err;
  }
  ctx.logger.info({ source: source.kind, symbols: settings.symbols, recording, tapeDir: recording ? settings.tapeDir : undefined }, "market data started");
  if (source.kind === "replay") void source.finished.then(() => ctx.logger.info("market-data replay ended"));

  // One stopper, so that the order holds whatever order the runtime runs stoppers in.
  return [
    async () => {
      await source.stop();
      cancelArchive?.();
      await publisher.flush();
      await tape?.close();
      // Every chunk is closed now: ship what the last pass could not.
      if (archiver) await archiver.run().catch((err: unknown) => ctx.logger.error({ err }, "tape archive pass at stop failed"));
      await klines?.flush();
      metrics.sourceInfo.remove({ source: source.kind });
    },
  ];
}
