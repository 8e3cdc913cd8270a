// Random order flow against a random-walk market: the engine's invariants hold after every step.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundToStep } from "./decimal.js";
import { ORDER_EVENTS, nextOrderStatus, canTransition, type OrderLifecycleStatus } from "./order-lifecycle.js";
import { signedQty, unrealisedPnlUsd } from "./position.js";
import { DEFAULT_ENGINE_CONFIG } from "./pricing.js";
import { BTC, EngineDriver, fillsIn, newEngine } from "./test-fixtures.js";
import type { EngineEvent, Order, Side } from "./types.js";
import { leavesQty, markPriceUsd } from "./wallet.js";

const LOT = BTC.lotStepQty;
const TICK = BTC.tickSizeUsd;
const lots = (max: number) => fc.integer({ min: 1, max }).map((n) => roundToStep(n * LOT, LOT));
const side = fc.constantFrom<Side>("buy", "sell");

const command = fc.oneof(
  fc.record({ kind: fc.constant("move" as const), ticks: fc.integer({ min: -3_000, max: 3_000 }), qty: lots(2_000), takerSide: side, shownQty: fc.option(lots(1_000)) }),
  fc.record({ kind: fc.constant("market" as const), side, qty: lots(500), reduceOnly: fc.boolean(), slTicks: fc.option(fc.integer({ min: 10, max: 5_000 })) }),
  fc.record({
    kind: fc.constant("limit" as const),
    side,
    offsetTicks: fc.integer({ min: -100, max: 100 }),
    qty: lots(500),
    postOnly: fc.boolean(),
    reduceOnly: fc.boolean(),
    ioc: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
);

const INITIAL_BALANCE_USD = 1_000_000;
const PARTICIPATION = 0.5;

type Command = typeof command extends fc.Arbitrary<infer T> ? T : never;

function run(commands: Command[]): void {
  const venue = new EngineDriver(newEngine({ ...DEFAULT_ENGINE_CONFIG, participationFraction: PARTICIPATION }, INITIAL_BALANCE_USD));
  venue.market(50_000);
  const orders = new Map<string, Order>();
  const filledByOrder = new Map<string, number>();
  let cashFlowUsd = 0;
  let n = 0;

  const check = (events: readonly EngineEvent[], trade?: { qty: number }) => {
    for (const event of events) {
      if (event.kind === "order") {
        const previous = orders.get(event.order.orderId);
        const from: OrderLifecycleStatus = previous?.status ?? "submitted";
        // Every status change is one step of the lifecycle table.
        expect(ORDER_EVENTS.some((e) => canTransition(from, e) && nextOrderStatus(from, e) === event.order.status)).toBe(true);
        expect(event.order.filledQty).toBeLessThanOrEqual(event.order.qty + 1e-12);
        orders.set(event.order.orderId, event.order);
      }
    }
    const makerQty = { buy: 0, sell: 0 };
    for (const fill of fillsIn(events)) {
      const order = orders.get(fill.orderId)!;
      cashFlowUsd += -(fill.side === "buy" ? 1 : -1) * fill.qty * fill.priceUsd - fill.feeUsd;
      filledByOrder.set(fill.orderId, roundToStep((filledByOrder.get(fill.orderId) ?? 0) + fill.qty, LOT));
      // Reduce-only never adds exposure or flips: every lot of its fills closes existing exposure.
      if (order.reduceOnly) expect(fill.closedQty).toBeCloseTo(fill.qty, 12);
      if (order.type === "post-only") expect(fill.liquidity).toBe("maker");
      if (fill.liquidity === "taker" && order.limitPriceUsd !== null) {
        expect(fill.side === "buy" ? fill.priceUsd <= order.limitPriceUsd : fill.priceUsd >= order.limitPriceUsd).toBe(true);
      }
      if (fill.liquidity === "maker") makerQty[fill.side] += fill.qty;
    }
    if (trade) {
      for (const s of ["buy", "sell"] as const) expect(makerQty[s]).toBeLessThanOrEqual(trade.qty * PARTICIPATION + 1e-9);
    }
    for (const order of orders.values()) expect(order.filledQty).toBeCloseTo(filledByOrder.get(order.orderId) ?? 0, 9);

    const state = venue.state;
    const position = state.positions[BTC.symbol];
    const mark = markPriceUsd(state.markets[BTC.symbol])!;
    const upl = position ? unrealisedPnlUsd(position, mark) : 0;
    // Cash conservation: what the account gained equals the trades' cash flows plus the open size at the mark.
    const expected = cashFlowUsd + (position ? signedQty(position) : 0) * mark;
    expect(state.walletBalanceUsd - INITIAL_BALANCE_USD + upl).toBeCloseTo(expected, 4);
    for (const open of Object.values(state.openOrders)) {
      expect(["new", "partially-filled"]).toContain(open.status);
      if (open.reduceOnly) {
        const reducible = position && ((position.side === "long" && open.side === "sell") || (position.side === "short" && open.side === "buy")) ? position.qty : 0;
        expect(leavesQty(open)).toBeLessThanOrEqual(reducible + 1e-12);
      }
    }
  };

  for (const c of commands) {
    const last = venue.state.markets[BTC.symbol]!.lastPriceUsd!;
    if (c.kind === "move") {
      const priceUsd = Math.max(1_000, roundToStep(last + c.ticks * TICK, TICK));
      check(venue.trade(priceUsd, c.qty, c.takerSide).events, { qty: c.qty });
      check(venue.quote(roundToStep(priceUsd - TICK, TICK), priceUsd, c.shownQty, c.shownQty).events);
    } else if (c.kind === "market") {
      const stopLossPriceUsd = c.slTicks === null ? null : roundToStep(last + (c.side === "buy" ? -1 : 1) * c.slTicks * TICK, TICK);
      check(venue.place({ orderId: `m${n++}`, side: c.side, type: "market", qty: c.qty, reduceOnly: c.reduceOnly, stopLossPriceUsd }).events);
    } else if (c.kind === "limit") {
      const limitPriceUsd = roundToStep(last + c.offsetTicks * TICK, TICK);
      check(
        venue.place({
          orderId: `l${n++}`,
          side: c.side,
          type: c.postOnly ? "post-only" : "limit",
          qty: c.qty,
          limitPriceUsd,
          reduceOnly: c.reduceOnly,
          timeInForce: c.ioc ? "IOC" : "GTC",
        }).events,
      );
    } else {
      const open = Object.keys(venue.state.openOrders).sort();
      if (open.length > 0) check(venue.run({ kind: "cancel", tsMs: venue.tick(), orderId: open[c.pick % open.length]! }).events);
    }
  }
}

describe("matching engine invariants under random order flow", () => {
  it("conserves cash, keeps reduce-only and post-only promises, respects printed volume and the lifecycle", () => {
    fc.assert(fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), run), { numRuns: 150 });
  });

  it("realises (exit − entry) × qty × side − fees on a round trip placed through orders", () => {
    fc.assert(
      fc.property(side, lots(2_000), fc.integer({ min: -5_000, max: 5_000 }), fc.boolean(), (entrySide, qty, moveTicks, slipping) => {
        const venue = new EngineDriver(slipping ? newEngine(DEFAULT_ENGINE_CONFIG) : newEngine());
        venue.market(50_000);
        const entry = fillsIn(venue.place({ side: entrySide, type: "market", qty }).events);
        venue.market(roundToStep(50_000 + moveTicks * TICK, TICK));
        const exit = fillsIn(venue.place({ side: entrySide === "buy" ? "sell" : "buy", type: "market", qty, reduceOnly: true }).events);
        const vwap = (fills: typeof entry) => fills.reduce((sum, f) => sum + f.qty * f.priceUsd, 0) / fills.reduce((sum, f) => sum + f.qty, 0);
        const fees = [...entry, ...exit].reduce((sum, f) => sum + f.feeUsd, 0);
        const direction = entrySide === "buy" ? 1 : -1;
        expect(venue.position()!.side).toBe("flat");
        expect(venue.position()!.realisedPnlUsd).toBeCloseTo((vwap(exit) - vwap(entry)) * qty * direction - fees, 6);
        expect(venue.state.walletBalanceUsd - 100_000).toBeCloseTo(venue.position()!.realisedPnlUsd, 6);
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: the same flow gives the same events", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 20 }), (commands) => {
        const record = () => {
          const venue = new EngineDriver();
          venue.market(50_000);
          commands.forEach((c, i) => {
            if (c.kind === "market") venue.place({ orderId: `o${i}`, side: c.side, type: "market", qty: c.qty });
            else if (c.kind === "move") venue.trade(Math.max(1_000, roundToStep(50_000 + c.ticks * TICK, TICK)), c.qty, c.takerSide);
          });
          return venue.history;
        };
        expect(record()).toEqual(record());
      }),
      { numRuns: 50 },
    );
  });
});
