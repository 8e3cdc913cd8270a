// The execution service's MEXC venue (services/execution/venues/mexc) against the simulator, through the
// real ccxt mexc class: spot orders placed, found by client id, cancelled and filled; reports polled to the
// listener; the holdings it reports as positions and its USD balance agree with the simulator's balances
// and with the fills it reports.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import type { VenueFill, VenueOrder } from "../../../services/execution/domain/venue-types.js";
import { MexcVenue } from "../../../services/execution/venues/mexc/mexc-venue.js";
import { isVenueError } from "../../../services/execution/venues/venue.js";
import { startMexcSimulator, type MexcSimulator } from "../../../tools/mexc-simulator/index.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";

let sim: MexcSimulator;
let venue: MexcVenue;
const pushed: { orders: VenueOrder[]; fills: VenueFill[] } = { orders: [], fills: [] };

const order = (over: Partial<Parameters<MexcVenue["createOrder"]>[0]>) => ({ clientOrderId: "tt-x", symbol: "BTCUSDT", side: "buy" as const, orderType: "market" as const, qty: 0.01, limitPriceUsd: null, reduceOnly: false, stopLossPriceUsd: null, takeProfitPriceUsd: null, ...over });

beforeAll(async () => {
  sim = await startMexcSimulator({ seed: 5, balances: { USDT: 5_000 } });
  venue = new MexcVenue({ apiKey: sim.credential.apiKey, secret: sim.credential.secret, restUrl: sim.url, timeoutMs: 3_000, symbols: ["BTCUSDT", "ETHUSDT", "NOPEUSDT"], clock: systemClock, logger: pino({ level: "silent" }), pollIntervalMs: 100, throttle: false });
  await venue.start({ onOrders: (o) => pushed.orders.push(...o), onFills: (f) => pushed.fills.push(...f), onStreamState: () => undefined });
});

afterAll(async () => {
  await venue?.stop();
  await sim?.stop();
});

describe("the MEXC spot venue", () => {
  it("lists the configured spot markets on MEXC's grid, leaving out what MEXC does not list", () => {
    expect(venue.instruments().map((i) => [i.symbol, i.lotStepQty, i.tickSizeUsd, i.minNotionalUsd])).toEqual([
      ["BTCUSDT", 0.000001, 0.01, 1],
      ["ETHUSDT", 0.00001, 0.01, 1],
    ]);
  });

  it("fills a market buy; the fill is polled to the listener and the holding is a long position", async () => {
    await venue.createOrder(order({ clientOrderId: "tt-venue-buy-1" }));
    await waitFor(async () => pushed.fills.some((f) => f.clientOrderId === "tt-venue-buy-1"), 5_000, "the polled fill");
    const fill = pushed.fills.find((f) => f.clientOrderId === "tt-venue-buy-1")!;
    expect(fill).toMatchObject({ side: "buy", qty: 0.01, orderType: "market", orderQty: 0.01, leavesQty: 0, liquidity: "taker" });
    expect((await venue.findOrder("BTCUSDT", "tt-venue-buy-1"))?.status).toBe("filled");
    expect((await venue.positions()).positions).toMatchObject([{ symbol: "BTCUSDT", side: "long", qty: 0.01 }]);
  });

  it("rests, finds and cancels a limit sell by client id; a reduce-only buy and an unknown id are handled", async () => {
    await venue.createOrder(order({ clientOrderId: "tt-venue-sell-1", side: "sell", orderType: "limit", qty: 0.005, limitPriceUsd: 70_000 }));
    expect((await venue.openOrders()).map((o) => [o.clientOrderId, o.status, o.qty])).toEqual([["tt-venue-sell-1", "new", 0.005]]);
    await venue.cancelOrder("BTCUSDT", { clientOrderId: "tt-venue-sell-1" });
    await venue.cancelOrder("BTCUSDT", { clientOrderId: "tt-venue-sell-1" }); // finished already: fine
    expect((await venue.findOrder("BTCUSDT", "tt-venue-sell-1"))?.status).toBe("cancelled");
    expect(await venue.findOrder("BTCUSDT", "tt-never-sent")).toBeNull();
    await waitFor(async () => pushed.orders.some((o) => o.clientOrderId === "tt-venue-sell-1" && o.status === "cancelled"), 5_000, "the cancellation report");
    await expect(venue.createOrder(order({ clientOrderId: "tt-venue-rb", reduceOnly: true }))).rejects.toSatisfy((e) => isVenueError(e, "refused"));
    await expect(venue.createOrder(order({ clientOrderId: "tt-venue-big", side: "sell", qty: 1 }))).rejects.toSatisfy((e) => isVenueError(e, "refused"));
    await expect(venue.createOrder(order({ clientOrderId: "tt-venue-buy-1" }))).rejects.toSatisfy((e) => isVenueError(e, "duplicate"));
  });

  it("fills a resting limit buy when the market comes down; holdings and balance agree with the fills", async () => {
    await venue.createOrder(order({ clientOrderId: "tt-venue-limit-1", orderType: "limit", qty: 0.02, limitPriceUsd: 58_000 }));
    sim.setPrice("BTCUSDT", 57_500, 1, "sell");
    await waitFor(async () => pushed.fills.some((f) => f.clientOrderId === "tt-venue-limit-1"), 5_000, "the limit fill");
    const fills = await venue.fills(0);
    const held = fills.reduce((sum, f) => sum + (f.side === "buy" ? f.qty : -f.qty), 0);
    const spent = fills.reduce((sum, f) => sum + (f.side === "buy" ? 1 : -1) * f.qty * f.priceUsd + f.feeUsd, 0);
    const [position] = (await venue.positions()).positions;
    expect(position?.qty).toBeCloseTo(held, 9);
    const simBalances = Object.fromEntries(sim.core.balances().map((b) => [b.asset, b.free + b.locked]));
    expect(simBalances.BTC).toBeCloseTo(held, 9);
    expect(simBalances.USDT).toBeCloseTo(5_000 - spent, 6);
    const balance = await venue.balance();
    expect(balance.walletBalanceUsd).toBeCloseTo(5_000 - spent, 6);
    expect(balance.equityUsd).toBeCloseTo(5_000 - spent + held * 57_500, 4);
  });

  it("a lost answer is looked up by client id: the order exists once", async () => {
    sim.inject.duplicateCheck(false);
    sim.inject.responseLost({ path: "/api/v3/order", count: 1 });
    await expect(venue.createOrder(order({ clientOrderId: "tt-venue-lost", symbol: "ETHUSDT", orderType: "limit", qty: 0.1, limitPriceUsd: 2_000 }))).rejects.toSatisfy((e) => isVenueError(e, "outcome-unknown"));
    expect((await venue.findOrder("ETHUSDT", "tt-venue-lost"))?.status).toBe("new");
    expect(sim.core.ordersByClientId("tt-venue-lost")).toHaveLength(1);
    sim.inject.duplicateCheck(true);
    await venue.cancelAllOrders();
    expect(await venue.openOrders()).toEqual([]);
  });
});
