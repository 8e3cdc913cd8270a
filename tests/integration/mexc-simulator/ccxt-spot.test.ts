// Contract tests: the real ccxt mexc class (its spot v3 endpoints, signed the way it signs) against the
// MEXC simulator — markets, time, ticker, order book, klines, trades, balance; orders placed, cancelled and
// filled (market and limit), looked up by client order id; balances after fills agree with the fills.
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMexcSimulator, type MexcSimulator } from "../../../tools/mexc-simulator/index.js";

type Mexc = InstanceType<typeof ccxt.mexc>;

let sim: MexcSimulator;
let mexc: Mexc;

const client = (secret = sim.credential.secret): Mexc => {
  const ex = new ccxt.mexc({ apiKey: sim.credential.apiKey, secret, timeout: 3_000, enableRateLimit: false });
  (ex.has as Record<string, unknown>).fetchCurrencies = false;
  ex.urls.api = { ...(ex.urls.api as object), ...sim.ccxtApiUrls() } as typeof ex.urls.api;
  return ex;
};

const balanceOf = async (asset: string) => {
  const b = await mexc.fetchBalance();
  return { free: b[asset]?.free ?? 0, used: b[asset]?.used ?? 0, total: b[asset]?.total ?? 0 };
};

beforeAll(async () => {
  sim = await startMexcSimulator({ seed: 3, balances: { USDT: 10_000 } });
  mexc = client();
  await mexc.loadMarkets();
});

afterAll(async () => {
  await sim?.stop();
});

describe("ccxt mexc against the simulator: market data", () => {
  it("loads the spot markets with MEXC's precision and limits", () => {
    const btc = mexc.market("BTC/USDT");
    expect(btc).toMatchObject({ id: "BTCUSDT", spot: true, base: "BTC", quote: "USDT", active: true });
    expect(btc.precision).toEqual({ amount: 0.000001, price: 0.01 });
    expect(btc.limits.amount?.min).toBe(0.000001);
    expect(btc.limits.cost?.min).toBe(1);
    expect(Object.values(mexc.markets as Record<string, { spot?: boolean }>).every((m) => m.spot)).toBe(true);
  });

  it("serves time, ticker, order book, klines and trades", async () => {
    sim.setPrice("BTCUSDT", 60_500, 0.2, "buy");
    expect(Math.abs((await mexc.fetchTime())! - Date.now())).toBeLessThan(5_000);
    const ticker = await mexc.fetchTicker("BTC/USDT");
    expect(ticker).toMatchObject({ symbol: "BTC/USDT", last: 60_500, ask: 60_500, bid: 60_499.99 });
    const book = await mexc.fetchOrderBook("BTC/USDT", 5);
    expect(book.bids[0]![0]).toBe(60_499.99);
    expect(book.asks[0]![0]).toBe(60_500);
    const bars = await mexc.fetchOHLCV("BTC/USDT", "1m", undefined, 5);
    expect(bars.length).toBeGreaterThan(0);
    expect(bars.at(-1)![4]).toBe(60_500);
    expect(bars.map((b) => b[0])).toEqual([...bars.map((b) => b[0])].sort((a, b) => a! - b!));
    const hourly = await mexc.fetchOHLCV("BTC/USDT", "1h", undefined, 3);
    expect(hourly.at(-1)![0]! % 3_600_000).toBe(0);
    const trades = await mexc.fetchTrades("BTC/USDT", undefined, 10);
    expect(trades.at(-1)).toMatchObject({ price: 60_500, amount: 0.2, side: "buy" });
    const tickers = await mexc.fetchTickers(["BTC/USDT", "ETH/USDT"]);
    expect(Object.keys(tickers).sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
  });
});

describe("ccxt mexc against the simulator: spot orders", () => {
  it("fills a market buy, found again by its client order id", async () => {
    const created = await mexc.createOrder("BTC/USDT", "market", "buy", 0.01, undefined, { clientOrderId: "tt-market-buy-1" });
    expect(created.id).toMatch(/^C02__/);
    const found = await mexc.fetchOrder("", "BTC/USDT", { clientOrderId: "tt-market-buy-1" });
    expect(found).toMatchObject({ id: created.id, clientOrderId: "tt-market-buy-1", status: "closed", filled: 0.01, side: "buy", type: "market" });
    expect(await balanceOf("BTC")).toEqual({ free: 0.01, used: 0, total: 0.01 });
  });

  it("rests a limit sell, lists it open, and cancels it by client order id", async () => {
    await mexc.createOrder("BTC/USDT", "limit", "sell", 0.004, 65_000, { clientOrderId: "tt-limit-sell-1" });
    const open = await mexc.fetchOpenOrders("BTC/USDT");
    expect(open.map((o) => [o.clientOrderId, o.status, o.price, o.amount])).toEqual([["tt-limit-sell-1", "open", 65_000, 0.004]]);
    expect(await balanceOf("BTC")).toEqual({ free: 0.006, used: 0.004, total: 0.01 });
    const cancelled = await mexc.cancelOrder("", "BTC/USDT", { clientOrderId: "tt-limit-sell-1" });
    expect(cancelled.status).toBe("canceled");
    expect(await mexc.fetchOpenOrders("BTC/USDT")).toEqual([]);
    expect(await balanceOf("BTC")).toEqual({ free: 0.01, used: 0, total: 0.01 });
  });

  it("fills a resting limit buy when the market trades down to it, a post-only one too", async () => {
    await mexc.createOrder("BTC/USDT", "limit", "buy", 0.02, 59_000, { clientOrderId: "tt-limit-buy-1" });
    await mexc.createOrder("BTC/USDT", "limit", "buy", 0.01, 58_000, { clientOrderId: "tt-maker-buy-1", postOnly: true });
    const usdt = await balanceOf("USDT");
    expect(usdt.used).toBeCloseTo(0.02 * 59_000 + 0.01 * 58_000, 6);
    sim.setPrice("BTCUSDT", 57_900, 1, "sell");
    const filled = await mexc.fetchOrder("", "BTC/USDT", { clientOrderId: "tt-limit-buy-1" });
    expect(filled).toMatchObject({ status: "closed", filled: 0.02, average: 59_000 });
    expect((await mexc.fetchOrder("", "BTC/USDT", { clientOrderId: "tt-maker-buy-1" })).status).toBe("closed");
  });

  it("reports balances that agree with the fills: base bought, quote spent with fees", async () => {
    const trades = await mexc.fetchMyTrades("BTC/USDT");
    expect(trades.map((t) => t.order).length).toBe(3);
    expect(new Set(trades.map((t) => t.fee?.currency))).toEqual(new Set(["USDT"]));
    const bought = trades.reduce((sum, t) => sum + (t.side === "buy" ? t.amount! : -t.amount!), 0);
    const spent = trades.reduce((sum, t) => sum + (t.side === "buy" ? 1 : -1) * t.cost! + t.fee!.cost!, 0);
    const btc = await balanceOf("BTC");
    const usdt = await balanceOf("USDT");
    expect(btc.total).toBeCloseTo(bought, 9);
    expect(usdt.total).toBeCloseTo(10_000 - spent, 6);
    expect(usdt.used).toBe(0);
  });

  it("sells what is held with a market sell, and refuses to sell more (Oversold)", async () => {
    const held = (await balanceOf("BTC")).total;
    await expect(mexc.createOrder("BTC/USDT", "market", "sell", held + 0.001)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await mexc.createOrder("BTC/USDT", "market", "sell", held, undefined, { clientOrderId: "tt-market-sell-1" });
    expect((await balanceOf("BTC")).total).toBe(0);
    await expect(mexc.createOrder("ETH/USDT", "limit", "buy", 100, 3_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
  });
});

describe("ccxt mexc against the simulator: refusals and faults", () => {
  it("refuses a wrong signature and an unknown key", async () => {
    await expect(client("not-the-secret").fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const stranger = new ccxt.mexc({ apiKey: "nobody", secret: "x", timeout: 3_000 });
    stranger.urls.api = { ...(stranger.urls.api as object), ...sim.ccxtApiUrls() } as typeof stranger.urls.api;
    stranger.markets = mexc.markets;
    await expect(stranger.fetchBalance()).rejects.toThrow(/10072/);
  });

  it("refuses a repeated client order id, and takes it with the duplicate check off", async () => {
    await mexc.createOrder("ETH/USDT", "limit", "buy", 0.01, 2_000, { clientOrderId: "tt-dup-1" });
    await expect(mexc.createOrder("ETH/USDT", "limit", "buy", 0.01, 2_000, { clientOrderId: "tt-dup-1" })).rejects.toThrow(/-2010/);
    sim.inject.duplicateCheck(false);
    await mexc.createOrder("ETH/USDT", "limit", "buy", 0.01, 2_000, { clientOrderId: "tt-dup-1" });
    sim.inject.duplicateCheck(true);
    expect(sim.core.ordersByClientId("tt-dup-1")).toHaveLength(2);
    await mexc.cancelAllOrders("ETH/USDT");
    expect(await mexc.fetchOpenOrders("ETH/USDT")).toEqual([]);
  });

  it("records an order whose answer was lost, and answers a lookup of an id it never saw with -2013", async () => {
    sim.inject.responseLost({ path: "/api/v3/order", count: 1 });
    await expect(mexc.createOrder("ETH/USDT", "limit", "buy", 0.01, 2_000, { clientOrderId: "tt-lost-1" })).rejects.toBeInstanceOf(ccxt.NetworkError);
    expect((await mexc.fetchOrder("", "ETH/USDT", { clientOrderId: "tt-lost-1" })).status).toBe("open");
    await expect(mexc.fetchOrder("", "ETH/USDT", { clientOrderId: "tt-never-sent" })).rejects.toThrow(/-2013/);
    sim.inject.rateLimit({ count: 1 });
    await expect(mexc.fetchTicker("ETH/USDT")).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    sim.inject.timeout({ count: 1, path: "/api/v3/account" });
    await expect(mexc.fetchBalance()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
  });
});
