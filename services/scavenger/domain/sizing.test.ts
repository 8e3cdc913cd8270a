import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScavengerParameters } from "./scavenger-parameters.js";
import { TrapOutcomes, fractionalKelly, proposeSize } from "./sizing.js";
import type { TrapPlan } from "./trap.js";

// Trigger 100, stop 99 (1 %), target 103 (3 %): R = 3 / 1 = 3.
const plan: TrapPlan = {
  trapType: "volume-cluster",
  side: "long",
  levelPriceUsd: 99.8,
  triggerPriceUsd: 100,
  stopLossPriceUsd: 99,
  takeProfitPriceUsd: 103,
  confidence: 95,
  leverage: 20,
};

describe("quarter Kelly", () => {
  it("is 0.25 × (W − (1 − W) / R)", () => {
    // 0.25 × (0.95 − 0.05 / 3) = 0.25 × 0.93333… = 0.23333…
    expect(fractionalKelly(0.95, 3)).toBeCloseTo(0.25 * (0.95 - 0.05 / 3), 12);
    // 0.25 × (0.5 − 0.5 / 2) = 0.0625.
    expect(fractionalKelly(0.5, 2)).toBe(0.0625);
  });

  it("is never negative, and zero for a meaningless R", () => {
    // 0.2 − 0.8 / 1 = −0.6 → 0.
    expect(fractionalKelly(0.2, 1)).toBe(0);
    expect(fractionalKelly(0.9, 0)).toBe(0);
    expect(fractionalKelly(0.9, Number.POSITIVE_INFINITY)).toBe(0);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (w, r) => {
        const f = fractionalKelly(w, r);
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(0.25);
      }),
    );
  });
});

describe("size proposal", () => {
  it("uses the trap's confidence as W until enough trades closed, and caps by risk per trade", () => {
    const params = loadScavengerParameters(undefined);
    const size = proposeSize(plan, new TrapOutcomes(), params);
    expect(size).toMatchObject({ winRate: 0.95, winRateSource: "confidence", limitedBy: "risk-per-trade" });
    expect(size.rewardRiskRatio).toBeCloseTo(3, 12);
    expect(size.kellyFraction).toBeCloseTo(0.25 * (0.95 - 0.05 / 3), 12);
    // Loss at the stop = margin × 20 × 1 % ≤ 2 % of the allocation → margin ≤ 0.02 / (20 × 0.01) = 0.1.
    expect(size.marginFraction).toBeCloseTo(0.1, 12);
  });

  it("is limited by Kelly or by the maximum position size when those are smaller", () => {
    const loose = loadScavengerParameters({ riskPerTradePercent: 5 });
    // Risk cap 0.05 / (1 × 0.01) = 5; Kelly 0.2333 < 50 % → Kelly.
    expect(proposeSize({ ...plan, leverage: 1 }, new TrapOutcomes(), loose)).toMatchObject({ limitedBy: "kelly" });
    const smallPositions = loadScavengerParameters({ riskPerTradePercent: 5, maxPositionSizePercent: 10 });
    const size = proposeSize({ ...plan, leverage: 1 }, new TrapOutcomes(), smallPositions);
    expect(size).toMatchObject({ limitedBy: "max-position-size", marginFraction: 0.1 });
  });

  it("switches to the calibrated win rate at minTradesForCalibration closed trades", () => {
    const params = loadScavengerParameters({ riskPerTradePercent: 5, sizing: { minTradesForCalibration: 30 } });
    const outcomes = new TrapOutcomes();
    for (let i = 0; i < 29; i++) outcomes.record("volume-cluster", i < 10);
    expect(proposeSize({ ...plan, leverage: 1 }, outcomes, params).winRateSource).toBe("confidence");
    outcomes.record("volume-cluster", true);
    // 11 wins of 30 = 0.3667; 0.25 × (0.3667 − 0.6333 / 3) = 0.25 × 0.15556 = 0.03889.
    const size = proposeSize({ ...plan, leverage: 1 }, outcomes, params);
    expect(size.winRateSource).toBe("calibrated");
    expect(size.winRate).toBeCloseTo(11 / 30, 12);
    expect(size.marginFraction).toBeCloseTo(0.25 * (11 / 30 - 19 / 30 / 3), 12);
    // Other trap types keep their own count.
    expect(outcomes.winRate("daily-level", 85, 30)).toEqual({ winRate: 0.85, source: "confidence" });
  });

  it("proposes nothing when the calibrated edge is negative", () => {
    const outcomes = new TrapOutcomes();
    for (let i = 0; i < 30; i++) outcomes.record("volume-cluster", i < 6);
    // W = 0.2, R = 3: 0.2 − 0.8 / 3 < 0.
    const size = proposeSize(plan, outcomes, loadScavengerParameters(undefined));
    expect(size.kellyFraction).toBe(0);
    expect(size.marginFraction).toBe(0);
  });
});
