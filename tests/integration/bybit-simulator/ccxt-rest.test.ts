// Contract: the real ccxt bybit class trades against the simulator over REST as it would against Bybit.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import ccxt from "ccxt";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { BTC, ccxtRest, type BybitRest } from "./clients.js";

let sim: BybitSimulator;
let bybit: BybitRest;

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 21, rateLimits: false });
  bybit = ccxtRest(sim);
  await bybit.loadMarkets();
});
afterAll(async () => sim?.stop());

beforeEach(() => sim.reset());

const byClientId = (clientOrderId: string) => bybit.fetchOpenOrders(BTC, undefined, undefined, { orderLinkId: clientOrderId });

describe("ccxt bybit against the simulator", () => {
  it("loads the linear perpetuals with Bybit's filters", () => {
    const market = bybit.market(BTC);
    expect(market).toMatchObject({ id: "BTCUSDT", type: "swap", linear: true, settle: "USDT", active: true });
    expect(market.precision).toEqual({ amount: 0.001, price: 0.1 });
    expect(market.limits.amount).toMatchObject({ min: 0.001, max: 1190 });
    expect(market.limits.cost?.min).toBe(5);
    expect(Object.keys(bybit.markets ?? {}).sort()).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]);
  });

  it("fetches the unified account's USDT balance", async () => {
    const balance = await bybit.fetchBalance();
    expect(balance.USDT).toMatchObject({ free: 100_000, used: 0, total: 100_000 });
  });

  it("is recognised as a unified trade account by a client that asks (query-api, account/info)", async () => {
    const asking = ccxtRest(sim);
    asking.options.enableUnifiedAccount = undefined;
    asking.options.enableUnifiedMargin = undefined;
    expect(await asking.isUnifiedEnabled()).toEqual([false, true]);
    expect((await asking.fetchBalance()).USDT?.total).toBe(100_000);
  });

  it("places a limit order with stop loss and take profit, finds it by client order id, amends and cancels it", async () => {
    const created = await bybit.createOrder(BTC, "limit", "buy", 0.01, 59_000, {
      clientOrderId: "tt-limit-1",
      stopLoss: { triggerPrice: 58_000 },
      takeProfit: { triggerPrice: 62_000 },
    });
    expect(created).toMatchObject({ clientOrderId: "tt-limit-1" });
    const [open] = await byClientId("tt-limit-1");
    expect(open).toMatchObject({ id: created.id, status: "open", price: 59_000, amount: 0.01, filled: 0, stopLossPrice: 58_000, takeProfitPrice: 62_000, reduceOnly: false });

    await bybit.editOrder(created.id!, BTC, "limit", "buy", 0.02, 59_100);
    const [amended] = await byClientId("tt-limit-1");
    expect(amended).toMatchObject({ price: 59_100, amount: 0.02 });

    await bybit.cancelOrder(created.id!, BTC);
    expect(await bybit.fetchOpenOrders(BTC)).toEqual([]);
    const [cancelled] = await byClientId("tt-limit-1"); // by id Bybit also returns a finished order
    expect(cancelled!.status).toBe("canceled");
    await expect(bybit.cancelOrder(created.id!, BTC)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it("fills a market order at once as taker: the fill, the position and the balance agree", async () => {
    const order = await bybit.createOrder(BTC, "market", "buy", 0.05, undefined, { clientOrderId: "tt-market-1" });
    const [fill] = await bybit.fetchMyTrades(BTC);
    expect(fill).toMatchObject({ order: order.id, side: "buy", amount: 0.05, takerOrMaker: "taker" });
    expect(fill!.price).toBeGreaterThanOrEqual(60_000); // the ask plus slippage
    expect(fill!.fee!.cost).toBeCloseTo(0.05 * fill!.price! * 0.00055, 8);

    const [position] = await bybit.fetchPositions([BTC]);
    expect(position).toMatchObject({ symbol: BTC, side: "long", contracts: 0.05, entryPrice: fill!.price });
    const balance = await bybit.fetchBalance();
    expect(balance.info.result.list[0].totalWalletBalance).toBe(String(Number((100_000 - fill!.fee!.cost!).toFixed(8))));

    const [closed] = await bybit.fetchClosedOrders(BTC);
    expect(closed).toMatchObject({ id: order.id, clientOrderId: "tt-market-1", status: "closed", filled: 0.05, average: fill!.price });
  });

  it("fills a resting limit order as maker when the market trades through it, partially first", async () => {
    const order = await bybit.createOrder(BTC, "limit", "buy", 0.5, 59_500);
    sim.setPrice("BTCUSDT", 59_500, 0.2, "sell"); // at the order's price: only the printed volume fills it
    let [open] = await bybit.fetchOpenOrders(BTC);
    expect(open).toMatchObject({ id: order.id, status: "open", filled: 0.2, remaining: 0.3 });
    sim.setPrice("BTCUSDT", 59_300, 5, "sell");
    [open] = await bybit.fetchOpenOrders(BTC);
    expect(open).toBeUndefined();
    const trades = await bybit.fetchMyTrades(BTC);
    expect(trades.map((t) => [t.amount, t.price, t.takerOrMaker, t.fee!.rate])).toEqual([
      [0.2, 59_500, "maker", 0.0002],
      [0.3, 59_500, "maker", 0.0002],
    ]);
    expect((await bybit.fetchPositions([BTC]))[0]).toMatchObject({ side: "long", contracts: 0.5, entryPrice: 59_500 });
  });

  it("cancels a post-only order that would take liquidity, and rests one that would not", async () => {
    const crossing = await bybit.createOrder(BTC, "limit", "buy", 0.01, 60_500, { postOnly: true });
    const [cancelled] = await bybit.fetchOpenOrders(BTC, undefined, undefined, { orderId: crossing.id });
    expect(cancelled).toMatchObject({ status: "canceled", postOnly: true, filled: 0 });
    expect(cancelled!.info.rejectReason).toBe("EC_PostOnlyWillTakeLiquidity");

    const resting = await bybit.createOrder(BTC, "limit", "buy", 0.01, 59_900, { postOnly: true });
    expect((await bybit.fetchOpenOrders(BTC)).map((o) => [o.id, o.timeInForce])).toEqual([[resting.id, "PO"]]);
  });

  it("refuses a reduce-only order with nothing to reduce, and trims one larger than the position", async () => {
    await expect(bybit.createOrder(BTC, "market", "sell", 0.01, undefined, { reduceOnly: true })).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await bybit.createOrder(BTC, "market", "buy", 0.03);
    const closing = await bybit.createOrder(BTC, "market", "sell", 0.1, undefined, { reduceOnly: true });
    const [closed] = await bybit.fetchClosedOrders(BTC, undefined, undefined, { orderId: closing.id });
    expect(closed).toMatchObject({ reduceOnly: true, amount: 0.03, filled: 0.03 });
    const [flat] = await bybit.fetchPositions([BTC]);
    expect(flat!.contracts).toBe(0);
  });

  it("closes the position through its attached stop loss when the price falls to it", async () => {
    await bybit.createOrder(BTC, "market", "buy", 0.1, undefined, { stopLoss: { triggerPrice: 59_000 }, takeProfit: { triggerPrice: 62_000 } });
    expect((await bybit.fetchPositions([BTC]))[0]).toMatchObject({ stopLossPrice: 59_000, takeProfitPrice: 62_000 });
    sim.setPrice("BTCUSDT", 58_950, 1, "sell");
    expect((await bybit.fetchPositions([BTC]))[0]!.contracts).toBe(0);
    const stopOrder = (await bybit.fetchClosedOrders(BTC)).find((order) => order.info.createType === "CreateByStopLoss");
    expect(stopOrder).toMatchObject({ side: "sell", reduceOnly: true, filled: 0.1, status: "closed" });
    expect(stopOrder!.info).toMatchObject({ createType: "CreateByStopLoss", stopOrderType: "StopLoss" });
  });

  it("sets leverage, and answers Bybit's 'not modified' when it is unchanged", async () => {
    await bybit.setLeverage(5, BTC);
    await bybit.createOrder(BTC, "market", "buy", 0.01);
    expect((await bybit.fetchPositions([BTC]))[0]!.leverage).toBe(5);
    await expect(bybit.setLeverage(5, BTC)).rejects.toBeInstanceOf(ccxt.BadRequest);
  });

  it("refuses an order the account cannot margin with InsufficientFunds", async () => {
    await expect(bybit.createOrder(BTC, "limit", "buy", 100, 59_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(sim.state().orders).toEqual([]);
  });

  it("cancels all open orders of a symbol", async () => {
    await bybit.createOrder(BTC, "limit", "buy", 0.01, 59_000);
    await bybit.createOrder(BTC, "limit", "sell", 0.01, 61_000);
    const cancelled = await bybit.cancelAllOrders(BTC);
    expect(cancelled).toHaveLength(2);
    expect(await bybit.fetchOpenOrders(BTC)).toEqual([]);
  });

  it("serves tickers and candles from the trades it printed", async () => {
    sim.setPrice("BTCUSDT", 60_250, 1);
    const ticker = await bybit.fetchTicker(BTC);
    expect(ticker).toMatchObject({ last: 60_250, ask: 60_250, bid: 60_249.9 });
    const [candle] = (await bybit.fetchOHLCV(BTC, "1m", undefined, 1)) as number[][];
    expect(candle![4]).toBe(60_250);
    expect(candle![5]).toBeGreaterThanOrEqual(1);
    expect(await bybit.fetchTime()).toBeGreaterThan(0);
  });
});
