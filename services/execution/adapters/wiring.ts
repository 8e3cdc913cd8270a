// Builds execution's parts from the shared runtime's context and starts them in order: trading state,
// venue and its streams, shadow state, order manager, watchdog, reconciliation (one cycle before the
// service takes commands), then the bus consumers. Stops them in reverse.

import { ORDER_TYPES } from "../../shared/contracts/index.js";
import type { Logger } from "pino";
import { subscribe } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import type { ServiceContext, Stopper } from "../../shared/runtime.js";
import type { ExecutionSettings } from "../config.js";
import type { ReportVenue } from "../domain/reports.js";
import { BybitVenue } from "../venues/bybit/bybit-venue.js";
import { MexcVenue } from "../venues/mexc/mexc-venue.js";
import { createMarketDataPublisher } from "../market-data/publisher.js";
import { upsertKlines } from "../market-data/kline-store.js";
import { SpotPoller } from "../market-data/live/spot-poller.js";
import { PAPER_INSTRUMENTS, PaperVenue, type PaperMarketEvent } from "../venues/paper/paper-venue.js";
import type { Venue } from "../venues/venue.js";
import { ApiKeyKeeper } from "./api-key-keeper.js";
import { Controls } from "./controls.js";
import { EquityReporter } from "./equity-reporter.js";
import { executionMetrics, type ExecutionMetrics } from "./execution-metrics.js";
import { InstrumentBook } from "./instrument-book.js";
import { MarketPrices } from "./market-prices.js";
import { OrderManager } from "./order-manager.js";
import { Reconciler } from "./reconciler.js";
import { RequestPacer } from "./request-pacer.js";
import { ShadowBook } from "./shadow-book.js";
import { PaperBooksTable } from "./paper-books-store.js";
import { TradingStateKeeper } from "./trading-state-keeper.js";
import { VenueSync } from "./venue-sync.js";
import { Watchdog } from "./watchdog.js";

/** Order commands recorded per transaction when a read brings several (one COMMIT and one XACK for the lot). */
export const EXECUTION_INTAKE_BATCH = 20;

export interface ExecutionParts {
  readonly settings: ExecutionSettings;
  readonly clock: Clock;
  readonly db: Database;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly venueName: ReportVenue;
  readonly venue: Venue;
  readonly instruments: InstrumentBook;
  readonly prices: MarketPrices;
  readonly keeper: TradingStateKeeper;
  readonly shadow: ShadowBook;
  readonly sync: VenueSync;
  readonly orders: OrderManager;
  readonly reconciler: Reconciler;
  readonly controls: Controls;
  readonly watchdog: Watchdog;
  readonly equity: EquityReporter;
  /** The spot venue (MEXC) when TITAN_SPOT_VENUE names one: its data is published, its order client started. */
  readonly spotVenue: MexcVenue | null;
  /** Where the market-data module hands its event batches (prices, velocity, and the paper venue's fills). */
  readonly marketData: (batch: readonly PaperMarketEvent[]) => Promise<void>;
}

export interface WiringOptions {
  /** A venue made elsewhere (tests); otherwise the one the settings name. */
  readonly venue?: Venue;
}

/**
 * The spot venue and its market data: MEXC's tickers and klines polled and published like the
 * perpetuals' (bus, klines table). Spot orders have no producer in Titan yet (order commands name
 * perpetuals), so the venue's polled reports are only logged until a command path routes spot symbols.
 */
async function startSpot(ctx: ServiceContext<"execution">, settings: ExecutionSettings, metrics: ExecutionMetrics, stoppers: Stopper[]): Promise<MexcVenue | null> {
  const spot = settings.spot;
  if (!spot) return null;
  const { logger, clock } = ctx;
  const venue = new MexcVenue({ ...spot, clock, logger, onVenueError: (code) => metrics.venueErrorsTotal.inc({ code }) });
  await venue.start({
    onOrders: (orders) => logger.info({ orders: orders.map((o) => [o.clientOrderId, o.status]) }, "MEXC spot order reports"),
    onFills: (fills) => logger.info({ fills: fills.map((f) => [f.clientOrderId, f.side, f.qty, f.priceUsd]) }, "MEXC spot fills"),
    onStreamState: () => undefined,
  });
  stoppers.push(() => venue.stop());
  const publisher = createMarketDataPublisher({ redis: ctx.redis, clock, source: "execution", metrics: ctx.metrics, onError: (err) => logger.debug({ err: (err as Error)?.message }, "spot market-data publish failed") });
  const symbols = venue.instruments().map((i) => i.symbol);
  if (symbols.length === 0) return venue;
  const poller = new SpotPoller({
    client: venue,
    symbols,
    clock,
    intervalMs: spot.pollIntervalMs,
    klineIntervals: ["1m", "1h"],
    sink: async (batch) => {
      const klines = batch.flatMap((e) => (e.type === "market-kline" ? [e.payload] : []));
      await Promise.all([publisher.publish(batch), klines.length > 0 ? upsertKlines(ctx.db, klines).catch((err: unknown) => logger.warn({ err: (err as Error).message }, "spot kline upsert failed")) : undefined]);
    },
    onError: (what, err) => logger.warn({ what, err: (err as Error)?.message ?? String(err) }, "spot market data poll failed"),
  });
  poller.start();
  stoppers.push(async () => {
    await poller.stop();
    await publisher.flush();
  });
  logger.info({ venue: spot.venue, symbols }, "spot market data started");
  return venue;
}

function makeVenue(ctx: ServiceContext<"execution">, settings: ExecutionSettings, db: Database, metrics: ExecutionMetrics, pacer: RequestPacer): Venue {
  if (settings.venue === "bybit" && settings.bybit) {
    const { credentialFiles: _files, credentialsCheckIntervalMs: _interval, ...bybit } = settings.bybit;
    return new BybitVenue({ ...bybit, clock: ctx.clock, logger: ctx.logger, metrics, pacer });
  }
  return new PaperVenue({
    instruments: PAPER_INSTRUMENTS,
    walletBalanceUsd: settings.paperBalanceUsd,
    clock: ctx.clock,
    store: new PaperBooksTable(db, ctx.clock),
  });
}

export async function startExecution(ctx: ServiceContext<"execution">, settings: ExecutionSettings, options: WiringOptions = {}): Promise<{ parts: ExecutionParts; stoppers: Stopper[] }> {
  const { clock, logger } = ctx;
  const db = ctx.db;
  const hooked: ServiceContext<"execution"> = { ...ctx, db, instanceId: settings.consumerName };
  const metrics = executionMetrics(ctx.metrics);
  const pacer = new RequestPacer(settings.pacer, clock, metrics.rateLimitUseRatio);
  const venue = options.venue ?? makeVenue(ctx, settings, db, metrics, pacer);
  const venueName: ReportVenue = venue.name;
  // Zero series for the venue in use, so the order KPIs and latency panels read 0 before the first order.
  for (const type of ORDER_TYPES) for (const outcome of ["accepted", "refused", "rejected", "cancelled"]) metrics.ordersTotal.inc({ venue: venueName, type, outcome }, 0);
  metrics.commandToAckSeconds.zero({ venue: venueName });
  metrics.commandToFillSeconds.zero({ venue: venueName });
  metrics.tradesClosedTotal.inc({ venue: venueName }, 0);
  for (const source of ["stream", "poll"]) metrics.fillsTotal.inc({ source }, 0);
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const s of [...stoppers].reverse()) await s().catch((err: unknown) => logger.warn({ err }, "stopping an execution part failed"));
  };

  try {
    const keeper = new TradingStateKeeper({ db, clock, logger, metrics });
    await keeper.load();
    const instruments = new InstrumentBook();
    const shadow = new ShadowBook({ db, clock, logger, metrics, venue: venueName, instruments });
    await shadow.load();
    const prices = new MarketPrices(clock, venue);
    let reconciler: Reconciler | null = null;
    const watchdog = new Watchdog({
      clock,
      logger,
      keeper,
      deadmanTimeoutMs: settings.deadmanTimeoutMs,
      venueFailuresBeforeReducing: settings.venueFailuresBeforeReducing,
      pingPostgres: () => ctx.db.ping(),
      pingRedis: async () => ctx.redis.status === "ready" && (await ctx.redis.ping().catch(() => "")) === "PONG",
      requestReconciliation: () => void reconciler?.runNow().catch(() => undefined),
      ...(settings.deadmanFlatten ? { onDeadman: () => void controls.begin("flatten", controls.newRunId(), null, { principal: { kind: "system", id: "dead-man" }, actor: { kind: "system", id: "dead-man", name: "dead-man switch" } }, "the brain's heartbeat is missing") } : {}),
    });
    const sync = new VenueSync({ db, clock, logger, venue, shadow, health: watchdog });

    await venue.start(sync);
    stoppers.push(() => venue.stop());
    const spotVenue = await startSpot(ctx, settings, metrics, stoppers);
    instruments.replace(venue.instruments());
    if (venue instanceof BybitVenue && settings.bybit) {
      const keeper = new ApiKeyKeeper({
        venue,
        venueName,
        initial: { apiKey: settings.bybit.apiKey, secret: settings.bybit.secret },
        files: settings.bybit.credentialFiles,
        clock,
        logger,
        metrics,
        intervalMs: settings.bybit.credentialsCheckIntervalMs,
      });
      await keeper.start();
      stoppers.push(() => keeper.stop());
    }

    const equity = new EquityReporter(db, clock, venueName);
    const orders = new OrderManager({ db, clock, logger, metrics, venue, venueName, instruments, prices, keeper, shadow, policy: settings.preTrade, health: watchdog });
    const controls: Controls = new Controls({ db, clock, logger, metrics, venue, instruments, keeper, orders, sync, equity, flattenTimeoutMs: settings.flattenTimeoutMs });
    reconciler = new Reconciler({
      db,
      clock,
      logger,
      metrics,
      venue,
      venueName,
      instruments,
      shadow,
      sync,
      keeper,
      equity,
      health: watchdog,
      intervalMs: settings.reconcileIntervalMs,
      haltAfterCycles: settings.mismatchHaltCycles,
    });

    sync.start();
    stoppers.push(() => sync.stop());
    await reconciler.start();
    stoppers.push(() => reconciler!.stop());
    await orders.start();
    stoppers.push(() => orders.stop());
    watchdog.start();
    stoppers.push(() => watchdog.stop());
    await controls.resumeUnfinished();

    // Commands on their own consumer: a slow venue never holds up emergency controls or heartbeats.
    stoppers.push(
      subscribe(hooked, {
        types: ["order-command"],
        // Intake only records the command and plans it (effects in the transaction, the submit after
        // commit): a burst of commands shares one transaction.
        transactionBatch: EXECUTION_INTAKE_BATCH,
        handler: async (envelope, tx) => {
          if (envelope.type === "order-command") await orders.handleCommand(envelope, tx);
        },
      }),
    );
    stoppers.push(
      subscribe(hooked, {
        types: ["control-command", "trading-state", "heartbeat"],
        handler: async (envelope, tx) => {
          if (envelope.type === "control-command") await controls.handleCommand(envelope.payload, tx);
          else if (envelope.type === "trading-state") await keeper.onBrainState(envelope.payload, tx);
          // A heartbeat counts only from the service it names: another sender cannot keep the dead-man switch quiet.
          else if (envelope.type === "heartbeat" && envelope.payload.service === envelope.source) await watchdog.onHeartbeat(envelope.payload, tx);
        },
      }),
    );

    const paper = venue instanceof PaperVenue ? venue : null;
    const parts: ExecutionParts = {
      settings,
      clock,
      db,
      logger,
      metrics,
      venueName,
      venue,
      instruments,
      prices,
      keeper,
      shadow,
      sync,
      orders,
      reconciler,
      controls,
      watchdog,
      equity,
      spotVenue,
      marketData: async (batch) => {
        prices.onEvents(batch);
        if (paper) await paper.feed(batch);
      },
    };
    return { parts, stoppers };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
