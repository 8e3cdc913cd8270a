// The scavenger service as the shared runtime runs it: its parameter versions (created on first start,
// applied without restarts), the market data reader feeding the strategy, the minute's recomputation
// on the injected clock, signals to the brain through the outbox, and its HTTP API.
import type { ServiceContext, ServiceDefinition, Stopper } from "../shared/runtime.js";
import { subscribe } from "../shared/bus.js";
import { streamOf } from "../shared/contracts/index.js";
import { onCommit } from "../shared/db/database.js";
import { OutcomeFeed, recordOutcome } from "./adapters/outcome-store.js";
import { ConfigListener } from "./adapters/config-listener.js";
import { ensureDefaultVersion, latestActivationSeq, loadActiveConfig } from "./adapters/config-store.js";
import { ACCOUNT_MESSAGE_TYPES, MARKET_MESSAGE_TYPES } from "./adapters/market-decode.js";
import { MarketDataReader } from "./adapters/market-data-reader.js";
import { scavengerMetrics } from "./adapters/metrics.js";
import { ScavengerEngine } from "./engine.js";
import { scavengerRoutes } from "./http/routes.js";

export interface ScavengerServiceOptions {
  /** Allocation to size signals with before the first equity snapshot; null (default) proposes nothing until then. */
  readonly fallbackAllocationUsd?: number | null;
  /** Entries of each slow stream replayed at start (klines, open interest, funding, tickers, account). */
  readonly warmupEntries?: number;
  /** How long one XREAD blocks (bounds how quickly a stop is noticed). */
  readonly readBlockMs?: number;
}

/** What one running instance holds; tests reach it through `scavengerInstances`. */
export interface ScavengerInstance {
  readonly engine: ScavengerEngine;
  readonly reader: MarketDataReader;
  readonly listener: ConfigListener;
  /** Re-reads the active version and applies it if another instance changed it. */
  refreshConfig(): Promise<boolean>;
}

/** Instances by context, so readiness, routes and start (called separately by the runtime) share one. */
export const scavengerInstances = new WeakMap<ServiceContext<"scavenger">, ScavengerInstance>();

const TRADE_STREAM = streamOf("market-trade");

export function createScavengerService(options: ScavengerServiceOptions = {}): ServiceDefinition<"scavenger"> {
  const instanceFor = (ctx: ServiceContext<"scavenger">): ScavengerInstance => {
    const existing = scavengerInstances.get(ctx);
    if (existing) return existing;
    const engine = new ScavengerEngine({
      db: ctx.db,
      clock: ctx.clock,
      metrics: scavengerMetrics(ctx.metrics),
      logger: ctx.logger,
      instanceId: ctx.instanceId,
      fallbackAllocationUsd: options.fallbackAllocationUsd ?? null,
    });
    const streams = [...new Set([...MARKET_MESSAGE_TYPES, ...ACCOUNT_MESSAGE_TYPES].map(streamOf))];
    const reader = new MarketDataReader({
      redis: ctx.redis,
      liveStreams: [TRADE_STREAM],
      warmupStreams: streams.filter((s) => s !== TRADE_STREAM),
      warmupEntries: options.warmupEntries ?? 20_000,
      handle: (batches) => engine.handleBatches(batches),
      // Levels from the replayed bars at once, rather than at the next minute.
      onWarmedUp: () => engine.recompute(),
      clock: ctx.clock,
      logger: ctx.logger,
      blockMs: options.readBlockMs ?? 1_000,
    });
    let refreshing: Promise<boolean> | null = null;
    const refreshConfig = (): Promise<boolean> => {
      // One reload at a time; a burst of notifications collapses into it.
      refreshing ??= (async () => {
        try {
          const applied = engine.applied;
          if (applied && (await latestActivationSeq(ctx.db)) <= applied.activationSeq) return false;
          const active = await loadActiveConfig(ctx.db);
          return active !== null && engine.applyConfig(active);
        } catch (err) {
          ctx.logger.warn({ err: (err as Error).message }, "could not reload the active parameter version");
          return false;
        } finally {
          refreshing = null;
        }
      })();
      return refreshing;
    };
    const listener = new ConfigListener(ctx.db, () => void refreshConfig(), ctx.logger);
    const instance = { engine, reader, listener, refreshConfig };
    scavengerInstances.set(ctx, instance);
    return instance;
  };

  return {
    service: "scavenger",
    readiness: (ctx) => ({
      parameters: async () => instanceFor(ctx).engine.applied !== null,
      // Levels need the replayed bars: until the warm-up is done the traps would be wrong, not just late.
      "market-data": async () => instanceFor(ctx).reader.phase === "live",
    }),
    routes: async (app, ctx) => {
      const { engine, reader, listener } = instanceFor(ctx);
      await app.register(scavengerRoutes, {
        db: ctx.db,
        clock: ctx.clock,
        engine,
        instanceId: ctx.instanceId,
        reader: () => ({ phase: reader.phase, entriesRead: reader.entriesRead }),
        listening: () => listener.listening,
      });
    },
    start: async (ctx) => {
      const instance = instanceFor(ctx);
      const { engine, reader, listener } = instance;
      if (await ensureDefaultVersion(ctx.db, ctx.clock)) ctx.logger.info("created parameter version 1 (domain.md defaults)");
      await instance.refreshConfig();
      // Win rates and today's losses from every closed trade so far, before the first signal can fire.
      const outcomes = new OutcomeFeed(ctx.db, (outcome) => engine.strategy.recordTradeOutcome(outcome));
      const replayed = await outcomes.refresh();
      if (replayed > 0) ctx.logger.info({ outcomes: replayed }, "closed trades replayed into the strategy");
      const refreshOutcomes = () => void outcomes.refresh().catch((err: unknown) => ctx.logger.warn({ err: (err as Error).message }, "could not read new trade outcomes"));
      await listener.start();
      reader.start();
      const stopOutcomes = subscribe(ctx, {
        types: ["trade-closed"],
        handler: async (envelope, tx) => {
          if (envelope.type !== "trade-closed") return;
          const allocationUsd = engine.allocationUsd();
          if (allocationUsd === null) throw new Error("no allocation known yet to measure the closed trade against; retried");
          const outcome = await recordOutcome(tx, envelope.payload, allocationUsd);
          if (outcome) onCommit(tx, refreshOutcomes);
        },
      });

      // The minute's work on the injected clock: re-arm traps, then catch up on configuration.
      let cancelTimer: (() => void) | null = null;
      let running = true;
      const schedule = (): void => {
        cancelTimer = ctx.clock.setTimer(engine.strategy.parameters.universe.recomputeIntervalMs, () => {
          if (!running) return;
          try {
            engine.recompute();
          } catch (err) {
            ctx.logger.error({ err }, "recomputation failed");
          }
          void listener.ensure();
          void instance.refreshConfig();
          refreshOutcomes(); // outcomes another instance consumed
          schedule();
        });
      };
      schedule();

      // The runtime stops workers last-first: the timer goes before the reader, the reader before the listener.
      const stoppers: Stopper[] = [
        () => listener.stop(),
        stopOutcomes,
        () => reader.stop(),
        async () => {
          running = false;
          cancelTimer?.();
        },
      ];
      return stoppers;
    },
  };
}

export const scavengerService: ServiceDefinition<"scavenger"> = createScavengerService();
