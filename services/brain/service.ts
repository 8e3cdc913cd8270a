// The brain service as the shared runtime runs it: it restores its state from PostgreSQL, serves its
// API, decides signals, follows execution's account and market data, runs the breaker and the
// treasury rule, and beats its heartbeat. Every decision and every message it causes leaves through the
// outbox in the transaction of the change that caused it. Its dependency watch holds a fail-closed cause
// while PostgreSQL or Redis is gone, which its metrics, heartbeat, API and signal approval all take in.
import { subscribe } from "../shared/bus.js";
import type { Env } from "../shared/config/index.js";
import type { ServiceContext, ServiceDefinition, Stopper } from "../shared/runtime.js";
import { Brain } from "./adapters/brain.js";
import { brainDependencyWatch, type DependencyWatch, type DependencyWatchTiming } from "./adapters/dependency-watch.js";
import { startHeartbeat } from "./adapters/heartbeat.js";
import { startHousekeeping } from "./adapters/housekeeping.js";
import { MarketDataFeed } from "./adapters/market-data.js";
import { PORTFOLIO_MESSAGE_TYPES, handlePortfolioMessage, isPortfolioMessageOfUse } from "./adapters/portfolio-handler.js";
import { decideSignal } from "./adapters/signal-handler.js";
import { loadBrainSettings } from "./config.js";
import { brainRoutes } from "./http/routes.js";
import { onStart } from "./state/transitions.js";

/**
 * Messages decided per transaction when a read brings several: one COMMIT and one XACK for the lot.
 * Larger batches raise throughput and the latency of a batch's first message alike; measured with
 * `npm run bench` (issue 11 note).
 */
export const BRAIN_TRANSACTION_BATCH = 20;

export interface BrainServiceOptions {
  /** Where the brain's own variables (TITAN_BRAIN_*) are read; the process environment by default. */
  readonly env?: Env;
  /** The dependency watch's timing and policy; the defaults (DEFAULT_DEPENDENCY_WATCH_TIMING) otherwise. */
  readonly dependencyWatch?: Partial<DependencyWatchTiming>;
}

interface Instance {
  readonly brain: Brain;
  readonly watch: DependencyWatch;
  readonly stopWatch: Stopper;
}

export function createBrainService(options: BrainServiceOptions = {}): ServiceDefinition<"brain"> {
  // One Brain per running instance: the same definition may be run (and restarted) several times in a test.
  const instances = new WeakMap<ServiceContext<"brain">, Instance>();
  const instanceOf = (ctx: ServiceContext<"brain">): Instance => {
    let instance = instances.get(ctx);
    if (instance === undefined) {
      const brain = new Brain(ctx, loadBrainSettings(options.env ?? process.env));
      const { watch, stop } = brainDependencyWatch(brain, ctx.redis, options.dependencyWatch);
      brain.metrics.holdCausesFrom(watch.causes);
      instance = { brain, watch, stopWatch: stop };
      instances.set(ctx, instance);
    }
    return instance;
  };
  const brainOf = (ctx: ServiceContext<"brain">): Brain => instanceOf(ctx).brain;

  return {
    service: "brain",
    readiness: (ctx) => {
      const brain = brainOf(ctx);
      return { "brain-state": async () => brain.isLoaded };
    },
    routes: async (app, ctx) => {
      const brain = brainOf(ctx);
      await brain.init();
      await brainRoutes(app, brain, instanceOf(ctx).watch.causes);
    },
    start: async (ctx) => {
      const { brain, watch, stopWatch } = instanceOf(ctx);
      // Watching first: an outage during the steps below already shows.
      watch.start();
      try {
        // Time passed while the brain was down: let the clock act, then announce the restored state.
        await brain.tickIfDue();
        await brain.changeAlone((state, c) => onStart(state, c));
      } catch (err) {
        await stopWatch();
        throw err;
      }
      const feed = new MarketDataFeed(brain, ctx.redis);
      feed.start();
      const stoppers: Stopper[] = [
        stopWatch,
        () => feed.stop(),
        // Both handlers keep every effect in the transaction and its after-commit hooks: batches are safe.
        subscribe(ctx, {
          types: ["signal"],
          transactionBatch: BRAIN_TRANSACTION_BATCH,
          handler: (envelope, tx) => (envelope.type === "signal" ? decideSignal(brain, envelope, tx, watch.causes()) : Promise.resolve()),
        }),
        subscribe(ctx, {
          types: PORTFOLIO_MESSAGE_TYPES,
          accepts: isPortfolioMessageOfUse,
          transactionBatch: BRAIN_TRANSACTION_BATCH,
          handler: (envelope, tx) => handlePortfolioMessage(brain, envelope, tx),
        }),
        startHousekeeping(brain, brain.settings),
        startHeartbeat(brain, ctx.redis, ctx.instanceId, brain.settings.heartbeatIntervalMs, watch.causes),
      ];
      return stoppers;
    },
  };
}

export const brainService: ServiceDefinition<"brain"> = createBrainService();
