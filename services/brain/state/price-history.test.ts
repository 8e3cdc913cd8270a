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
});
