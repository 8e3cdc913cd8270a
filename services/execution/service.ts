// The execution service as the shared runtime runs it: the only exchange client. Order commands in,
// orders out through one venue (paper or Bybit via ccxt), the shadow state from execution reports,
// reconciliation, the trading state it enforces, and the emergency controls (bus and HTTP).
import { startMarketData } from "./market-data/index.js";
import type { ServiceContext, ServiceDefinition, Stopper } from "../shared/runtime.js";
import { loadExecutionSettings, type ExecutionSettings } from "./config.js";
import { executionRoutes } from "./adapters/routes.js";
import { startExecution, type ExecutionParts } from "./adapters/wiring.js";
import type { PaperMarketEvent } from "./venues/paper/paper-venue.js";
import type { Venue } from "./venues/venue.js";

/** Starts a market-data source feeding `sink`; returns its stop functions. */
export type MarketDataStarter = (ctx: ServiceContext<"execution">, sink: (batch: readonly PaperMarketEvent[]) => Promise<void>) => Promise<Stopper[]>;

export interface ExecutionServiceOptions {
  /** Where settings come from (defaults to the process environment). */
  readonly env?: NodeJS.ProcessEnv;
  /** A venue made elsewhere (tests); otherwise the one TITAN_EXECUTION_VENUE names. */
  readonly venue?: () => Venue;
  /** The market-data source to start; see MARKET DATA below. */
  readonly marketData?: MarketDataStarter | null;
  /** Hands the running parts to a test. */
  readonly onStarted?: (parts: ExecutionParts) => void;
}

// Market data: each batch goes to the bus and, in process, to `sink`, which updates prices and velocity
// for the order-type choice and, on the paper venue, is what resting orders fill against.
const startMarketDataFeed: MarketDataStarter = (ctx, sink) => startMarketData(ctx, { listeners: [sink] });

export function createExecutionService(options: ExecutionServiceOptions = {}): ServiceDefinition<"execution"> {
  let settings: ExecutionSettings | null = null;
  let parts: ExecutionParts | null = null;
  const loadSettings = (): ExecutionSettings => (settings ??= loadExecutionSettings(options.env ?? process.env));
  const running = (): ExecutionParts => {
    if (!parts) throw new Error("execution is still starting");
    return parts;
  };

  return {
    service: "execution",
    readiness: () => ({
      venue: async () => parts !== null && !parts.keeper.has("dependency-unavailable", "venue"),
    }),
    // Settings load before the server listens, so a bad variable stops the start with every problem named.
    routes: async (app) => {
      loadSettings();
      await executionRoutes(app, running);
    },
    start: async (ctx) => {
      const started = await startExecution(ctx, loadSettings(), options.venue ? { venue: options.venue() } : {});
      parts = started.parts;
      const stoppers = [...started.stoppers];
      // `null` runs without a feed: tests that drive prices themselves.
      const feed = options.marketData === undefined ? startMarketDataFeed : options.marketData;
      if (feed) stoppers.push(...(await feed(ctx, started.parts.marketData)));
      options.onStarted?.(started.parts);
      return [
        async () => {
          for (const stop of stoppers.reverse()) await stop().catch((err: unknown) => ctx.logger.warn({ err }, "stopping execution failed"));
          parts = null;
        },
      ];
    },
  };
}

export const executionService: ServiceDefinition<"execution"> = createExecutionService();
