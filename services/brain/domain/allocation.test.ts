import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { allocate, equityTier, sigmoid, sigmoidWeights, type Phase, type PhaseWeights } from "./allocation.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";

const w = (equityUsd: number) => sigmoidWeights(equityUsd, P);
const sum = (weights: PhaseWeights) => weights[1] + weights[2] + weights[3];
const maxDelta = (a: PhaseWeights, b: PhaseWeights) => Math.max(...([1, 2, 3] as const).map((phase) => Math.abs(a[phase] - b[phase])));
const equity = fc.double({ min: -10_000, max: 10_000_000, noNaN: true });

describe("hand-computed weights", () => {
  test("below 1,500 phase 1 holds everything", () => {
    expect(w(0)).toEqual({ 1: 1, 2: 0, 3: 0 });
    expect(w(1_499.99)).toEqual({ 1: 1, 2: 0, 3: 0 });
  });

  test("at 3,250, the ramp's midpoint, phase 2 has exactly half its 0.8 share", () => {
    // s(3,250) = σ(0) = 0.5; s(1,500) = σ(−5.25) = 1 / (1 + e^5.25) = 1 / 191.566 = 0.0052201;
    // s(5,000) = σ(5.25) = 1 − 0.0052201 = 0.9947799. p = (0.5 − 0.0052201) / (0.9947799 − 0.0052201)
    // = 0.4947799 / 0.9895598 = 0.5 (σ is symmetric about the midpoint). w2 = 0.8 × 0.5 = 0.4, w1 = 0.6.
    expect(w(3_250)[1]).toBeCloseTo(0.6, 12);
    expect(w(3_250)[2]).toBeCloseTo(0.4, 12);
    expect(w(3_250)[3]).toBe(0);
  });

  test("at 2,000 phase 2 has just started", () => {
    // s(2,000) = σ(0.003 × (2,000 − 3,250)) = σ(−3.75) = 1 / (1 + 42.52108) = 0.0229774;
    // p = (0.0229774 − 0.0052201) / 0.9895598 = 0.0177572 / 0.9895598 = 0.0179446;
    // w2 = 0.8 × 0.0179446 = 0.0143557, w1 = 0.9856443.
    expect(w(2_000)[2]).toBeCloseTo(0.0143557, 6);
    expect(w(2_000)[1]).toBeCloseTo(0.9856443, 6);
  });

  test("at 4,000 phase 2 is most of the way to 0.8", () => {
    // s(4,000) = σ(2.25) = 1 / (1 + e^−2.25) = 1 / (1 + 0.1053992) = 0.9046505;
    // p = (0.9046505 − 0.0052201) / 0.9895598 = 0.8994304 / 0.9895598 = 0.9089198;
    // w2 = 0.8 × 0.9089198 = 0.7271358, w1 = 0.2728642.
    expect(w(4_000)[2]).toBeCloseTo(0.7271358, 6);
    expect(w(4_000)[1]).toBeCloseTo(0.2728642, 6);
  });

  test("between 5,000 and 25,000 the split is 0.2 / 0.8", () => {
    expect(w(5_000)).toEqual({ 1: 0.2, 2: 0.8, 3: 0 });
    expect(w(24_999)).toEqual({ 1: 0.2, 2: 0.8, 3: 0 });
  });

  test("at 37,500, the growth midpoint, phase 3 has 0.2295", () => {
    // t(37,500) = σ(0) = 0.5; t(25,000) = σ(0.0002 × −12,500) = σ(−2.5) = 1 / (1 + 12.18249) = 0.0758582;
    // q = (0.5 − 0.0758582) / (1 − 0.0758582) = 0.4241418 / 0.9241418 = 0.4589575;
    // w3 = 0.5 × 0.4589575 = 0.2294788, w2 = 0.8 − 0.2294788 = 0.5705212, w1 = 0.2.
    expect(w(37_500)[3]).toBeCloseTo(0.2294788, 6);
    expect(w(37_500)[2]).toBeCloseTo(0.5705212, 6);
    expect(w(37_500)[1]).toBe(0.2);
  });

  test("as equity grows without bound the weights approach 0.2 / 0.3 / 0.5", () => {
    const far = w(1e9);
    expect(far[1]).toBe(0.2);
    expect(far[2]).toBeCloseTo(0.3, 9);
    expect(far[3]).toBeCloseTo(0.5, 9);
  });

  test("sigmoid is the logistic function", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 12);
  });
});

describe("weights properties", () => {
  test("weights sum to 1 and each lies in [0, 1]", () => {
    fc.assert(
      fc.property(equity, (e) => {
        const weights = w(e);
        expect(Math.abs(sum(weights) - 1)).toBeLessThan(1e-12);
        for (const phase of [1, 2, 3] as const) {
          expect(weights[phase]).toBeGreaterThanOrEqual(0);
          expect(weights[phase]).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  // The steepest slope is on the ramp: 0.8 × (0.003 / 4) / 0.98956 ≈ 6.1e-4 per USD.
  const LIPSCHITZ_PER_USD = 7e-4;

  test("weights are continuous in equity everywhere (bounded slope)", () => {
    fc.assert(
      fc.property(equity, fc.double({ min: 1e-6, max: 10, noNaN: true }), (e, epsilon) => {
        expect(maxDelta(w(e + epsilon), w(e))).toBeLessThanOrEqual(LIPSCHITZ_PER_USD * epsilon + 1e-12);
      }),
    );
  });

  test.each([1_500, 5_000, 25_000])("no jump at %d USD", (edge) => {
    for (const epsilon of [1e-3, 1e-6, 1e-9]) {
      expect(maxDelta(w(edge - epsilon), w(edge))).toBeLessThan(1e-6);
      expect(maxDelta(w(edge + epsilon), w(edge))).toBeLessThan(1e-6);
    }
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), (offset) => {
        expect(maxDelta(w(edge + offset), w(edge))).toBeLessThanOrEqual(LIPSCHITZ_PER_USD * Math.abs(offset) + 1e-12);
      }),
    );
  });

  test("phase 1 never gains and phase 3 never loses weight as equity grows", () => {
    fc.assert(
      fc.property(equity, fc.double({ min: 0, max: 100_000, noNaN: true }), (e, rise) => {
        expect(w(e + rise)[1]).toBeLessThanOrEqual(w(e)[1] + 1e-12);
        expect(w(e + rise)[3]).toBeGreaterThanOrEqual(w(e)[3] - 1e-12);
      }),
    );
  });

  test("phase 2 grows up to 25,000 and shrinks after it", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 25_000, noNaN: true }), fc.double({ min: 0, max: 25_000, noNaN: true }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(w(high)[2]).toBeGreaterThanOrEqual(w(low)[2] - 1e-12);
        expect(w(25_000 + high)[2]).toBeLessThanOrEqual(w(25_000 + low)[2] + 1e-12);
      }),
    );
  });

  test("a non-finite equity is refused", () => {
    expect(() => w(Number.NaN)).toThrow(/finite/);
    expect(() => w(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});

describe("equity tiers", () => {
  test.each([
    [0, "MICRO", 20],
    [1_499.99, "MICRO", 20],
    [1_500, "SMALL", 10],
    [4_999, "SMALL", 10],
    [5_000, "MEDIUM", 5],
    [25_000, "LARGE", 3],
    [49_999, "LARGE", 3],
    [50_000, "INSTITUTIONAL", 2],
    [1e9, "INSTITUTIONAL", 2],
  ])("equity %d USD is %s with a %dx cap", (e, name, cap) => {
    expect(equityTier(e, P)).toEqual({ name, leverageCap: cap });
  });

  test("the leverage cap never rises with equity", () => {
    fc.assert(
      fc.property(equity, fc.double({ min: 0, max: 100_000, noNaN: true }), (e, rise) => {
        expect(equityTier(e + rise, P).leverageCap).toBeLessThanOrEqual(equityTier(e, P).leverageCap);
      }),
    );
  });
});

describe("registered phases and reserve", () => {
  test("the weight of an unregistered phase stays unallocated as reserve", () => {
    const allocation = allocate(10_000, [1], P);
    expect(allocation.allocated).toEqual({ 1: 0.2, 2: 0, 3: 0 });
    expect(allocation.reserveWeight).toBeCloseTo(0.8, 12);
    expect(allocation.registeredPhases).toEqual([1]);
    expect(allocation.tier).toEqual({ name: "MEDIUM", leverageCap: 5 });
  });

  test("allocated weights plus reserve always sum to 1", () => {
    fc.assert(
      fc.property(equity, fc.subarray([1, 2, 3] as Phase[]), (e, phases) => {
        const allocation = allocate(e, phases, P);
        expect(Math.abs(sum(allocation.allocated) + allocation.reserveWeight - 1)).toBeLessThan(1e-12);
        for (const phase of [1, 2, 3] as const) expect(allocation.allocated[phase]).toBe(phases.includes(phase) ? allocation.weights[phase] : 0);
      }),
    );
  });

  test("an override replaces the sigmoid weights", () => {
    const allocation = allocate(1_000, [1, 2], P, { 1: 0.5, 2: 0.25, 3: 0.25 });
    expect(allocation.source).toBe("override");
    expect(allocation.allocated).toEqual({ 1: 0.5, 2: 0.25, 3: 0 });
    expect(allocation.reserveWeight).toBe(0.25);
  });
});
