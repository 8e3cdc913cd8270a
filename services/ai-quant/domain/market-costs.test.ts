import { describe, expect, it } from "vitest";
import { AtrTracker, slippageFraction } from "./market-costs.js";
import { DEFAULT_QUANT_SETTINGS } from "./quant-settings.js";

const settings = DEFAULT_QUANT_SETTINGS.backtest;
const bar = (openTsMs: number, h: number, l: number, c: number, interval = "1h") => ({ symbol: "X", interval, openTsMs, openPriceUsd: c, highPriceUsd: h, lowPriceUsd: l, closePriceUsd: c, volumeQty: 1, closed: true });

describe("market costs", () => {
  it("slippage grows with volatility and with size, and is capped", () => {
    const small = slippageFraction(settings, 0.01, 1_000);
    expect(slippageFraction(settings, 0.02, 1_000)).toBeCloseTo(2 * small, 15);
    expect(slippageFraction(settings, 0.01, settings.slippageReferenceNotionalUsd)).toBeCloseTo(settings.slippageAtrFraction * 0.01 * 2, 15);
    expect(slippageFraction(settings, 10, 1e9)).toBe(settings.maxSlippageFraction);
    expect(slippageFraction(settings, 0, 1_000)).toBe(0);
  });

  it("ATR is the mean true range of the last bars of its interval over the last close", () => {
    const atr = new AtrTracker("1h", 2);
    expect(atr.atrFraction("X")).toBe(0);
    atr.onKline(bar(0, 110, 100, 105));
    atr.onKline(bar(0, 999, 1, 500, "5m")); // another interval: ignored
    atr.onKline(bar(3_600_000, 112, 108, 110)); // true range max(4, |112 − 105|, |108 − 105|) = 7
    expect(atr.atrFraction("X")).toBeCloseTo((10 + 7) / 2 / 110, 12);
    atr.onKline(bar(7_200_000, 111, 109, 110)); // the first bar leaves the window: (7 + 2) / 2
    expect(atr.atrFraction("X")).toBeCloseTo((7 + 2) / 2 / 110, 12);
  });
});
