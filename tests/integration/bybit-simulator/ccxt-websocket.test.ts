// Contract: ccxt pro follows orders, fills and positions on the simulator's private stream, and market
// data on its public one; a dropped stream fails the pending watch and the next watch reconnects.

import ccxt from "ccxt";
import { WebSocket } from "ws";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { BTC, ccxtPro, ccxtRest, eventually, type BybitPro } from "./clients.js";

let sim: BybitSimulator;
let pro: BybitPro;

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 31, rateLimits: false });
});
afterAll(async () => sim?.stop());
beforeEach(async () => {
  sim.reset();
  pro = await ccxtPro(sim);
  await pro.loadMarkets();
});
afterEach(async () => pro?.close());

interface Connection {
  kind: string;
  authenticated: boolean;
  topics: string[];
}
/** Resolves once a private connection is authenticated and subscribed to every topic named. */
async function subscribed(...topics: string[]): Promise<void> {
  await eventually(() => {
    const connections = (sim.state().streams as unknown as { connections: Connection[] }).connections;
    expect(connections.some((c) => c.kind === "private" && c.authenticated && topics.every((t) => c.topics.includes(t)))).toBe(true);
  });
}

describe("ccxt pro on the private stream", () => {
  it("follows a market order's fill through watchOrders, watchMyTrades and watchPositions", async () => {
    expect(await pro.watchPositions([BTC])).toEqual([]); // the REST snapshot ccxt takes first
    const orders = pro.watchOrders(BTC);
    const trades = pro.watchMyTrades(BTC);
    const positions = pro.watchPositions([BTC]);
    await subscribed("order", "execution", "position");

    const placed = await pro.createOrder(BTC, "market", "buy", 0.02, undefined, { clientOrderId: "ws-market-1" });
    const [order] = await orders;
    expect(order).toMatchObject({ id: placed.id, clientOrderId: "ws-market-1", status: "closed", filled: 0.02 });
    const [fill] = await trades;
    expect(fill).toMatchObject({ order: placed.id, side: "buy", amount: 0.02, takerOrMaker: "taker" });
    const [position] = await positions;
    expect(position).toMatchObject({ symbol: BTC, side: "long", contracts: 0.02, entryPrice: fill!.price });
  });

  it("pushes the wallet after a fill: watchBalance shows the equity fetchBalance reports", async () => {
    const balance = pro.watchBalance();
    await subscribed("wallet");
    await pro.createOrder(BTC, "market", "buy", 0.01);
    const pushed = await balance;
    const fetched = await pro.fetchBalance();
    const account = fetched.info.result.list[0];
    // ccxt reads `total` as the equity on the stream and as the wallet balance over REST.
    expect(pushed.USDT?.total).toBeCloseTo(Number(account.totalEquity), 8);
    expect(fetched.USDT?.total).toBeCloseTo(Number(account.totalWalletBalance), 8);
    expect(Number(account.totalWalletBalance)).toBeLessThan(100_000);
  });

  it("reports a resting order when it is placed and again when the market fills it", async () => {
    const first = pro.watchOrders(BTC);
    await subscribed("order");
    const placed = await pro.createOrder(BTC, "limit", "sell", 0.1, 60_500, { clientOrderId: "ws-limit-1" });
    expect((await first).at(-1)).toMatchObject({ id: placed.id, status: "open", filled: 0 });

    const fills = pro.watchMyTrades(BTC);
    await subscribed("order", "execution");
    const second = pro.watchOrders(BTC);
    sim.setPrice("BTCUSDT", 60_600, 1, "buy");
    expect((await second).at(-1)).toMatchObject({ id: placed.id, status: "closed", filled: 0.1, average: 60_500 });
    expect((await fills).at(-1)).toMatchObject({ order: placed.id, price: 60_500, takerOrMaker: "maker" });
  });

  it("shows the venue's stop-loss order closing the position", async () => {
    await pro.createOrder(BTC, "market", "buy", 0.05, undefined, { stopLoss: { triggerPrice: 59_000 } });
    const orders = pro.watchOrders(BTC);
    await subscribed("order");
    sim.setPrice("BTCUSDT", 58_900, 1, "sell");
    const stop = (await orders).find((o) => o.info.createType === "CreateByStopLoss");
    expect(stop).toMatchObject({ side: "sell", reduceOnly: true, status: "closed", filled: 0.05 });
  });

  it("fails the pending watch with a NetworkError when the stream drops, and reconnects on the next watch", async () => {
    const pending = pro.watchOrders(BTC);
    await subscribed("order");
    expect(sim.inject.dropWebSockets("private")).toBe(1);
    await expect(pending).rejects.toBeInstanceOf(ccxt.NetworkError);

    const resumed = pro.watchOrders(BTC);
    await subscribed("order");
    const placed = await pro.createOrder(BTC, "limit", "buy", 0.01, 59_000);
    expect((await resumed).map((o) => o.id)).toContain(placed.id);
  });

  it("refuses a stream signed with the wrong secret (AuthenticationError)", async () => {
    const impostor = await ccxtPro(sim);
    impostor.secret = "not-the-secret";
    impostor.markets = pro.markets;
    impostor.markets_by_id = pro.markets_by_id;
    impostor.symbols = pro.symbols;
    await expect(impostor.watchOrders(BTC)).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    await impostor.close();
  });
});

describe("ccxt pro on the public stream", () => {
  it("receives the trades and tickers the simulator prints", async () => {
    const ticker = await pro.watchTicker(BTC); // snapshot on subscribe
    expect(ticker.last).toBe(60_000);
    const trades = pro.watchTrades(BTC);
    const nextTicker = pro.watchTicker(BTC);
    await eventually(() => {
      const connections = (sim.state().streams as unknown as { connections: Connection[] }).connections;
      expect(connections.find((c) => c.kind === "public")?.topics).toEqual(["publicTrade.BTCUSDT", "tickers.BTCUSDT"]);
    });
    sim.setPrice("BTCUSDT", 60_400, 0.5, "buy");
    expect((await trades).at(-1)).toMatchObject({ price: 60_400, amount: 0.5, side: "buy" });
    expect((await nextTicker).last).toBe(60_400);
  });
});

describe("the raw v5 stream protocol", () => {
  const open = (url: string) =>
    new Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>> }>((resolve, reject) => {
      const socket = new WebSocket(url);
      const inbox: Record<string, unknown>[] = [];
      const waiters: ((m: Record<string, unknown>) => void)[] = [];
      socket.on("message", (raw) => {
        const message = JSON.parse(raw.toString()) as Record<string, unknown>;
        const waiter = waiters.shift();
        if (waiter) waiter(message);
        else inbox.push(message);
      });
      socket.once("open", () =>
        resolve({ socket, next: () => (inbox.length ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiters.push(r))) }),
      );
      socket.once("error", reject);
    });

  it("answers ping with pong, refuses subscriptions before auth and names unknown topics", async () => {
    const { socket, next } = await open(sim.privateWsUrl);
    socket.send(JSON.stringify({ op: "ping", req_id: "p1" }));
    expect(await next()).toMatchObject({ op: "pong", req_id: "p1" });
    socket.send(JSON.stringify({ op: "subscribe", req_id: "s1", args: ["order"] }));
    expect(await next()).toMatchObject({ success: false, ret_msg: "Request not authorized", op: "subscribe", req_id: "s1" });
    socket.send("not json");
    expect(await next()).toMatchObject({ success: false, ret_msg: "error:invalid op" });
    socket.close();

    const pub = await open(sim.publicWsUrl);
    pub.socket.send(JSON.stringify({ op: "ping", req_id: "p2" }));
    expect(await pub.next()).toMatchObject({ success: true, ret_msg: "pong", op: "ping", req_id: "p2" });
    pub.socket.send(JSON.stringify({ op: "subscribe", req_id: "s2", args: ["publicTrade.DOGEUSDT"] }));
    expect(await pub.next()).toMatchObject({ success: false, ret_msg: "error:handler not found,topic:publicTrade.DOGEUSDT" });
    pub.socket.close();
  });
});

it("keeps REST usable while the private stream reconnects (smoke with a second ccxt client)", async () => {
  const rest = ccxtRest(sim);
  await rest.loadMarkets();
  sim.inject.dropWebSockets("all");
  expect((await rest.fetchBalance()).USDT?.total).toBe(100_000);
});
