import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { applyFill, type FillInput, type LedgerEntry } from "./fill-ledger.js";

const T0 = Date.UTC(2026, 2, 10, 9);
let n = 0;
const fill = (side: "buy" | "sell", qty: number, priceUsd: number, over: Partial<FillInput> = {}): FillInput => ({
  fillId: `f-${++n}`,
  symbol: "BTCUSDT",
  side,
  qty,
  priceUsd,
  feeUsd: 0,
  tsMs: T0 + n,
  phase: null,
  equityUsd: 1_000,
  ...over,
});

const book = (fills: readonly FillInput[]) => {
  let entry: LedgerEntry | null = null;
  let equityMoveUsd = 0;
  const closed = [];
  for (const f of fills) {
    const outcome = applyFill(entry, f, 1);
    entry = outcome.entry;
    equityMoveUsd += outcome.realisedPnlUsd - outcome.feeUsd;
    closed.push(...outcome.closedTrades);
  }
  return { entry, equityMoveUsd, closed };
};

describe("the fill ledger", () => {
  test("a long opened and closed at a loss is one losing trade, fees included", () => {
    const { entry, closed, equityMoveUsd } = book([fill("buy", 0.1, 60_000, { feeUsd: 3, phase: 1 }), fill("sell", 0.1, 58_000, { feeUsd: 2 })]);
    expect(entry).toBeNull();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ phase: 1, side: "long", symbol: "BTCUSDT", equityAtOpenUsd: 1_000 });
    expect(closed[0]?.pnlUsd).toBeCloseTo(-205, 9);
    expect(equityMoveUsd).toBeCloseTo(-205, 9);
  });

  test("adding to a position averages the entry; partial closes realise against it", () => {
    const { entry, closed } = book([fill("sell", 1, 100), fill("sell", 1, 110), fill("buy", 0.5, 95)]);
    expect(closed).toEqual([]);
    expect(entry).toMatchObject({ qty: -1.5, avgEntryPriceUsd: 105, realisedPnlUsd: 5 });
  });

  test("an opposite fill larger than the position closes the trade and opens the flip as a new one", () => {
    const { entry, closed } = book([fill("buy", 1, 100, { phase: 2 }), fill("sell", 3, 90, { feeUsd: 3 })]);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.pnlUsd).toBeCloseTo(-11, 9); // −10 realised, 1 of the 3 fee
    expect(entry).toMatchObject({ qty: -2, avgEntryPriceUsd: 90, phase: 2, feesUsd: 2 });
  });

  test("a fill the order's phase is unknown for keeps the trade's phase", () => {
    const { closed } = book([fill("buy", 1, 100, { phase: 3 }), fill("sell", 1, 101)]);
    expect(closed[0]?.phase).toBe(3);
  });

  test("property: the equity moved by a round trip equals its closed trades' PnL", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ side: fc.constantFrom("buy" as const, "sell" as const), qty: fc.integer({ min: 1, max: 50 }), price: fc.integer({ min: 50, max: 150 }), fee: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        (raw) => {
          const fills = raw.map((r) => fill(r.side, r.qty, r.price, { feeUsd: r.fee }));
          // Close whatever is left at the last price, so every fill belongs to a closed trade.
          const net = fills.reduce((acc, f) => acc + (f.side === "buy" ? f.qty : -f.qty), 0);
          if (net !== 0) fills.push(fill(net > 0 ? "sell" : "buy", Math.abs(net), raw[raw.length - 1]?.price ?? 100));
          const { entry, equityMoveUsd, closed } = book(fills);
          expect(entry).toBeNull();
          expect(closed.reduce((acc, t) => acc + t.pnlUsd, 0)).toBeCloseTo(equityMoveUsd, 6);
        },
      ),
    );
  });

  test("refuses a fill without a positive quantity or price", () => {
    expect(() => applyFill(null, fill("buy", 0, 100), 1)).toThrow(/positive/);
    expect(() => applyFill(null, fill("buy", 1, Number.NaN), 1)).toThrow(/positive/);
  });
});
