import { describe, expect, it } from "vitest";
import { INITIAL_TALLY, compareOpenOrders, comparePositions, foldCycle, positionAsOf } from "./reconciliation.js";

const step = () => 0.001;

describe("reconciliation", () => {
  it("names each kind of position mismatch, and forgives less than one lot step", () => {
    const shadow = [
      { symbol: "A", side: "long" as const, qty: 1 },
      { symbol: "B", side: "long" as const, qty: 1 },
      { symbol: "C", side: "short" as const, qty: 1 },
      { symbol: "D", side: "long" as const, qty: 1 },
      { symbol: "E", side: "long" as const, qty: 1 },
    ];
    const exchange = [
      { symbol: "B", side: "short" as const, qty: 1 },
      { symbol: "C", side: "short" as const, qty: 1.5 },
      { symbol: "D", side: "long" as const, qty: 1.001 },
      { symbol: "E", side: "long" as const, qty: 1 },
      { symbol: "F", side: "long" as const, qty: 2 },
    ];
    expect(comparePositions(shadow, exchange, step).map((m) => [m.symbol, m.kind])).toEqual([
      ["A", "missing-at-exchange"],
      ["B", "side"],
      ["C", "size"],
      ["F", "missing-in-shadow"],
    ]);
    expect(comparePositions([{ symbol: "A", side: "flat", qty: 0 }], [], step)).toEqual([]);
  });

  it("takes fills later than the venue's snapshot back out of the shadow position", () => {
    const now = { symbol: "A", side: "short" as const, qty: 0.2 };
    expect(positionAsOf(now, [], 0.001)).toEqual(now);
    expect(positionAsOf(now, [{ side: "sell", qty: 0.3 }], 0.001)).toEqual({ symbol: "A", side: "long", qty: 0.1 });
    expect(positionAsOf(now, [{ side: "sell", qty: 0.1 }, { side: "sell", qty: 0.1 }], 0.001)).toEqual({ symbol: "A", side: "flat", qty: 0 });
  });

  it("compares open orders, leaving out those that changed within the grace period", () => {
    const order = (key: string, updatedTsMs = 0) => ({ key, symbol: "A", side: "buy" as const, leavesQty: 1, updatedTsMs });
    const found = compareOpenOrders([order("ours"), order("fresh", 9_500)], [order("theirs"), order("new-at-venue", 9_900)], 10_000, 2_000);
    expect(found.map((m) => [m.orderId, m.kind])).toEqual([
      ["ours", "missing-at-exchange"],
      ["theirs", "missing-in-shadow"],
    ]);
  });

  it("halts on the third mismatching cycle in a row; a clean one resets the count and is remembered", () => {
    const m = [{ kind: "size" as const, subject: "position" as const, symbol: "A", shadow: "long 1", exchange: "long 2" }];
    const one = foldCycle(INITIAL_TALLY, m, 1);
    const two = foldCycle(one.tally, m, 2);
    const three = foldCycle(two.tally, m, 3);
    expect([one.halt, two.halt, three.halt]).toEqual([false, false, true]);
    const clean = foldCycle(three.tally, [], 4);
    expect(clean).toEqual({ tally: { consecutiveMismatching: 0, lastCleanAtMs: 4 }, outcome: "clean", halt: false });
  });
});
