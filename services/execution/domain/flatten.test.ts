import { describe, expect, it } from "vitest";
import { flattenOrders, isFlat } from "./flatten.js";
import type { Instrument, VenuePosition } from "./venue-types.js";

const BTC: Instrument = { symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", tickSizeUsd: 0.1, lotStepQty: 0.001, minQty: 0.001, maxQty: 1, minNotionalUsd: 5, minPriceUsd: 0.1, maxPriceUsd: 1e6, maxLeverage: 100 };
const position = (symbol: string, side: VenuePosition["side"], qty: number): VenuePosition => ({ symbol, side, qty, entryPriceUsd: 1, markPriceUsd: 1, leverage: 10, unrealisedPnlUsd: 0, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs: 0 });

describe("flatten all", () => {
  it("closes every open position with one reduce-only market order on the other side", () => {
    const orders = flattenOrders("run-1", 1, [position("BTCUSDT", "long", 0.25), position("ETHUSDT", "short", 3), position("SOLUSDT", "flat", 0)], (s) => (s === "BTCUSDT" ? BTC : undefined));
    expect(orders.map((o) => [o.symbol, o.side, o.qty, o.orderType, o.reduceOnly])).toEqual([
      ["BTCUSDT", "sell", 0.25, "market", true],
      ["ETHUSDT", "buy", 3, "market", true],
    ]);
  });

  it("caps an order at the instrument's maximum (the next round takes the rest) and gives each round fresh ids", () => {
    const [first] = flattenOrders("run-1", 1, [position("BTCUSDT", "long", 2.5)], () => BTC);
    const [second] = flattenOrders("run-1", 2, [position("BTCUSDT", "long", 1.5)], () => BTC);
    expect(first!.qty).toBe(1);
    expect(first!.clientOrderId).not.toBe(second!.clientOrderId);
    expect(first!.clientOrderId).toMatch(/^tt-[A-Z2-7]{32}$/);
  });

  it("is flat only when nothing holds exposure", () => {
    expect(isFlat([position("A", "flat", 0)])).toBe(true);
    expect(isFlat([position("A", "long", 0.001)])).toBe(false);
  });
});
