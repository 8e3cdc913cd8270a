import { describe, expect, it } from "vitest";
import type { MarketEvent, MarketEventOf } from "./events.js";
import { KlineBuilder } from "./kline-builder.js";

const T0 = Date.UTC(2026, 0, 1);
const bars = (out: MarketEvent[]) => out.filter((e): e is MarketEventOf<"market-kline"> => e.type === "market-kline").map((e) => e.payload);

describe("klines built from trades", () => {
  it("aggregates a minute's trades into one bar, emitted closed when a later minute's trade arrives", () => {
    const builder = new KlineBuilder({ intervals: ["1m"], venue: "bybit" });
    const out: MarketEvent[] = [];
    builder.onTrade("BTCUSDT", T0 + 1_000, 100, 1, out);
    builder.onTrade("BTCUSDT", T0 + 20_000, 103, 2, out);
    builder.onTrade("BTCUSDT", T0 + 40_000, 99, 1, out);
    builder.onTrade("BTCUSDT", T0 + 59_999, 101, 0.5, out);
    expect(out).toEqual([]);
    builder.onTrade("BTCUSDT", T0 + 61_000, 102, 1, out);
    expect(bars(out)).toEqual([
      expect.objectContaining({
        symbol: "BTCUSDT",
        interval: "1m",
        openTsMs: T0,
        closeTsMs: T0 + 59_999,
        openPriceUsd: 100,
        highPriceUsd: 103,
        lowPriceUsd: 99,
        closePriceUsd: 101,
        volumeQty: 4.5,
        turnoverUsd: 100 + 206 + 99 + 50.5,
        closed: true,
        venueTsMs: T0 + 59_999,
        tsMs: T0 + 61_000,
      }),
    ]);
  });

  it("closes a bar when time passes its end without trades, once, and keeps symbols and intervals apart", () => {
    const builder = new KlineBuilder({ intervals: ["1m", "5m"], venue: "paper" });
    const out: MarketEvent[] = [];
    builder.onTrade("BTCUSDT", T0 + 10, 100, 1, out);
    builder.onTrade("ETHUSDT", T0 + 20, 10, 1, out);
    builder.closeDue(T0 + 59_999, out);
    expect(out).toEqual([]);
    builder.closeDue(T0 + 60_000, out);
    expect(bars(out).map((b) => `${b.symbol} ${b.interval}`)).toEqual(["BTCUSDT 1m", "ETHUSDT 1m"]);
    builder.closeDue(T0 + 120_000, out);
    expect(bars(out)).toHaveLength(2);
    builder.closeDue(T0 + 300_000, out);
    expect(bars(out).map((b) => `${b.symbol} ${b.interval} ${b.tsMs - T0}`)).toEqual(["BTCUSDT 1m 60000", "ETHUSDT 1m 60000", "BTCUSDT 5m 300000", "ETHUSDT 5m 300000"]);
  });

  it("leaves no bar for an interval without trades", () => {
    const builder = new KlineBuilder({ intervals: ["1m"], venue: "bybit" });
    const out: MarketEvent[] = [];
    builder.onTrade("BTCUSDT", T0, 100, 1, out);
    builder.onTrade("BTCUSDT", T0 + 5 * 60_000, 101, 1, out);
    expect(bars(out).map((b) => b.openTsMs)).toEqual([T0]);
  });
});
