import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatRate, formatSeconds, percentileOfSorted, summariseLatencies } from "./stats.js";

describe("latency summaries", () => {
  it("take nearest-rank percentiles: p50 of 1..100 is 50, p99 is 99, max is 100", () => {
    const s = summariseLatencies(Array.from({ length: 100 }, (_, i) => (100 - i) / 1000));
    expect(s).toMatchObject({ count: 100, minSeconds: 0.001, p50Seconds: 0.05, p95Seconds: 0.095, p99Seconds: 0.099, maxSeconds: 0.1 });
    expect(s?.meanSeconds).toBeCloseTo(0.0505, 10);
  });

  it("report a latency some sample really had, ordered p50 ≤ p95 ≤ p99 ≤ max", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }), (samples) => {
        const s = summariseLatencies(samples)!;
        for (const v of [s.p50Seconds, s.p95Seconds, s.p99Seconds, s.maxSeconds]) expect(samples).toContain(v);
        expect(s.minSeconds).toBeLessThanOrEqual(s.p50Seconds);
        expect(s.p50Seconds).toBeLessThanOrEqual(s.p95Seconds);
        expect(s.p95Seconds).toBeLessThanOrEqual(s.p99Seconds);
        expect(s.p99Seconds).toBeLessThanOrEqual(s.maxSeconds);
      }),
    );
  });

  it("have nothing to say about no samples, and refuse a sample that is not a number", () => {
    expect(summariseLatencies([])).toBeUndefined();
    expect(() => summariseLatencies([0.1, Number.NaN])).toThrow(/not a finite number/);
    expect(() => percentileOfSorted([], 0.5)).toThrow(/no samples/);
    expect(() => percentileOfSorted([1], 1.5)).toThrow(/within 0..1/);
  });

  it("print latencies and rates in the unit a person reads at a glance", () => {
    expect(formatSeconds(0.00042)).toBe("420 µs");
    expect(formatSeconds(0.0123)).toBe("12.3 ms");
    expect(formatSeconds(0.25)).toBe("250 ms");
    expect(formatSeconds(2.5)).toBe("2.50 s");
    expect(formatRate(12_300_000)).toBe("12.3 M/s");
    expect(formatRate(340)).toBe("340/s");
  });
});
