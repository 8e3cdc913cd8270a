import { describe, expect, it } from "vitest";
import { createEngineState, step } from "./engine.js";
import { DEFAULT_ENGINE_CONFIG, slippedPriceUsd } from "./pricing.js";
import { BTC, deepFreeze, EngineDriver, fillsIn, lastOrder, newEngine, NO_SLIPPAGE, ordersIn, T0 } from "./test-fixtures.js";
import { markToMarket } from "./wallet.js";

describe("market orders", () => {
  it("fill at once at the ask as taker, paying the taker fee", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const result = venue.place({ side: "buy", type: "market", qty: 0.5 });
    const [fill] = fillsIn(result.events);
    expect(fill).toMatchObject({ qty: 0.5, priceUsd: 60_000, liquidity: "taker", feeRate: 0.00055 });
    expect(fill!.feeUsd).toBeCloseTo(16.5, 9);
    expect(lastOrder(result).status).toBe("filled");
    expect(venue.position()).toMatchObject({ side: "long", qty: 0.5, avgEntryPriceUsd: 60_000 });
    expect(venue.state.walletBalanceUsd).toBeCloseTo(100_000 - 16.5, 9);
  });

  it("slip against the taker by the explicit model, snapped to the tick", () => {
    const venue = new EngineDriver(newEngine(DEFAULT_ENGINE_CONFIG));
    venue.market(60_000);
    const buy = fillsIn(venue.place({ side: "buy", type: "market", qty: 0.5 }).events)[0]!;
    const sell = fillsIn(venue.place({ side: "sell", type: "market", qty: 0.5 }).events)[0]!;
    expect(buy.priceUsd).toBe(slippedPriceUsd(DEFAULT_ENGINE_CONFIG.slippage, "buy", 60_000, 0.5, 0, BTC.tickSizeUsd));
    expect(buy.priceUsd).toBeGreaterThan(60_000);
    expect(sell.priceUsd).toBeLessThan(59_999.9);
  });

  it("take only the size shown at the touch and let the rest expire", () => {
    const venue = new EngineDriver();
    venue.market(60_000, 0.3);
    const result = venue.place({ side: "buy", type: "market", qty: 0.5 });
    expect(fillsIn(result.events).map((fill) => fill.qty)).toEqual([0.3]);
    expect(lastOrder(result)).toMatchObject({ status: "expired", filledQty: 0.3, cancelReason: "ioc-remainder" });
    expect(venue.state.openOrders).toEqual({});
  });

  it("are rejected when the market has no price yet", () => {
    const venue = new EngineDriver();
    const result = venue.place({ side: "buy", type: "market", qty: 0.5 });
    expect(lastOrder(result)).toMatchObject({ status: "rejected", rejectReason: "no-market-price" });
  });
});

describe("limit orders", () => {
  it("rest, then fill at their own price as maker against the volume printed through them, partially first", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const placed = venue.place({ side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_900 });
    expect(lastOrder(placed).status).toBe("new");
    expect(fillsIn(venue.trade(59_950, 5).events)).toEqual([]);

    const partial = venue.trade(59_850, 0.4, "sell");
    expect(fillsIn(partial.events)[0]).toMatchObject({ qty: 0.4, priceUsd: 59_900, liquidity: "maker", feeRate: 0.0002 });
    expect(lastOrder(partial)).toMatchObject({ status: "partially-filled", filledQty: 0.4 });

    const rest = venue.trade(59_800, 2, "sell");
    expect(fillsIn(rest.events)[0]!.qty).toBe(0.6);
    expect(lastOrder(rest)).toMatchObject({ status: "filled", filledQty: 1, avgFillPriceUsd: 59_900 });
    expect(venue.position()).toMatchObject({ side: "long", qty: 1, avgEntryPriceUsd: 59_900 });
  });

  it("fill at the touch only when the trade's taker came from the other side", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "limit", qty: 0.1, limitPriceUsd: 59_900 });
    expect(fillsIn(venue.trade(59_900, 1, "buy").events)).toEqual([]);
    expect(fillsIn(venue.trade(59_900, 1, "sell").events)).toHaveLength(1);
  });

  it("share printed volume by price then time, and take only the participation fraction of it", () => {
    const venue = new EngineDriver(newEngine({ ...NO_SLIPPAGE, participationFraction: 0.5 }));
    venue.market(60_000);
    venue.place({ orderId: "early", side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_900 });
    venue.place({ orderId: "late", side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_900 });
    venue.place({ orderId: "better", side: "buy", type: "limit", qty: 0.2, limitPriceUsd: 59_950 });
    const fills = fillsIn(venue.trade(59_800, 1.2, "sell").events);
    expect(fills.map((fill) => [fill.orderId, fill.qty])).toEqual([
      ["better", 0.2],
      ["early", 0.4],
    ]);
  });

  it("that cross the touch take liquidity at once, never beyond their limit, and rest the remainder", () => {
    const venue = new EngineDriver();
    venue.market(60_000, 0.25);
    const result = venue.place({ side: "buy", type: "limit", qty: 1, limitPriceUsd: 60_010 });
    expect(fillsIn(result.events)[0]).toMatchObject({ qty: 0.25, priceUsd: 60_000, liquidity: "taker" });
    expect(lastOrder(result)).toMatchObject({ status: "partially-filled", filledQty: 0.25 });
  });

  it("with IOC let the unfilled rest expire instead of resting", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const result = venue.place({ side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000, timeInForce: "IOC" });
    expect(lastOrder(result)).toMatchObject({ status: "expired", filledQty: 0, cancelReason: "no-liquidity" });
  });

  it("fill when a new quote moves the opposite touch onto them", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "sell", type: "limit", qty: 0.3, limitPriceUsd: 60_100 });
    const fills = fillsIn(venue.quote(60_100, 60_100.1, 0.1, 5).events);
    expect(fills[0]).toMatchObject({ side: "sell", qty: 0.1, priceUsd: 60_100, liquidity: "maker" });
  });
});

describe("post-only orders", () => {
  it("are rejected if they would take liquidity", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const result = venue.place({ side: "buy", type: "post-only", qty: 0.1, limitPriceUsd: 60_000 });
    expect(lastOrder(result)).toMatchObject({ status: "rejected", rejectReason: "post-only-would-take" });
    expect(fillsIn(result.events)).toEqual([]);
  });

  it("rest below the ask and only ever fill as maker", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "post-only", qty: 0.1, limitPriceUsd: 59_999.9 });
    const fills = fillsIn(venue.trade(59_999, 1, "sell").events);
    expect(fills[0]).toMatchObject({ liquidity: "maker", priceUsd: 59_999.9 });
  });

  it("cannot be amended to a price that would take", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ orderId: "po", side: "buy", type: "post-only", qty: 0.1, limitPriceUsd: 59_000 });
    const before = venue.state;
    const result = venue.run({ kind: "amend", tsMs: venue.tick(), orderId: "po", limitPriceUsd: 60_000 });
    expect(result.error?.code).toBe("post-only-would-take");
    expect(result.state).toBe(before);
  });
});

describe("reduce-only orders", () => {
  it("are rejected with no position to reduce, or on the side that would add to it", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    expect(lastOrder(venue.place({ side: "sell", type: "market", qty: 0.1, reduceOnly: true })).rejectReason).toBe("reduce-only-no-position");
    venue.place({ side: "buy", type: "market", qty: 0.2 });
    expect(lastOrder(venue.place({ side: "buy", type: "market", qty: 0.1, reduceOnly: true })).rejectReason).toBe("reduce-only-wrong-side");
  });

  it("are trimmed to the position at entry and never flip it", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "market", qty: 0.2 });
    const result = venue.place({ side: "sell", type: "market", qty: 0.5, reduceOnly: true });
    expect(ordersIn(result)[0]).toMatchObject({ status: "new", qty: 0.2 });
    expect(venue.position()).toMatchObject({ side: "flat", qty: 0 });
  });

  it("are trimmed as the position shrinks and cancelled once it is closed", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "market", qty: 0.5 });
    venue.place({ orderId: "tp", side: "sell", type: "limit", qty: 0.5, limitPriceUsd: 61_000, reduceOnly: true });
    const shrink = venue.place({ side: "sell", type: "market", qty: 0.2 });
    expect(ordersIn(shrink).find((order) => order.orderId === "tp")).toMatchObject({ qty: 0.3, status: "new" });
    const close = venue.place({ side: "sell", type: "market", qty: 0.3 });
    expect(ordersIn(close).find((order) => order.orderId === "tp")).toMatchObject({
      status: "cancelled",
      cancelReason: "reduce-only-nothing-to-reduce",
    });
    expect(venue.state.openOrders).toEqual({});
  });
});

describe("stop loss and take profit", () => {
  it("attached to an opening order become the position's stops and close it when the last price reaches them", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "market", qty: 0.4, stopLossPriceUsd: 59_000, takeProfitPriceUsd: 62_000 });
    expect(venue.position()).toMatchObject({ stopLossPriceUsd: 59_000, takeProfitPriceUsd: 62_000 });
    venue.quote(58_999.9, 59_000);
    const hit = venue.trade(58_990, 0.01, "sell");
    const stopOrder = ordersIn(hit).findLast((order) => order.origin === "stop-loss");
    expect(stopOrder).toMatchObject({ side: "sell", type: "market", reduceOnly: true, status: "filled", qty: 0.4 });
    expect(fillsIn(hit.events)[0]).toMatchObject({ origin: "stop-loss", priceUsd: 58_999.9, closedQty: 0.4 });
    expect(venue.position()).toMatchObject({ side: "flat", stopLossPriceUsd: null, takeProfitPriceUsd: null });
  });

  it("fire the take profit of a short when the price falls to it", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "sell", type: "market", qty: 0.1, takeProfitPriceUsd: 58_000 });
    venue.quote(57_999.9, 58_000);
    const hit = venue.trade(58_000, 0.01);
    expect(fillsIn(hit.events)[0]).toMatchObject({ origin: "take-profit", side: "buy", priceUsd: 58_000 });
    expect(venue.position()!.side).toBe("flat");
  });

  it("on the wrong side of the entry are rejected", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    expect(lastOrder(venue.place({ side: "buy", type: "market", qty: 0.1, stopLossPriceUsd: 61_000 })).rejectReason).toBe("invalid-stop-loss");
    expect(lastOrder(venue.place({ side: "sell", type: "limit", qty: 0.1, limitPriceUsd: 60_500, takeProfitPriceUsd: 61_000 })).rejectReason).toBe(
      "invalid-take-profit",
    );
  });

  it("can be set on an open position and are refused when there is none", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const refused = venue.run({ kind: "set-position-stops", tsMs: venue.tick(), symbol: BTC.symbol, stopLossPriceUsd: 59_000, takeProfitPriceUsd: null });
    expect(refused.error?.code).toBe("invalid-stops");
    venue.place({ side: "buy", type: "market", qty: 0.1 });
    venue.run({ kind: "set-position-stops", tsMs: venue.tick(), symbol: BTC.symbol, stopLossPriceUsd: 59_000, takeProfitPriceUsd: 65_000 });
    expect(venue.position()).toMatchObject({ stopLossPriceUsd: 59_000, takeProfitPriceUsd: 65_000 });
  });
});

describe("instrument rules", () => {
  it.each([
    [{ qty: 0.0015 }, "qty-not-on-step"],
    [{ qty: 0 }, "qty-not-positive"],
    [{ qty: Number.NaN }, "qty-not-positive"],
    [{ qty: 101 }, "qty-above-max"],
    [{ qty: 0.001, limitPriceUsd: 1_000 }, "notional-below-min"],
    [{ limitPriceUsd: 59_000.05 }, "price-not-on-tick"],
    [{ limitPriceUsd: 3_000_000 }, "price-out-of-range"],
    [{ symbol: "DOGEUSDT" }, "unknown-symbol"],
  ] as const)("refuse %o with %s", (terms, reason) => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const result = venue.place({ side: "buy", type: "limit", qty: 0.01, limitPriceUsd: 59_000, ...terms });
    expect(lastOrder(result)).toMatchObject({ status: "rejected", rejectReason: reason });
    expect(venue.state.openOrders).toEqual({});
  });

  it("refuses an order whose margin exceeds the available balance", () => {
    const venue = new EngineDriver(newEngine(NO_SLIPPAGE, 1_000));
    venue.market(60_000);
    expect(lastOrder(venue.place({ side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000 })).rejectReason).toBe("insufficient-balance");
    expect(lastOrder(venue.place({ side: "buy", type: "limit", qty: 0.1, limitPriceUsd: 59_000 })).status).toBe("new");
  });
});

describe("cancel and amend", () => {
  it("cancel a working order, and answer order-not-found for an unknown or finished one without changing state", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ orderId: "a", side: "buy", type: "limit", qty: 0.1, limitPriceUsd: 59_000 });
    expect(lastOrder(venue.run({ kind: "cancel", tsMs: venue.tick(), orderId: "a" }))).toMatchObject({ status: "cancelled", cancelReason: "client" });
    const before = venue.state;
    const again = venue.run({ kind: "cancel", tsMs: venue.tick(), orderId: "a" });
    expect(again.error?.code).toBe("order-not-found");
    expect(again.state).toBe(before);
    expect(again.events).toEqual([]);
  });

  it("cancel-all ends every working order of the symbol, partial fills kept", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ orderId: "a", side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000 });
    venue.place({ orderId: "b", side: "sell", type: "limit", qty: 0.1, limitPriceUsd: 61_000 });
    venue.trade(58_900, 0.3, "sell");
    const result = venue.run({ kind: "cancel-all", tsMs: venue.tick(), symbol: BTC.symbol });
    expect(ordersIn(result).map((order) => [order.orderId, order.status, order.filledQty])).toEqual([
      ["a", "cancelled", 0.3],
      ["b", "cancelled", 0],
    ]);
    expect(venue.position()).toMatchObject({ side: "long", qty: 0.3 });
  });

  it("amending the price loses time priority; amending below the filled size is refused", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ orderId: "a", side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000 });
    venue.place({ orderId: "b", side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000 });
    venue.run({ kind: "amend", tsMs: venue.tick(), orderId: "a", limitPriceUsd: 59_000.1 });
    venue.run({ kind: "amend", tsMs: venue.tick(), orderId: "a", limitPriceUsd: 59_000 });
    expect(fillsIn(venue.trade(58_000, 1, "sell").events).map((fill) => fill.orderId)).toEqual(["b"]);
    const refused = venue.run({ kind: "amend", tsMs: venue.tick(), orderId: "b", qty: 0.5 });
    expect(refused.error?.code).toBe("order-not-found");
    venue.trade(58_000, 0.4, "sell");
    expect(venue.run({ kind: "amend", tsMs: venue.tick(), orderId: "a", qty: 0.4 }).error?.code).toBe("invalid-amend");
  });
});

describe("account", () => {
  it("marks equity to the last trade: wallet + unrealised PnL, margin = notional / leverage", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.run({ kind: "set-leverage", tsMs: venue.tick(), symbol: BTC.symbol, leverage: 5 });
    venue.place({ side: "buy", type: "market", qty: 1 });
    venue.trade(61_000, 0.01);
    const wallet = markToMarket(venue.state);
    expect(wallet.unrealisedPnlUsd).toBeCloseTo(1_000, 6);
    expect(wallet.walletBalanceUsd).toBeCloseTo(100_000 - 60_000 * 0.00055, 6);
    expect(wallet.equityUsd).toBeCloseTo(wallet.walletBalanceUsd + 1_000, 6);
    expect(wallet.positionMarginUsd).toBeCloseTo(61_000 / 5, 6);
    expect(venue.last!.events).toEqual([]); // a price move alone is not an account event
  });

  it("ends every step that moved the account with one wallet event", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    const events = venue.place({ side: "buy", type: "market", qty: 1 }).events;
    expect(events.filter((event) => event.kind === "wallet")).toHaveLength(1);
    expect(events[events.length - 1]!.kind).toBe("wallet");
  });

  it("lets a position be rewritten behind the client's back, and keeps reduce-only orders within it", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "market", qty: 1 });
    venue.place({ orderId: "tp", side: "sell", type: "limit", qty: 1, limitPriceUsd: 62_000, reduceOnly: true });
    const result = venue.run({ kind: "override-position", tsMs: venue.tick(), symbol: BTC.symbol, side: "long", qty: 0.4, entryPriceUsd: 60_000 });
    expect(venue.position()).toMatchObject({ side: "long", qty: 0.4 });
    expect(ordersIn(result)[0]).toMatchObject({ orderId: "tp", qty: 0.4 });
    const bad = venue.run({ kind: "override-position", tsMs: venue.tick(), symbol: BTC.symbol, side: "flat", qty: 1, entryPriceUsd: null });
    expect(bad.error?.code).toBe("invalid-position");
  });

  it("refuses leverage outside the instrument's range", () => {
    const venue = new EngineDriver();
    expect(venue.run({ kind: "set-leverage", tsMs: venue.tick(), symbol: BTC.symbol, leverage: 101 }).error?.code).toBe("invalid-leverage");
  });
});

describe("purity", () => {
  it("never mutates the state it is given and gives the same outputs for the same inputs", () => {
    const venue = new EngineDriver();
    venue.market(60_000);
    venue.place({ side: "buy", type: "limit", qty: 1, limitPriceUsd: 59_000, reduceOnly: false });
    const frozen = deepFreeze(venue.state);
    const input = { kind: "trade", tsMs: T0 + 99_000, symbol: BTC.symbol, priceUsd: 58_000, qty: 2, takerSide: "sell" } as const;
    const first = step(frozen, input);
    const second = step(frozen, input);
    expect(first).toEqual(second);
    expect(fillsIn(first.events)).toHaveLength(1);
  });

  it("refuses malformed market data and keeps the state", () => {
    const state = newEngine();
    expect(step(state, { kind: "quote", tsMs: T0, symbol: BTC.symbol, bidPriceUsd: 10, askPriceUsd: 9 }).error?.code).toBe("invalid-market-data");
    expect(step(state, { kind: "trade", tsMs: T0, symbol: BTC.symbol, priceUsd: -1, qty: 1, takerSide: "buy" }).state).toBe(state);
    expect(step(state, { kind: "trade", tsMs: Number.NaN, symbol: BTC.symbol, priceUsd: 1, qty: 1, takerSide: "buy" }).error).toBeDefined();
  });

  it("refuses an instrument or configuration that could never work", () => {
    expect(() => createEngineState({ instruments: [{ ...BTC, lotStepQty: 0 }], walletBalanceUsd: 1 })).toThrow(/lotStepQty/);
    expect(() => createEngineState({ instruments: [BTC, BTC], walletBalanceUsd: 1 })).toThrow(/twice/);
    expect(() => createEngineState({ instruments: [BTC], walletBalanceUsd: 1, config: { participationFraction: 0 } })).toThrow(/participation/);
  });
});
