// startBybitSimulator: the simulated Bybit v5 exchange on one loopback port (REST, private and public
// WebSocket, /__sim admin API), with the handles tests use to drive prices and inject faults.

import { setTimeout as sleep } from "node:timers/promises";
import { systemClock, type Clock } from "../../services/shared/clock.js";
import type { EngineConfig } from "../../services/execution/domain/matching/index.js";
import { registerAdminRoutes, type AdminActions } from "./admin-routes.js";
import { executionJson, orderJson, positionJson, walletJson, type JsonObject } from "./bybit-json.js";
import { BybitSimulatorCore, DEFAULT_CREDENTIAL, type DuplicateOrderLinkIdCode } from "./core.js";
import { FaultPlan, type FaultSpec } from "./faults.js";
import { buildHttpApp } from "./http-app.js";
import type { SimInstrument } from "./instruments.js";
import { RandomWalkFeed } from "./price-feed.js";
import { BYBIT_RATE_LIMITS, RateLimiter, type RateLimits } from "./rate-limit.js";
import type { ApiCredential } from "./signature.js";
import { PRIVATE_WS_PATH, PUBLIC_WS_PATH, SimulatorStreams, type StreamKind } from "./websocket.js";

export interface BybitSimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly seed?: number;
  readonly clock?: Clock;
  readonly instruments?: readonly SimInstrument[];
  readonly credentials?: readonly ApiCredential[];
  readonly initialBalanceUsd?: number;
  readonly engineConfig?: Partial<EngineConfig>;
  readonly depthNotionalUsd?: number;
  /** Random-walk feed period; 0 (default) leaves prices to setPrice and the admin API. */
  readonly feedIntervalMs?: number;
  readonly volatilityPerTick?: number;
  /** Bybit's published limits by default; false switches the limiter off. */
  readonly rateLimits?: RateLimits | false;
  readonly duplicateCheck?: boolean;
  readonly duplicateOrderLinkIdCode?: DuplicateOrderLinkIdCode;
  /**
   * Refuse requests stamped outside Bybit's recv window of the simulator's clock (default true). Turn off
   * when driving the simulator with a ManualClock: clients stamp requests with their wall clock.
   */
  readonly verifyTimestamps?: boolean;
}

type Omitted<T> = Omit<FaultSpec, "kind"> & T;

export interface BybitSimulator {
  /** REST base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** WebSocket base URL; the streams are at `${wsUrl}/v5/private` and `${wsUrl}/v5/public/linear`. */
  readonly wsUrl: string;
  readonly privateWsUrl: string;
  readonly publicWsUrl: string;
  readonly port: number;
  /** The first configured credential (the default one unless `credentials` was given). */
  readonly credential: ApiCredential;
  readonly core: BybitSimulatorCore;
  readonly faults: FaultPlan;
  readonly feed: RandomWalkFeed;
  /** Everything the exchange holds, as JSON (also GET /__sim/state). */
  state(): JsonObject;
  /** Back to the starting book (no orders, positions or faults) without touching connections. */
  reset(): void;
  setPrice(symbol: string, priceUsd: number, qty?: number, takerSide?: "buy" | "sell"): void;
  setPosition(symbol: string, side: "long" | "short" | "flat", qty: number, entryPriceUsd: number | null, options?: { notify?: boolean }): void;
  readonly inject: {
    rateLimit(options?: Omitted<object>): void;
    timeout(options?: Omitted<object>): void;
    hang(options?: Omitted<object>): void;
    responseLost(options?: Omitted<object>): void;
    clear(): void;
    dropWebSockets(which?: StreamKind): number;
    restart(options?: { resetState?: boolean; downtimeMs?: number }): Promise<void>;
    duplicateCheck(enabled: boolean, retCode?: DuplicateOrderLinkIdCode): void;
  };
  /** URLs to put into a ccxt bybit instance: `Object.assign(exchange.urls.api, sim.ccxtApiUrls())`. */
  ccxtApiUrls(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startBybitSimulator(options: BybitSimulatorOptions = {}): Promise<BybitSimulator> {
  const seed = options.seed ?? 1;
  const host = options.host ?? "127.0.0.1";
  const core = new BybitSimulatorCore({
    seed,
    clock: options.clock ?? systemClock,
    ...(options.instruments ? { instruments: options.instruments } : {}),
    credentials: options.credentials ?? [DEFAULT_CREDENTIAL],
    ...(options.initialBalanceUsd === undefined ? {} : { initialBalanceUsd: options.initialBalanceUsd }),
    ...(options.engineConfig ? { engineConfig: options.engineConfig } : {}),
    ...(options.depthNotionalUsd === undefined ? {} : { depthNotionalUsd: options.depthNotionalUsd }),
  });
  core.duplicateCheck.enabled = options.duplicateCheck ?? true;
  core.duplicateCheck.retCode = options.duplicateOrderLinkIdCode ?? 30001;
  const faults = new FaultPlan();
  const limiter = options.rateLimits === false ? null : new RateLimiter(options.rateLimits ?? BYBIT_RATE_LIMITS);
  const feed = new RandomWalkFeed(core, { seed, ...(options.volatilityPerTick === undefined ? {} : { volatilityPerTick: options.volatilityPerTick }) });
  let restarts = 0;
  let stopped = false;
  let streams: SimulatorStreams | null = null;
  let port = options.port ?? 0;

  const actions: AdminActions = {
    snapshot: () => snapshot(),
    setPrice(symbol, priceUsd, qty, takerSide) {
      if (!core.instruments.has(symbol)) throw new RangeError(`unknown symbol ${symbol}`);
      if (!(priceUsd > 0)) throw new RangeError("priceUsd must be positive");
      if (qty !== undefined && !(qty > 0)) throw new RangeError("qty must be positive");
      const result = core.printTrade(symbol, priceUsd, qty, takerSide);
      if (result.error) throw new RangeError(result.error.message);
    },
    setPosition(symbol, side, qty, entryPriceUsd, notify) {
      if (!core.instruments.has(symbol)) throw new RangeError(`unknown symbol ${symbol}`);
      const result = core.apply({ kind: "override-position", tsMs: core.nowMs(), symbol, side, qty, entryPriceUsd }, { notify });
      if (result.error) throw new RangeError(result.error.message);
    },
    adjustBalance(amountUsd) {
      const result = core.apply({ kind: "adjust-balance", tsMs: core.nowMs(), amountUsd });
      if (result.error) throw new RangeError(result.error.message);
    },
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    setDuplicateCheck(enabled, retCode) {
      core.duplicateCheck.enabled = enabled;
      if (retCode !== undefined) core.duplicateCheck.retCode = retCode;
    },
    dropStreams: (which) => streams?.drop(which) ?? 0,
    async restart({ resetState = false, downtimeMs = 0 }) {
      restarts += 1;
      streams?.drop("all");
      if (resetState) {
        core.reset();
        faults.clear();
      }
      if (downtimeMs > 0) {
        const closed = new Promise<void>((resolve) => app.server.close(() => resolve()));
        app.server.closeAllConnections();
        await closed;
        await sleep(downtimeMs); // real time: clients retry against a closed port meanwhile
        if (stopped) return;
        await new Promise<void>((resolve, reject) => {
          app.server.once("error", reject);
          app.server.listen(port, host, () => {
            app.server.off("error", reject);
            resolve();
          });
        });
      } else {
        app.server.closeAllConnections();
      }
    },
    setFeed(intervalMs) {
      if (intervalMs === 0) feed.stop();
      else feed.start(intervalMs);
    },
  };

  const app = buildHttpApp({
    core,
    faults,
    limiter,
    verifyTimestamps: options.verifyTimestamps ?? true,
    registerAdmin: (instance) => registerAdminRoutes(instance, actions),
  });
  await app.listen({ port, host });
  const address = app.server.address();
  port = typeof address === "object" && address ? address.port : port;
  streams = new SimulatorStreams(core, app.server);
  if (options.feedIntervalMs) feed.start(options.feedIntervalMs);

  const url = `http://${host}:${port}`;
  const wsUrl = `ws://${host}:${port}`;

  function snapshot(): JsonObject {
    const linkCounts: Record<string, number> = {};
    for (const record of core.orders.values()) if (record.orderLinkId) linkCounts[record.orderLinkId] = (linkCounts[record.orderLinkId] ?? 0) + 1;
    return {
      nowMs: core.nowMs(),
      seed,
      url,
      wallet: walletJson(core.engine),
      accounts: { ...core.transferLedger.balancesUsd },
      transfers: [...core.transferLedger.transfers.values()].map((t) => ({ ...t })),
      positions: Object.values(core.engine.positions).map((position) =>
        positionJson(position, core.instruments.get(position.symbol)!, { markPriceUsd: core.markPrice(position.symbol), seq: core.positionSeqOf(position.symbol) }),
      ),
      orders: [...core.orders.values()].map((record) => orderJson(record, core.spec(record.order.symbol))),
      executions: core.executions.map((record) => executionJson(record, core.spec(record.fill.symbol))),
      ordersPerOrderLinkId: linkCounts,
      markets: Object.fromEntries(
        Object.values(core.engine.markets).map((m) => [m.symbol, { lastPriceUsd: m.lastPriceUsd, bidPriceUsd: m.bidPriceUsd, askPriceUsd: m.askPriceUsd, tsMs: m.tsMs }]),
      ),
      faults: { pending: faults.pending().map((fault) => ({ ...fault })), fired: { ...faults.fired } },
      duplicateCheck: { ...core.duplicateCheck },
      streams: { ...(streams?.counts() ?? { private: 0, public: 0 }), connections: streams?.subscriptions() ?? [] },
      restarts,
      feedRunning: feed.running,
    };
  }

  const inject = (kind: FaultSpec["kind"]) => (spec: Omit<FaultSpec, "kind"> = {}) => faults.add({ ...spec, kind });

  return {
    url,
    wsUrl,
    privateWsUrl: `${wsUrl}${PRIVATE_WS_PATH}`,
    publicWsUrl: `${wsUrl}${PUBLIC_WS_PATH}`,
    port,
    credential: (options.credentials ?? [DEFAULT_CREDENTIAL])[0]!,
    core,
    faults,
    feed,
    state: snapshot,
    reset() {
      core.reset();
      faults.clear();
    },
    setPrice: actions.setPrice,
    setPosition: (symbol, side, qty, entryPriceUsd, opts = {}) => actions.setPosition(symbol, side, qty, entryPriceUsd, opts.notify ?? false),
    inject: {
      rateLimit: inject("rate-limit"),
      timeout: inject("timeout"),
      hang: inject("hang"),
      responseLost: inject("response-lost"),
      clear: actions.clearFaults,
      dropWebSockets: (which = "all") => actions.dropStreams(which),
      restart: (opts = {}) => actions.restart(opts),
      duplicateCheck: actions.setDuplicateCheck,
    },
    ccxtApiUrls: () => ({
      spot: url,
      futures: url,
      v2: url,
      public: url,
      private: url,
      ws: {
        public: { spot: `${wsUrl}/v5/public/spot`, inverse: `${wsUrl}/v5/public/inverse`, option: `${wsUrl}/v5/public/option`, linear: `${wsUrl}${PUBLIC_WS_PATH}` },
        private: {
          spot: { unified: `${wsUrl}${PRIVATE_WS_PATH}`, nonUnified: `${wsUrl}${PRIVATE_WS_PATH}` },
          contract: `${wsUrl}${PRIVATE_WS_PATH}`,
          usdc: `${wsUrl}${PRIVATE_WS_PATH}`,
          trade: `${wsUrl}/v5/trade`,
        },
      },
    }),
    async stop() {
      feed.stop();
      streams?.close();
      stopped = true;
      await app.close();
    },
  };
}
