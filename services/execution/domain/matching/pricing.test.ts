import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatOnStep, isOnStep, roundToStep, stepDecimals } from "./decimal.js";
import { DEFAULT_FEES, DEFAULT_SLIPPAGE, feeUsd, nextVolatility, slippageFraction, slippedPriceUsd } from "./pricing.js";

describe("fees", () => {
  it("default to Bybit perpetuals: maker 0.02 %, taker 0.055 %", () => {
    expect(DEFAULT_FEES).toEqual({ makerRate: 0.0002, takerRate: 0.00055 });
    expect(feeUsd(DEFAULT_FEES, "taker", 2, 50_000)).toBeCloseTo(55, 9);
    expect(feeUsd(DEFAULT_FEES, "maker", 2, 50_000)).toBeCloseTo(20, 9);
  });
});

describe("slippage", () => {
  const notional = fc.double({ min: 0, max: 1e8, noNaN: true });
  const volatility = fc.double({ min: 0, max: 0.5, noNaN: true });

  it("grows with size and with volatility, and never exceeds its cap", () => {
    fc.assert(
      fc.property(notional, notional, volatility, volatility, (n1, n2, v1, v2) => {
        const [small, large] = n1 <= n2 ? [n1, n2] : [n2, n1];
        const [calm, wild] = v1 <= v2 ? [v1, v2] : [v2, v1];
        expect(slippageFraction(DEFAULT_SLIPPAGE, small, calm)).toBeLessThanOrEqual(slippageFraction(DEFAULT_SLIPPAGE, large, calm));
        expect(slippageFraction(DEFAULT_SLIPPAGE, small, calm)).toBeLessThanOrEqual(slippageFraction(DEFAULT_SLIPPAGE, small, wild));
        expect(slippageFraction(DEFAULT_SLIPPAGE, large, wild)).toBeLessThanOrEqual(DEFAULT_SLIPPAGE.maxFraction);
      }),
    );
  });

  it("moves the price against the taker and lands on the tick", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 1_000_000 }), fc.integer({ min: 1, max: 10_000 }), volatility, (ticks, lots, vol) => {
        const reference = roundToStep(ticks * 0.1, 0.1);
        const qty = roundToStep(lots * 0.001, 0.001);
        const buy = slippedPriceUsd(DEFAULT_SLIPPAGE, "buy", reference, qty, vol, 0.1);
        const sell = slippedPriceUsd(DEFAULT_SLIPPAGE, "sell", reference, qty, vol, 0.1);
        expect(buy).toBeGreaterThanOrEqual(reference);
        expect(sell).toBeLessThanOrEqual(reference);
        expect(sell).toBeGreaterThan(0);
        expect(isOnStep(buy, 0.1) && isOnStep(sell, 0.1)).toBe(true);
      }),
    );
  });

  it("is the documented formula", () => {
    const fraction = slippageFraction(DEFAULT_SLIPPAGE, 400_000, 0.001);
    expect(fraction).toBeCloseTo(0.0001 + 0.5 * 0.001 + 0.0005 * 2, 12);
  });
});

describe("volatility estimate", () => {
  it("is an EWMA of absolute log returns, unchanged by the first trade", () => {
    expect(nextVolatility(0.01, null, 100, 0.1)).toBe(0.01);
    expect(nextVolatility(0, 100, 101, 0.1)).toBeCloseTo(0.1 * Math.log(1.01), 12);
  });
});

describe("step arithmetic", () => {
  it("snaps to the grid without float residue", () => {
    expect(roundToStep(0.1 + 0.2, 0.1)).toBe(0.3);
    expect(roundToStep(0.0029999999999999996, 0.001, "down")).toBe(0.003);
    expect(roundToStep(0.7, 0.1, "down")).toBe(0.7);
    expect(roundToStep(1.0005, 0.001, "down")).toBe(1);
    expect(roundToStep(1.0005, 0.001, "up")).toBe(1.001);
    expect(stepDecimals(0.5)).toBe(1);
    expect(stepDecimals(1e-7)).toBe(7);
    expect(stepDecimals(10)).toBe(0);
    expect(formatOnStep(0.1, 0.001)).toBe("0.100");
    expect(() => stepDecimals(0)).toThrow(RangeError);
  });

  it("lands every rounded value on the grid and within one step of the input", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0.001, 0.01, 0.1, 0.5, 1, 0.0001), (value, stepSize) => {
        for (const mode of ["nearest", "down", "up"] as const) {
          const rounded = roundToStep(value, stepSize, mode);
          expect(isOnStep(rounded, stepSize)).toBe(true);
          expect(Math.abs(rounded - value)).toBeLessThanOrEqual(stepSize * (1 + 1e-9));
        }
      }),
    );
  });
});
