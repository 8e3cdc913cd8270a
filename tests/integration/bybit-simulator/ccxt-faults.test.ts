// Every fault the simulator injects reaches ccxt as the exception class an adapter must handle, and
// leaves the exchange in the state the fault describes (an order recorded or not).

import ccxt from "ccxt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { admin, BTC, ccxtRest, signedRequest, type BybitRest } from "./clients.js";

let sim: BybitSimulator;
let bybit: BybitRest;

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 41, rateLimits: false });
  bybit = ccxtRest(sim, 1_000);
  await bybit.loadMarkets();
});
afterAll(async () => sim?.stop());
beforeEach(() => {
  sim.reset();
  sim.inject.duplicateCheck(true, 30001);
});

const ordersWithLinkId = (linkId: string) => (sim.state().ordersPerOrderLinkId as Record<string, number>)[linkId] ?? 0;
const place = (clientOrderId: string) => bybit.createOrder(BTC, "limit", "buy", 0.01, 59_000, { clientOrderId });

describe("injected faults as ccxt sees them", () => {
  it("rate limit: retCode 10006 → RateLimitExceeded, nothing recorded, the next call goes through", async () => {
    sim.inject.rateLimit({ path: "/v5/order/create" });
    await expect(place("rl-1")).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(ordersWithLinkId("rl-1")).toBe(0);
    await place("rl-1");
    expect(ordersWithLinkId("rl-1")).toBe(1);
    expect((sim.state().faults as { fired: Record<string, number> }).fired["rate-limit"]).toBe(1);
  });

  it("timeout: retCode 10016 → RequestTimeout, whether or not the order was carried out first", async () => {
    sim.inject.timeout({ path: "/v5/order/create" });
    await expect(place("to-1")).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect(ordersWithLinkId("to-1")).toBe(0);

    sim.inject.timeout({ path: "/v5/order/create", processed: true });
    await expect(place("to-2")).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    // The answer was a timeout but the order exists: the client must look it up by its id before retrying.
    const [found] = await bybit.fetchOpenOrders(BTC, undefined, undefined, { orderLinkId: "to-2" });
    expect(found).toMatchObject({ clientOrderId: "to-2", status: "open" });
  });

  it("hang: no answer at all → ccxt's own RequestTimeout after its timeout", async () => {
    sim.inject.hang({ path: "/v5/order/create", hangMs: 5_000 });
    const started = Date.now();
    await expect(place("hang-1")).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(ordersWithLinkId("hang-1")).toBe(0);
  });

  it("response lost: the order is recorded, the connection dies → NetworkError; a lookup by client id finds exactly one order", async () => {
    sim.inject.responseLost({ path: "/v5/order/create" });
    const error = await place("lost-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.NetworkError);
    expect(error).not.toBeInstanceOf(ccxt.ExchangeError);
    const found = await bybit.fetchOpenOrders(BTC, undefined, undefined, { orderLinkId: "lost-1" });
    expect(found.map((o) => o.clientOrderId)).toEqual(["lost-1"]);
    // A blind retry with the same client id is refused, so the lost answer cannot double the order.
    await expect(place("lost-1")).rejects.toBeInstanceOf(ccxt.BadRequest);
    expect(ordersWithLinkId("lost-1")).toBe(1);
  });

  it("duplicate orderLinkId: 30001 → BadRequest by default, 110072 (Bybit v5) → InvalidOrder", async () => {
    await place("dup-1");
    const first = await place("dup-1").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ccxt.BadRequest);
    expect((first as Error).message).toContain('"retCode":30001');

    sim.inject.duplicateCheck(true, 110072);
    const second = await place("dup-1").catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ccxt.InvalidOrder);
    expect((second as Error).message).toContain('"retCode":110072');
    expect(ordersWithLinkId("dup-1")).toBe(1);
  });

  it("with the duplicate check off, a repeated orderLinkId makes a second order (the client alone must prevent it)", async () => {
    sim.inject.duplicateCheck(false);
    await place("dup-off");
    await place("dup-off");
    expect(ordersWithLinkId("dup-off")).toBe(2);
    expect(await bybit.fetchOpenOrders(BTC, undefined, undefined, { orderLinkId: "dup-off" })).toHaveLength(2);
  });

  it("restart: connections drop, state is kept or reset, and a downtime refuses connections until it ends", async () => {
    await place("before-restart");
    await sim.inject.restart();
    // The pooled keep-alive connection died with the restart; the first call may see that, the next succeeds.
    await bybit.fetchOpenOrders(BTC).catch((e: unknown) => expect(e).toBeInstanceOf(ccxt.NetworkError));
    expect((await bybit.fetchOpenOrders(BTC)).map((o) => o.clientOrderId)).toEqual(["before-restart"]);

    const down = sim.inject.restart({ resetState: true, downtimeMs: 600 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(bybit.fetchOpenOrders(BTC)).rejects.toBeInstanceOf(ccxt.NetworkError);
    await down;
    expect(await bybit.fetchOpenOrders(BTC)).toEqual([]);
    expect(sim.state().restarts).toBe(2);
  });

  it("Bybit's own limits: creates beyond the per-second limit → 10006 (RateLimitExceeded), with the X-Bapi-Limit headers", async () => {
    const limited = await startBybitSimulator({ seed: 42, rateLimits: { overallPerSecond: 120, createOrderPerSecond: 2 } });
    try {
      const client = ccxtRest(limited);
      await client.loadMarkets();
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map((i) => client.createOrder(BTC, "limit", "buy", 0.01, 59_000, { clientOrderId: `burst-${i}` })));
      const refused = outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason as unknown);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const reason of refused) expect(reason).toBeInstanceOf(ccxt.RateLimitExceeded);
      const reply = await fetch(`${limited.url}/v5/market/time`);
      expect(reply.headers.get("x-bapi-limit")).toBe("120");
    } finally {
      await limited.stop();
    }
  });
});

describe("authentication", () => {
  it("refuses a wrong secret (10004), an unknown key (10003) and a stale timestamp (10002) before doing anything", async () => {
    const params = { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.01", price: "59000", orderLinkId: "auth-1" };
    expect((await signedRequest(sim, "POST", "/v5/order/create", params, { secret: "wrong" })).body.retCode).toBe(10004);
    expect((await signedRequest(sim, "POST", "/v5/order/create", params, { apiKey: "nobody" })).body.retCode).toBe(10003);
    expect((await signedRequest(sim, "POST", "/v5/order/create", params, { timestampMs: Date.now() - 60_000 })).body.retCode).toBe(10002);
    expect((await signedRequest(sim, "GET", "/v5/order/realtime", { category: "linear", settleCoin: "USDT" }, { secret: "wrong" })).body.retCode).toBe(10004);
    expect(ordersWithLinkId("auth-1")).toBe(0);

    const impostor = ccxtRest(sim);
    impostor.secret = "wrong";
    impostor.markets = bybit.markets;
    impostor.markets_by_id = bybit.markets_by_id;
    await expect(impostor.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });
});

describe("the admin API", () => {
  it("injects the same faults over HTTP and validates what it is given", async () => {
    expect((await admin(sim, "POST", "/faults", { kind: "rate-limit", path: "/v5/order/create", count: 2 })).status).toBe(200);
    await expect(place("adm-1")).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    await expect(place("adm-1")).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    await place("adm-1");

    const bad = await admin(sim, "POST", "/faults", { kind: "meteor" });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toContain("kind must be one of");
    expect((await admin(sim, "POST", "/price", { symbol: "BTCUSDT", priceUsd: -5 })).status).toBe(400);
    expect((await admin(sim, "POST", "/position", { symbol: "BTCUSDT", side: "long", qty: 0.0015, entryPriceUsd: 60_000 })).status).toBe(400);
    expect((sim.state().faults as { pending: unknown[] }).pending).toEqual([]);
  });

  it("changes a position behind the client's back", async () => {
    expect((await admin(sim, "POST", "/position", { symbol: "BTCUSDT", side: "short", qty: 0.25, entryPriceUsd: 61_000 })).status).toBe(200);
    const [position] = await bybit.fetchPositions([BTC]);
    expect(position).toMatchObject({ side: "short", contracts: 0.25, entryPrice: 61_000 });
    expect(await bybit.fetchMyTrades(BTC)).toEqual([]); // no execution explains it
  });
});
