import { describe, expect, it } from "vitest";
import { addPriceSample, limitPriceFor, orderTypeForVelocity, velocityPerSecond } from "./order-type.js";

describe("order type by price velocity", () => {
  it("uses the thresholds of the original design", () => {
    expect(orderTypeForVelocity(0.0051)).toBe("market");
    expect(orderTypeForVelocity(-0.0051)).toBe("market");
    expect(orderTypeForVelocity(0.005)).toBe("limit");
    expect(orderTypeForVelocity(0.0011)).toBe("limit");
    expect(orderTypeForVelocity(0.001)).toBe("post-only");
  });

  it("prices a limit at the far touch and a post-only at the near one", () => {
    const quote = { lastPriceUsd: 100, bidPriceUsd: 99.9, askPriceUsd: 100.1 };
    expect(limitPriceFor("limit", "buy", quote, 0.1)).toBe(100.1);
    expect(limitPriceFor("limit", "sell", quote, 0.1)).toBe(99.9);
    expect(limitPriceFor("post-only", "buy", quote, 0.1)).toBe(99.9);
    expect(limitPriceFor("post-only", "sell", quote, 0.1)).toBe(100.1);
    expect(limitPriceFor("post-only", "buy", { lastPriceUsd: 100, bidPriceUsd: null, askPriceUsd: null }, 0.1)).toBe(99.9);
    expect(limitPriceFor("market", "buy", quote, 0.1)).toBeNull();
  });

  it("measures velocity over the last second up to now, and not from too little data", () => {
    let samples = addPriceSample([], { tsMs: 0, priceUsd: 100 }, 10_000);
    expect(velocityPerSecond(samples, 0)).toBe(0);
    samples = addPriceSample(samples, { tsMs: 50, priceUsd: 101 }, 10_000);
    expect(velocityPerSecond(samples, 50)).toBe(0);
    samples = addPriceSample(samples, { tsMs: 1_000, priceUsd: 100.5 }, 10_000);
    expect(velocityPerSecond(samples, 1_000)).toBeCloseTo(0.005, 9);
    // A fast move is diluted over the whole second: 0.5 % in 200 ms is 0.5 %/s, not 2.5 %/s.
    expect(velocityPerSecond([{ tsMs: 0, priceUsd: 100 }, { tsMs: 800, priceUsd: 100 }, { tsMs: 1_000, priceUsd: 100.5 }], 1_000)).toBeCloseTo(0.005, 9);
    // Nothing printed for a while: the price has not moved since.
    expect(velocityPerSecond(samples, 5_000)).toBe(0);
    samples = addPriceSample(samples, { tsMs: 2_000, priceUsd: 100.5 }, 10_000);
    expect(velocityPerSecond(samples, 2_000)).toBe(0);
    expect(addPriceSample(samples, { tsMs: 30_000, priceUsd: 1 }, 10_000)).toHaveLength(1);
  });
});
