// Starts the MEXC spot simulator on a port: the core, its HTTP face, and the loopback-only admin routes
// tests and staging drive it with (prices, balances, faults, state).

import type { FastifyInstance } from "fastify";
import { systemClock, type Clock } from "../../services/shared/clock.js";
import type { EngineConfig } from "../../services/execution/domain/matching/index.js";
import { FaultPlan, type FaultSpec } from "../sim-common/faults.js";
import type { ApiCredential } from "../sim-common/hmac.js";
import { DEFAULT_CREDENTIAL, MexcSimulatorCore } from "./core.js";
import { buildMexcHttpApp } from "./http-app.js";
import type { MexcSpotInstrument } from "./instruments.js";
import { orderJson, type Json } from "./mexc-json.js";

export interface MexcSimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly seed?: number;
  readonly clock?: Clock;
  readonly instruments?: readonly MexcSpotInstrument[];
  readonly credentials?: readonly ApiCredential[];
  /** Starting balances by asset (USDT 100,000 when absent). */
  readonly balances?: Readonly<Record<string, number>>;
  readonly engineConfig?: Partial<EngineConfig>;
  readonly duplicateCheck?: boolean;
  /** Check request timestamps against the clock (default true; off for a manual clock). */
  readonly verifyTimestamps?: boolean;
}

type Omitted<T> = Omit<FaultSpec, "kind"> & T;

export interface MexcSimulator {
  /** REST base URL, e.g. http://127.0.0.1:41234 (spot v3 under /api/v3). */
  readonly url: string;
  readonly port: number;
  readonly credential: ApiCredential;
  readonly core: MexcSimulatorCore;
  readonly faults: FaultPlan;
  /** Everything the exchange holds, as JSON (also GET /__sim/state). */
  state(): Json;
  reset(): void;
  /** Prints a trade at `priceUsd`: resting orders it reaches fill, the touch moves around it. */
  setPrice(symbol: string, priceUsd: number, qty?: number, takerSide?: "buy" | "sell"): void;
  /** The asset's balance becomes `amount` (a deposit, a withdrawal, a trade made elsewhere). */
  setBalance(asset: string, amount: number): void;
  readonly inject: {
    rateLimit(options?: Omitted<object>): void;
    timeout(options?: Omitted<object>): void;
    hang(options?: Omitted<object>): void;
    responseLost(options?: Omitted<object>): void;
    duplicateCheck(enabled: boolean): void;
    clear(): void;
  };
  /** What to put into a ccxt mexc instance: `exchange.urls.api = { ...exchange.urls.api, ...sim.ccxtApiUrls() }`. */
  ccxtApiUrls(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startMexcSimulator(options: MexcSimulatorOptions = {}): Promise<MexcSimulator> {
  const core = new MexcSimulatorCore({
    seed: options.seed ?? 1,
    clock: options.clock ?? systemClock,
    ...(options.instruments ? { instruments: options.instruments } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.balances ? { balances: options.balances } : {}),
    ...(options.engineConfig ? { engineConfig: options.engineConfig } : {}),
  });
  core.duplicateCheck.enabled = options.duplicateCheck ?? true;
  const faults = new FaultPlan();

  const state = (): Json => ({
    nowMs: core.nowMs(),
    balances: core.balances(),
    markets: core.engine.markets,
    orders: [...core.orders.values()].map((r) => orderJson(r, core.instrument(r.order.symbol))),
    trades: core.trades.map((t) => ({ id: t.id, orderId: t.orderId, clientOrderId: t.clientOrderId, symbol: t.fill.symbol, side: t.fill.side, qty: t.fill.qty, priceUsd: t.fill.priceUsd, feeUsd: t.fill.feeUsd, tsMs: t.fill.tsMs })),
    faults: faults.pending(),
    firedFaults: faults.fired,
    duplicateCheck: core.duplicateCheck.enabled,
  });
  const setPrice = (symbol: string, priceUsd: number, qty?: number, takerSide?: "buy" | "sell") => {
    if (!(priceUsd > 0)) throw new RangeError("priceUsd must be positive");
    core.printTrade(symbol, priceUsd, qty, takerSide);
  };
  const setBalance = (asset: string, amount: number) => {
    if (!(amount >= 0)) throw new RangeError("amount must not be negative");
    core.setBalance(asset, amount);
  };

  const registerAdmin = (app: FastifyInstance): void => {
    app.addHook("onRequest", async (request, reply) => {
      if (request.url.startsWith("/__sim/") && !["127.0.0.1", "::1", "::ffff:127.0.0.1"].includes(request.ip)) await reply.code(403).send({ error: "admin routes are loopback-only" });
    });
    const body = (request: { body: unknown }) => (typeof request.body === "string" && request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {});
    const guarded = (fn: (b: Record<string, unknown>) => unknown) => async (request: { body: unknown }, reply: { code(n: number): { send(b: unknown): unknown } }) => {
      try {
        return reply.code(200).send(fn(body(request)) ?? { ok: true });
      } catch (err) {
        return reply.code(400).send({ error: (err as Error).message });
      }
    };
    app.get("/__sim/state", async () => state());
    app.post("/__sim/price", guarded((b) => setPrice(String(b.symbol), Number(b.priceUsd), b.qty === undefined ? undefined : Number(b.qty), b.takerSide as "buy" | "sell" | undefined)));
    app.post("/__sim/balance", guarded((b) => setBalance(String(b.asset), Number(b.amount))));
    app.post("/__sim/faults", guarded((b) => faults.add(b as unknown as FaultSpec)));
    app.post("/__sim/reset", guarded(() => (core.reset(), faults.clear())));
  };

  const app = await buildMexcHttpApp({ core, faults, registerAdmin, ...(options.verifyTimestamps === undefined ? {} : { verifyTimestamps: options.verifyTimestamps }) });
  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 0);
  const url = `http://${host}:${port}`;

  return {
    url,
    port,
    credential: options.credentials?.[0] ?? DEFAULT_CREDENTIAL,
    core,
    faults,
    state,
    reset: () => {
      core.reset();
      faults.clear();
    },
    setPrice,
    setBalance,
    inject: {
      rateLimit: (o = {}) => faults.add({ ...o, kind: "rate-limit" }),
      timeout: (o = {}) => faults.add({ ...o, kind: "timeout" }),
      hang: (o = {}) => faults.add({ ...o, kind: "hang" }),
      responseLost: (o = {}) => faults.add({ ...o, kind: "response-lost" }),
      duplicateCheck: (enabled) => {
        core.duplicateCheck.enabled = enabled;
      },
      clear: () => faults.clear(),
    },
    ccxtApiUrls: () => ({ spot: { public: url, private: url }, contract: { public: `${url}/api/v1/contract`, private: `${url}/api/v1/private` } }),
    stop: async () => {
      await app.close();
    },
  };
}
