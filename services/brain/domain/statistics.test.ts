import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { lowerQuantile, mean, pearson, sampleCovariance, sampleStdev, simpleReturns } from "./statistics.js";

const series = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 30 });

describe("statistics", () => {
  test("hand-computed mean, sample stdev, covariance and returns", () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5; squared deviations sum to 32; sample variance 32 / 7.
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(sampleStdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleStdev([1])).toBeNull();
    expect(sampleCovariance([1, 2, 3], [2, 4, 6])).toBeCloseTo(2, 12);
    expect(simpleReturns([100, 110, 99])).toEqual([0.10000000000000009, -0.09999999999999998]);
  });

  test("Pearson correlation lies in [−1, 1], is symmetric, and is unknown for flat or short series", () => {
    fc.assert(
      fc.property(series, series, (a, b) => {
        const n = Math.min(a.length, b.length);
        const [xs, ys] = [a.slice(0, n), b.slice(0, n)];
        const r = pearson(xs, ys);
        if (r !== null) {
          expect(r).toBeGreaterThanOrEqual(-1);
          expect(r).toBeLessThanOrEqual(1);
          expect(pearson(ys, xs)).toBeCloseTo(r, 9);
        }
      }),
    );
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  test("the lower quantile is an order statistic, never interpolated", () => {
    expect(lowerQuantile([], 0.05)).toBeNull();
    expect(lowerQuantile([5, 1, 3, 2, 4], 0.05)).toBe(1);
    expect(lowerQuantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(lowerQuantile(Array.from({ length: 40 }, (_, i) => i), 1 - 0.95)).toBe(1);
  });
});
