import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundToStep } from "./decimal.js";
import { applyFillToPosition, flatPosition, signedQty, unrealisedPnlUsd } from "./position.js";
import type { Position, Side } from "./types.js";

const LOT = 0.001;
const lots = (min: number, max: number) => fc.integer({ min, max }).map((n) => roundToStep(n * LOT, LOT));
const prices = fc.integer({ min: 10_000, max: 1_000_000 }).map((ticks) => roundToStep(ticks * 0.1, 0.1));
const sides = fc.constantFrom<Side>("buy", "sell");
const feeRates = fc.constantFrom(0.0002, 0.00055);

interface TestFill {
  side: Side;
  qty: number;
  priceUsd: number;
  feeUsd: number;
}
const fills = fc.array(
  fc.record({ side: sides, qty: lots(1, 5_000), priceUsd: prices, rate: feeRates }).map(({ side, qty, priceUsd, rate }) => ({
    side,
    qty,
    priceUsd,
    feeUsd: qty * priceUsd * rate,
  })),
  { minLength: 1, maxLength: 30 },
);

function replay(sequence: TestFill[]): Position {
  let position = flatPosition("BTCUSDT", 10, 0);
  sequence.forEach((fill, index) => {
    position = applyFillToPosition(position, { ...fill, tsMs: index }, LOT).position;
  });
  return position;
}

describe("positions", () => {
  it("conserve cash: realised + unrealised PnL = −Σ signed qty × price − fees + signed size × mark", () => {
    fc.assert(
      fc.property(fills, prices, (sequence, markUsd) => {
        const position = replay(sequence);
        const cashFlowUsd = sequence.reduce((sum, f) => sum - (f.side === "buy" ? 1 : -1) * f.qty * f.priceUsd - f.feeUsd, 0);
        const expected = cashFlowUsd + signedQty(position) * markUsd;
        const actual = position.realisedPnlUsd + unrealisedPnlUsd(position, markUsd);
        const scale = sequence.reduce((sum, f) => sum + f.qty * f.priceUsd, 0);
        expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * scale + 1e-9);
      }),
    );
  });

  it("have a signed size equal to the sum of signed fills, flat exactly at zero", () => {
    fc.assert(
      fc.property(fills, (sequence) => {
        const position = replay(sequence);
        const expected = roundToStep(sequence.reduce((sum, f) => sum + (f.side === "buy" ? f.qty : -f.qty), 0), LOT);
        expect(signedQty(position)).toBeCloseTo(expected, 9);
        expect(position.side === "flat").toBe(position.qty === 0);
        expect(position.avgEntryPriceUsd === null).toBe(position.side === "flat");
      }),
    );
  });

  it("realise (exit − entry) × qty × side − fees on a round trip", () => {
    fc.assert(
      fc.property(sides, lots(1, 5_000), prices, prices, feeRates, (side, qty, entryUsd, exitUsd, rate) => {
        const exitSide: Side = side === "buy" ? "sell" : "buy";
        const entryFee = qty * entryUsd * rate;
        const exitFee = qty * exitUsd * rate;
        const opened = applyFillToPosition(flatPosition("X", 10, 0), { side, qty, priceUsd: entryUsd, feeUsd: entryFee, tsMs: 1 }, LOT);
        const closed = applyFillToPosition(opened.position, { side: exitSide, qty, priceUsd: exitUsd, feeUsd: exitFee, tsMs: 2 }, LOT);
        const direction = side === "buy" ? 1 : -1;
        expect(closed.position.side).toBe("flat");
        expect(closed.closedQty).toBe(qty);
        expect(closed.position.realisedPnlUsd).toBeCloseTo((exitUsd - entryUsd) * qty * direction - entryFee - exitFee, 6);
      }),
    );
  });

  it("average the entry over fills that grow the position, within the range of their prices", () => {
    fc.assert(
      fc.property(sides, fc.array(fc.tuple(lots(1, 1_000), prices), { minLength: 1, maxLength: 10 }), (side, legs) => {
        const position = replay(legs.map(([qty, priceUsd]) => ({ side, qty, priceUsd, feeUsd: 0 })));
        const notional = legs.reduce((sum, [qty, price]) => sum + qty * price, 0);
        const qty = legs.reduce((sum, [q]) => sum + q, 0);
        expect(position.avgEntryPriceUsd).toBeCloseTo(notional / qty, 6);
      }),
    );
  });

  it("reduce, close or flip on an opposite fill", () => {
    const long = applyFillToPosition(flatPosition("X", 10, 0), { side: "buy", qty: 1, priceUsd: 100, feeUsd: 0, tsMs: 1 }, LOT).position;
    const reduced = applyFillToPosition(long, { side: "sell", qty: 0.4, priceUsd: 110, feeUsd: 0, tsMs: 2 }, LOT);
    expect(reduced.position).toMatchObject({ side: "long", qty: 0.6, avgEntryPriceUsd: 100 });
    expect(reduced.realisedGrossPnlUsd).toBeCloseTo(4, 9);

    const flipped = applyFillToPosition(reduced.position, { side: "sell", qty: 1, priceUsd: 90, feeUsd: 0, tsMs: 3 }, LOT);
    expect(flipped.position).toMatchObject({ side: "short", qty: 0.4, avgEntryPriceUsd: 90, createdTsMs: 3 });
    expect(flipped.closedQty).toBe(0.6);
    expect(flipped.realisedGrossPnlUsd).toBeCloseTo(-6, 9);

    const closed = applyFillToPosition(flipped.position, { side: "buy", qty: 0.4, priceUsd: 80, feeUsd: 0, tsMs: 4 }, LOT);
    expect(closed.position).toMatchObject({ side: "flat", qty: 0, avgEntryPriceUsd: null });
    expect(closed.position.realisedPnlUsd).toBeCloseTo(4 - 6 + 4, 9);
  });
});
