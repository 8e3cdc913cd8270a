// The simulator's parts below ccxt: signatures, the fault plan, the rate limiter, the market tape, the
// seeded feed, and the HTTP edges (admin loopback rule, unknown paths, malformed bodies).

import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../services/shared/clock.js";
import { BybitSimulatorCore, startBybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { FaultPlan } from "../../../tools/bybit-simulator/faults.js";
import { buildHttpApp } from "../../../tools/bybit-simulator/http-app.js";
import { registerAdminRoutes, type AdminActions } from "../../../tools/bybit-simulator/admin-routes.js";
import { MarketTape } from "../../../tools/bybit-simulator/market-tape.js";
import { RandomWalkFeed } from "../../../tools/bybit-simulator/price-feed.js";
import { RateLimiter } from "../../../tools/bybit-simulator/rate-limit.js";
import { restSignature, verifyRestRequest, wsAuthSignature } from "../../../tools/bybit-simulator/signature.js";
import { publicRequest, signedRequest } from "./clients.js";

const NOW = Date.UTC(2026, 5, 1, 12);

describe("request signatures", () => {
  const credentials = new Map([["key", "secret"]]);
  const signed = (payload: string, overrides: Partial<Parameters<typeof verifyRestRequest>[0]> = {}) => ({
    apiKey: "key",
    timestampMs: String(NOW),
    recvWindowMs: "5000",
    signature: restSignature("secret", String(NOW), "key", "5000", payload),
    payload,
    ...overrides,
  });

  it("accepts HMAC-SHA256(secret, timestamp + apiKey + recvWindow + payload) and refuses any change to it", () => {
    expect(verifyRestRequest(signed("category=linear"), credentials, NOW)).toBeNull();
    expect(verifyRestRequest({ ...signed("category=linear"), payload: "category=spot" }, credentials, NOW)?.retCode).toBe(10004);
    expect(verifyRestRequest(signed("x", { signature: undefined }), credentials, NOW)?.retCode).toBe(10004);
    expect(verifyRestRequest(signed("x", { apiKey: "other" }), credentials, NOW)?.retCode).toBe(10003);
  });

  it("keeps Bybit's time window: timestamp − 1 s ≤ server time < timestamp + recvWindow", () => {
    expect(verifyRestRequest(signed("x"), credentials, NOW - 1_000)).toBeNull();
    expect(verifyRestRequest(signed("x"), credentials, NOW - 1_001)?.retCode).toBe(10002);
    expect(verifyRestRequest(signed("x"), credentials, NOW + 4_999)).toBeNull();
    expect(verifyRestRequest(signed("x"), credentials, NOW + 5_000)?.retCode).toBe(10002);
  });

  it("signs stream auth over GET/realtime + expires", () => {
    expect(wsAuthSignature("secret", "1700000000000")).toBe(restSignature("secret", "GET/realtime", "", "", "1700000000000"));
  });
});

describe("fault plan", () => {
  it("hits the next `count` requests on a path or path prefix, counts what fired, and refuses nonsense", () => {
    const plan = new FaultPlan();
    plan.add({ kind: "timeout", path: "/v5/order/", count: 2 });
    expect(plan.take("/v5/position/list")).toBeUndefined();
    expect(plan.take("/v5/order/create")?.kind).toBe("timeout");
    expect(plan.take("/v5/order/cancel")?.kind).toBe("timeout");
    expect(plan.take("/v5/order/create")).toBeUndefined();
    expect(plan.fired.timeout).toBe(2);
    expect(() => plan.add({ kind: "timeout", count: 0 })).toThrow(/count/);
    expect(() => plan.add({ kind: "timeout", path: "v5" })).toThrow(/path/);
  });
});

describe("rate limiter", () => {
  it("allows the configured requests per second per key, then refuses until the next second", () => {
    const limiter = new RateLimiter({ overallPerSecond: 3, createOrderPerSecond: 1 });
    expect(limiter.check("k", "/v5/order/create", NOW).allowed).toBe(true);
    expect(limiter.check("k", "/v5/order/create", NOW + 10)).toMatchObject({ allowed: false, limit: 1, remaining: 0, resetAtMs: NOW + 1_000 });
    expect(limiter.check("k", "/v5/order/realtime", NOW + 20).allowed).toBe(true);
    expect(limiter.check("k", "/v5/order/realtime", NOW + 30).allowed).toBe(false);
    expect(limiter.check("other", "/v5/order/create", NOW + 30).allowed).toBe(true);
    expect(limiter.check("k", "/v5/order/create", NOW + 1_000).allowed).toBe(true);
  });
});

describe("market tape", () => {
  it("builds candles from trades, newest first, flat at the last close where nothing traded", () => {
    const tape = new MarketTape(() => 100);
    const minute = 60_000;
    const t0 = Math.floor(NOW / (60 * minute)) * 60 * minute;
    tape.record({ tradeId: "1", symbol: "X", priceUsd: 101, qty: 1, takerSide: "buy", tsMs: t0 + 1_000 });
    tape.record({ tradeId: "2", symbol: "X", priceUsd: 99, qty: 2, takerSide: "sell", tsMs: t0 + 2 * minute });
    tape.record({ tradeId: "3", symbol: "X", priceUsd: 103, qty: 1, takerSide: "buy", tsMs: t0 + 16 * minute });
    const bars = tape.klines("X", 15, t0 + 31 * minute, 3);
    expect(bars.map((b) => [b.startMs - t0, b.openUsd, b.highUsd, b.lowUsd, b.closeUsd, b.volumeQty])).toEqual([
      [30 * minute, 103, 103, 103, 103, 0],
      [15 * minute, 99, 103, 99, 103, 1],
      [0, 101, 101, 99, 99, 3],
    ]);
    expect(tape.recentTrades("X", 2).map((t) => t.tradeId)).toEqual(["3", "2"]);
  });
});

describe("seeded price feed", () => {
  const walk = (seed: number) => {
    const clock = new ManualClock(NOW);
    const core = new BybitSimulatorCore({ seed, clock });
    const feed = new RandomWalkFeed(core, { seed });
    feed.start(1_000);
    clock.advance(10_000);
    feed.stop();
    clock.advance(10_000);
    return { prices: core.tape.recentTrades("BTCUSDT", 100).map((t) => t.priceUsd), ids: core.nextOrderId() };
  };

  it("prints the same prices and ids for the same seed, others for another, only as the clock moves", () => {
    const a = walk(5);
    expect(a.prices).toHaveLength(11); // the opening print and ten ticks; none after stop
    expect(walk(5)).toEqual(a);
    expect(walk(6).prices).not.toEqual(a.prices);
  });
});

describe("HTTP edges", () => {
  const actions = new Proxy({} as AdminActions, {
    get: () => () => {
      throw new Error("must not be called");
    },
  });

  it("answers the admin API to loopback clients only", async () => {
    const core = new BybitSimulatorCore({ seed: 1, clock: new ManualClock(NOW) });
    const app = buildHttpApp({ core, faults: new FaultPlan(), limiter: null, registerAdmin: (instance) => registerAdminRoutes(instance, actions) });
    const remote = await app.inject({ method: "POST", url: "/__sim/price", remoteAddress: "10.1.2.3", payload: { symbol: "BTCUSDT", priceUsd: 1 } });
    expect(remote.statusCode).toBe(403);
    await app.close();
  });

  it("answers unknown paths, malformed bodies, unknown symbols and unsimulated order kinds in Bybit's envelope", async () => {
    const sim = await startBybitSimulator({ seed: 2, rateLimits: false });
    try {
      const missing = await publicRequest(sim, "/v5/market/nothing");
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ retCode: 10017, result: {}, retExtInfo: {} });

      const time = Date.now();
      const body = "{not json";
      const malformed = await fetch(`${sim.url}/v5/order/create`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-BAPI-API-KEY": sim.credential.apiKey,
          "X-BAPI-TIMESTAMP": String(time),
          "X-BAPI-RECV-WINDOW": "5000",
          "X-BAPI-SIGN": restSignature(sim.credential.secret, String(time), sim.credential.apiKey, "5000", body),
        },
        body,
      });
      expect(await malformed.json()).toMatchObject({ retCode: 10001 });

      const order = { category: "linear", side: "Buy", orderType: "Limit", qty: "0.01", price: "59000" };
      expect((await signedRequest(sim, "POST", "/v5/order/create", { ...order, symbol: "DOGEUSDT" })).body).toMatchObject({ retCode: 10001, retMsg: "Not supported symbols" });
      expect((await signedRequest(sim, "POST", "/v5/order/create", { ...order, symbol: "BTCUSDT", triggerPrice: "61000" })).body.retMsg).toMatch(/not simulated/);
      expect((await signedRequest(sim, "POST", "/v5/order/create", { ...order, symbol: "BTCUSDT", qty: "0.0105" })).body).toMatchObject({ retCode: 10001, retMsg: "Qty invalid" });
      expect((sim.state().orders as unknown[]).length).toBe(0);

      const instruments = await publicRequest(sim, "/v5/market/instruments-info", { category: "linear" });
      expect(instruments.body.result).not.toHaveProperty("nextPageCursor"); // ccxt pages while a cursor is present
      expect((await publicRequest(sim, "/v5/market/instruments-info", { category: "linear", status: "PreLaunch" })).body.result).toMatchObject({ list: [] });
    } finally {
      await sim.stop();
    }
  });
});

describe("command line", () => {
  const cli = fileURLToPath(new URL("../../../tools/bybit-simulator/cli.ts", import.meta.url));

  it("documents itself with --help", () => {
    const help = spawnSync(process.execPath, ["--import", "tsx", cli, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("/__sim/faults");
    expect(help.stdout).toContain("--no-duplicate-check");
  });

  it("starts on a free port with a moving price feed, prints where it listens, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0", "--feed-interval-ms", "20", "--seed", "9"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [chunk] = (await once(child.stdout, "data")) as [Buffer];
      const { url, privateWsUrl } = JSON.parse(chunk.toString().split("\n")[0]!) as { url: string; privateWsUrl: string };
      expect(privateWsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v5\/private$/);
      const last = async () => {
        const reply = (await (await fetch(`${url}/v5/market/tickers?category=linear&symbol=BTCUSDT`)).json()) as { result: { list: { lastPrice: string }[] } };
        return reply.result.list[0]!.lastPrice;
      };
      const first = await last();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await last()).not.toBe(first);
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});
