import { describe, expect, it } from "vitest";
import { MarketDataGuard } from "./market-data-guard.js";
import { DEFAULT_SCAVENGER_PARAMETERS as params } from "./scavenger-parameters.js";

const T0 = 1_767_225_600_000;
const HOUR_MS = 3_600_000;
const bar = (openTsMs: number, fields: Partial<{ o: number; h: number; l: number; c: number; v: number }> = {}) => ({
  openTsMs,
  openPriceUsd: fields.o ?? 100,
  highPriceUsd: fields.h ?? 101,
  lowPriceUsd: fields.l ?? 99,
  closePriceUsd: fields.c ?? 100.5,
  volumeQty: fields.v ?? 10,
  turnoverUsd: 1_000,
});

describe("market-data guard", () => {
  it("accepts good trades, equal timestamps included", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    expect(guard.acceptTrade(0, 100, 1, 1, T0)).toBe(true);
    expect(guard.acceptTrade(0, 100, 1, -1, T0)).toBe(true);
    expect(guard.acceptTrade(0, 100.5, 0.001, 1, T0 + 5)).toBe(true);
    expect(Object.values(guard.dropped()).every((n) => n === 0)).toBe(true);
  });

  it("drops and counts each kind of bad trade", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    guard.acceptTrade(0, 100, 1, 1, T0);
    const bad: [number, number, number, number][] = [
      [Number.NaN, 1, 1, T0 + 1],
      [100, Number.NaN, 1, T0 + 1],
      [100, 1, 1, Number.NaN],
      [Number.POSITIVE_INFINITY, 1, 1, T0 + 1],
      [0, 1, 1, T0 + 1],
      [-5, 1, 1, T0 + 1],
      [100, 0, 1, T0 + 1],
      [100, -2, 1, T0 + 1],
      [100, 1, 0, T0 + 1],
      [100, 1, 1, T0 - 1],
      [100, 1, 1, -1],
    ];
    for (const [price, qty, side, ts] of bad) expect(guard.acceptTrade(0, price, qty, side, ts)).toBe(false);
    expect(guard.dropped()).toMatchObject({ "non-finite": 4, "non-positive-price": 2, "non-positive-qty": 2, "out-of-range": 2, "out-of-order": 1 });
    // The symbol's clock did not move: a trade at T0 is still fine.
    expect(guard.acceptTrade(0, 100, 1, 1, T0)).toBe(true);
  });

  it("keeps each symbol's order separately", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    guard.acceptTrade(0, 100, 1, 1, T0 + 1_000);
    expect(guard.acceptTrade(1, 100, 1, 1, T0)).toBe(true);
  });

  it("counts a silence longer than maxTradeGapMs as a gap but keeps the trade", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    guard.acceptTrade(0, 100, 1, 1, T0);
    expect(guard.acceptTrade(0, 100, 1, 1, T0 + params.dataGuard.maxTradeGapMs)).toBe(true);
    expect(guard.dropped().gap).toBe(0);
    expect(guard.acceptTrade(0, 100, 1, 1, T0 + 2 * params.dataGuard.maxTradeGapMs + 1)).toBe(true);
    expect(guard.dropped().gap).toBe(1);
  });

  it("catches duplicate trade ids among the recent ones", () => {
    const guard = new MarketDataGuard({ ...params.dataGuard, recentTradeIds: 2 });
    guard.rememberTradeId(0, "a");
    guard.rememberTradeId(0, "b");
    expect(guard.isDuplicateTrade(0, "a")).toBe(true);
    expect(guard.isDuplicateTrade(1, "a")).toBe(false);
    guard.rememberTradeId(0, "c"); // evicts "a"
    expect(guard.isDuplicateTrade(0, "a")).toBe(false);
    expect(guard.isDuplicateTrade(0, "c")).toBe(true);
    expect(guard.dropped().duplicate).toBe(2);
  });

  it("checks bars: numbers, shape, alignment, then sequence", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    expect(guard.checkBar(bar(T0), HOUR_MS, Number.NaN)).toBe("accept");
    expect(guard.checkBar(bar(T0 + HOUR_MS), HOUR_MS, T0)).toBe("accept");
    expect(guard.checkBar(bar(T0), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 - HOUR_MS), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + 3 * HOUR_MS), HOUR_MS, T0)).toBe("restart");
    expect(guard.checkBar(bar(T0 + HOUR_MS, { h: Number.NaN }), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + HOUR_MS, { l: 0 }), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + HOUR_MS, { v: -1 }), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + HOUR_MS, { h: 98 }), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + HOUR_MS, { c: 102 }), HOUR_MS, T0)).toBe("drop");
    expect(guard.checkBar(bar(T0 + HOUR_MS + 1), HOUR_MS, T0)).toBe("drop");
    expect(guard.dropped()).toMatchObject({ duplicate: 1, "out-of-order": 1, gap: 1, "non-finite": 1, "non-positive-price": 1, "non-positive-qty": 1, "inconsistent-bar": 3 });
  });

  it("checks open interest, funding and spot prices", () => {
    const guard = new MarketDataGuard(params.dataGuard);
    expect(guard.acceptOpenInterest(0, 1_000, T0)).toBe(true);
    expect(guard.acceptOpenInterest(0, 0, T0 + 1)).toBe(true);
    expect(guard.acceptOpenInterest(0, -1, T0 + 2)).toBe(false);
    expect(guard.acceptOpenInterest(0, 900, T0 - 1)).toBe(false);
    expect(guard.acceptFunding(0, -0.0003, T0)).toBe(true);
    expect(guard.acceptFunding(0, 2, T0 + 1)).toBe(false);
    expect(guard.acceptFunding(0, Number.NaN, T0 + 1)).toBe(false);
    expect(guard.acceptSpotPrice(0, 100, T0)).toBe(true);
    expect(guard.acceptSpotPrice(0, 0, T0 + 1)).toBe(false);
    expect(guard.dropped()).toMatchObject({ "non-positive-qty": 1, "out-of-order": 1, "out-of-range": 1, "non-finite": 1, "non-positive-price": 1 });
  });
});
