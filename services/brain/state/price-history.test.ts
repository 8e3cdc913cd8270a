import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PriceHistoryBook } from "./price-history.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 10, 9);

describe("the price history", () => {
  test("keeps the last price of each minute for known symbols only, oldest first", () => {
    const book = new PriceHistoryBook(new Set(["BTCUSDT", "ETHUSDT"]), 10);
    expect(book.record("BTCUSDT", T0 + 1_000, 100)).toBe(true);
    expect(book.record("BTCUSDT", T0 + 59_000, 101)).toBe(true);
    expect(book.record("BTCUSDT", T0 + MIN, 102)).toBe(true);
    expect(book.record("DOGEUSDT", T0, 1)).toBe(false);
    expect(book.record("ETHUSDT", T0, -1)).toBe(false);
    expect(book.history().get("BTCUSDT")).toEqual([
      { tsMs: T0, priceUsd: 101 },
      { tsMs: T0 + MIN, priceUsd: 102 },
    ]);
    expect(book.history().has("DOGEUSDT")).toBe(false);
    expect(book.latestPrice("BTCUSDT")).toBe(102);
    expect(book.latestPrice("ETHUSDT")).toBeNull();
  });

  test("is bounded, and late data lands in its own minute", () => {
    const book = new PriceHistoryBook(new Set(["BTCUSDT"]), 3);
    for (let i = 0; i < 5; i++) book.record("BTCUSDT", T0 + i * MIN, 100 + i);
    expect(book.points("BTCUSDT")).toBe(3);
    expect(book.record("BTCUSDT", T0, 1)).toBe(false); // older than the window kept
    expect(book.record("BTCUSDT", T0 + 3 * MIN + 5, 999)).toBe(true);
    expect(book.history().get("BTCUSDT")?.map((p) => p.priceUsd)).toEqual([102, 999, 104]);
  });

  test("a gap inserted later keeps time order", () => {
    const book = new PriceHistoryBook(new Set(["BTCUSDT"]), 10);
    book.record("BTCUSDT", T0, 1);
    book.record("BTCUSDT", T0 + 2 * MIN, 3);
    book.record("BTCUSDT", T0 + MIN, 2);
    expect(book.history().get("BTCUSDT")?.map((p) => p.tsMs)).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
  });

  test("a view reused between calls always equals one built from scratch, and an unchanged symbol keeps its array", () => {
    const record = fc.record({ symbol: fc.constantFrom("BTCUSDT", "ETHUSDT"), minute: fc.integer({ min: 0, max: 12 }), priceUsd: fc.integer({ min: 1, max: 1_000 }), look: fc.boolean() });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 80 }), fc.integer({ min: 2, max: 6 }), (steps, maxPoints) => {
        const symbols = new Set(["BTCUSDT", "ETHUSDT"]);
        const book = new PriceHistoryBook(symbols, maxPoints);
        const done: typeof steps = [];
        for (const step of steps) {
          const before = book.history();
          book.record(step.symbol, T0 + step.minute * MIN + 7, step.priceUsd);
          done.push(step);
          if (!step.look) continue;
          const fresh = new PriceHistoryBook(symbols, maxPoints);
          for (const d of done) fresh.record(d.symbol, T0 + d.minute * MIN + 7, d.priceUsd);
          const now = book.history();
          expect(now).toEqual(fresh.history());
          const other = step.symbol === "BTCUSDT" ? "ETHUSDT" : "BTCUSDT";
          if (before.has(other)) expect(now.get(other)).toBe(before.get(other));
        }
      }),
      { numRuns: 300 },
    );
  });
});
