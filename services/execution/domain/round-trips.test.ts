import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyFillToPosition, flatPosition, type Position } from "./matching/index.js";
import { tripStep, type ClosedTrip, type OpenTrip } from "./round-trips.js";

type Side = "buy" | "sell";
const LOT = 0.001;

function run(fills: readonly { side: Side; qty: number; priceUsd: number; feeUsd: number }[]) {
  let position: Position = flatPosition("BTCUSDT", 10, 0);
  let open: OpenTrip | null = null;
  const closed: ClosedTrip[] = [];
  fills.forEach((f, i) => {
    const before = position;
    position = applyFillToPosition(position, { ...f, tsMs: i + 1 }, LOT).position;
    const step = tripStep(open, before, position, { fillId: `f${i}`, clientOrderId: `c${i}`, qty: f.qty, priceUsd: f.priceUsd, feeUsd: f.feeUsd, tsMs: i + 1 });
    open = step.open;
    if (step.closed) closed.push(step.closed);
  });
  return { position, open: open as OpenTrip | null, closed };
}

describe("round trips", () => {
  it("opens on the first fill, grows, reduces and closes with the net PnL of the whole trip", () => {
    const { closed, open } = run([
      { side: "buy", qty: 1, priceUsd: 100, feeUsd: 0.1 },
      { side: "buy", qty: 1, priceUsd: 110, feeUsd: 0.1 },
      { side: "sell", qty: 0.5, priceUsd: 120, feeUsd: 0.05 },
      { side: "sell", qty: 1.5, priceUsd: 100, feeUsd: 0.15 },
    ]);
    expect(open).toBeNull();
    expect(closed).toHaveLength(1);
    const trip = closed[0]!;
    // Entry 105 avg on 2; exits 0.5 @ 120 and 1.5 @ 100: gross 7.5 − 7.5 = 0; fees 0.4.
    expect(trip).toMatchObject({ side: "long", openedByClientOrderId: "c0", openingFillId: "f0", closingFillId: "f3", entryQty: 2, exitQty: 2, openedTsMs: 1, closedTsMs: 4 });
    expect(trip.entryNotionalUsd).toBeCloseTo(210, 9);
    expect(trip.feesUsd).toBeCloseTo(0.4, 9);
    expect(trip.realisedPnlUsd).toBeCloseTo(-0.4, 9);
  });

  it("splits a flip into a closed trip and a new one, sharing the fee by quantity", () => {
    const { closed, open } = run([
      { side: "sell", qty: 1, priceUsd: 100, feeUsd: 0.1 },
      { side: "buy", qty: 3, priceUsd: 90, feeUsd: 0.3 },
    ]);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.side).toBe("short");
    expect(closed[0]!.realisedPnlUsd).toBeCloseTo(10 - 0.1 - 0.1, 9); // gross 10, its own fee and a third of the flip's
    expect(open).toMatchObject({ side: "long", entryQty: 2, openedByClientOrderId: "c1" });
    expect(open!.feesUsd).toBeCloseTo(0.2, 9);
  });

  it("never invents a trip for a position whose opening it did not see", () => {
    const before: Position = { ...flatPosition("BTCUSDT", 10, 0), side: "long", qty: 1, avgEntryPriceUsd: 100 };
    const after = applyFillToPosition(before, { side: "sell", qty: 1, priceUsd: 101, feeUsd: 0, tsMs: 5 }, LOT).position;
    expect(tripStep(null, before, after, { fillId: "x", clientOrderId: "c", qty: 1, priceUsd: 101, feeUsd: 0, tsMs: 5 })).toEqual({ open: null, closed: null });
  });

  it("accounts for every dollar: the closed trips and the open one add up to the position's realised PnL", () => {
    const fill = fc.record({
      side: fc.constantFrom<Side>("buy", "sell"),
      qty: fc.integer({ min: 1, max: 5_000 }).map((n) => n * LOT),
      priceUsd: fc.integer({ min: 5_000, max: 15_000 }).map((n) => n / 100),
      feeUsd: fc.integer({ min: 0, max: 100 }).map((n) => n / 1_000),
    });
    fc.assert(
      fc.property(fc.array(fill, { minLength: 1, maxLength: 40 }), (fills) => {
        const { position, open, closed } = run(fills);
        const inTrips = closed.reduce((s, t) => s + t.realisedPnlUsd, 0) + (open ? position.realisedPnlUsd - open.realisedAtOpenUsd : 0);
        expect(inTrips).toBeCloseTo(position.realisedPnlUsd, 6);
        for (const t of closed) {
          expect(t.exitQty).toBeCloseTo(t.entryQty, 6);
          expect(t.closedTsMs).toBeGreaterThanOrEqual(t.openedTsMs);
        }
        expect(open === null).toBe(position.side === "flat");
      }),
      { numRuns: 300 },
    );
  });
});
