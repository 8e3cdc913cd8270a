import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  basisDiscountHolds,
  basisTrap,
  fundingCrowdsShorts,
  fundingSqueezeTrap,
  oiWipeoutTrap,
  openInterestWipedOut,
  type FundingSqueezeInput,
  type OiWipeoutInput,
} from "./detectors.js";
import { DEFAULT_SCAVENGER_PARAMETERS as params, loadScavengerParameters } from "./scavenger-parameters.js";

describe("open-interest wipeout", () => {
  // Price 100 → 97 within 5 min: (100 − 97) / 100 = 3 %. Open interest 1,000 → 800: −20 %. CVD(60 s) = +5.
  const flushed: OiWipeoutInput = { lastPriceUsd: 97, windowHighPriceUsd: 100, openInterestQty: 800, referenceOpenInterestQty: 1_000, volumeDeltaQty: 5 };

  it("arms a long at the price with a 50 % retrace target and a 2 % stop", () => {
    // Target 97 + 0.5 × (100 − 97) = 98.5; stop 97 × 0.98 = 95.06.
    const trap = oiWipeoutTrap(flushed, params);
    expect(trap).toMatchObject({ trapType: "oi-wipeout", side: "long", triggerPriceUsd: 97, takeProfitPriceUsd: 98.5, confidence: 80, leverage: 10 });
    expect(trap!.stopLossPriceUsd).toBeCloseTo(95.06, 10);
  });

  it("needs all three: the drop, the open-interest flush and buyers in the lead", () => {
    expect(oiWipeoutTrap({ ...flushed, lastPriceUsd: 97.1 }, params)).toBeNull(); // 2.9 %
    expect(oiWipeoutTrap({ ...flushed, openInterestQty: 801 }, params)).toBeNull(); // 19.9 %
    expect(oiWipeoutTrap({ ...flushed, volumeDeltaQty: 0 }, params)).toBeNull();
    expect(oiWipeoutTrap({ ...flushed, windowHighPriceUsd: Number.NaN }, params)).toBeNull(); // no trades in the window
    expect(oiWipeoutTrap(flushed, loadScavengerParameters({ oiWipeout: { enabled: false } }))).toBeNull();
  });
});

describe("funding squeeze", () => {
  // Funding −0.03 % < −0.02 %; lows 95 < 96 < 97; CVD(5 min) = +10.
  const squeezed: FundingSqueezeInput = { lastPriceUsd: 99, fundingRate: -0.0003, lows: [95, 96, 97], highs: [98, 99, 100], volumeDeltaQty: 10 };

  it("arms a long with target recent high × 1.02 and stop last low × 0.995", () => {
    // Target 100 × 1.02 = 102; stop 97 × 0.995 = 96.515.
    const trap = fundingSqueezeTrap(squeezed, params);
    expect(trap).toMatchObject({ trapType: "funding-squeeze", side: "long", triggerPriceUsd: 99, levelPriceUsd: 97, confidence: 75, leverage: 10 });
    expect(trap!.takeProfitPriceUsd).toBeCloseTo(102, 10);
    expect(trap!.stopLossPriceUsd).toBeCloseTo(96.515, 10);
  });

  it("reads only the last three bars", () => {
    expect(fundingSqueezeTrap({ ...squeezed, lows: [99, 95, 96, 97], highs: [120, 98, 99, 100] }, params)!.takeProfitPriceUsd).toBeCloseTo(102, 10);
  });

  it("needs funding below −0.02 %, strictly higher lows and a rising CVD", () => {
    expect(fundingSqueezeTrap({ ...squeezed, fundingRate: -0.0002 }, params)).toBeNull();
    expect(fundingSqueezeTrap({ ...squeezed, fundingRate: 0.0001 }, params)).toBeNull();
    expect(fundingSqueezeTrap({ ...squeezed, lows: [95, 97, 96] }, params)).toBeNull();
    expect(fundingSqueezeTrap({ ...squeezed, lows: [95, 95, 96] }, params)).toBeNull();
    expect(fundingSqueezeTrap({ ...squeezed, volumeDeltaQty: -1 }, params)).toBeNull();
    expect(fundingSqueezeTrap({ ...squeezed, lows: [96, 97], highs: [99, 100] }, params)).toBeNull();
  });

  it("proposes nothing when price is already past the target", () => {
    expect(fundingSqueezeTrap({ ...squeezed, lastPriceUsd: 103 }, params)).toBeNull();
  });
});

describe("basis", () => {
  it("arms a long on the perpetual when it trades more than 0.5 % under spot with 1 M USD of volume", () => {
    // (100 − 99.4) / 100 = 0.6 %; target 100 × 0.999 = 99.9; stop 99.4 × 0.995 = 98.903.
    const trap = basisTrap({ spotPriceUsd: 100, perpPriceUsd: 99.4, volume24hUsd: 2_000_000 }, params);
    expect(trap).toMatchObject({ trapType: "basis", side: "long", triggerPriceUsd: 99.4, levelPriceUsd: 100, confidence: 70, leverage: 5 });
    expect(trap!.takeProfitPriceUsd).toBeCloseTo(99.9, 10);
    expect(trap!.stopLossPriceUsd).toBeCloseTo(98.903, 10);
  });

  it("needs the basis above 0.5 % (not at it), the volume at least 1 M USD, and a discount, not a premium", () => {
    expect(basisTrap({ spotPriceUsd: 100, perpPriceUsd: 99.5, volume24hUsd: 2_000_000 }, params)).toBeNull();
    expect(basisTrap({ spotPriceUsd: 100, perpPriceUsd: 99.4, volume24hUsd: 999_999 }, params)).toBeNull();
    expect(basisTrap({ spotPriceUsd: 100, perpPriceUsd: 99.4, volume24hUsd: 1_000_000 }, params)).not.toBeNull();
    expect(basisTrap({ spotPriceUsd: 100, perpPriceUsd: 101, volume24hUsd: 2_000_000 }, params)).toBeNull();
  });
});

describe("each detector's cheap half, checked first by the engine", () => {
  // The engine skips gathering a detector's full input when its cheap half fails: that is exact only if
  // the detector can never hold without it. And where the cheap half holds, it changes nothing.
  const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true });
  const anyOf = (arb: fc.Arbitrary<number>) => fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, 0, -1, Number.POSITIVE_INFINITY) });
  const settings = fc.record({ enabled: fc.boolean(), threshold: finite(0.1, 30) });

  it("open interest: no wipeout trap without the open-interest drop", () => {
    fc.assert(
      fc.property(settings, anyOf(finite(50, 150)), anyOf(finite(50, 150)), anyOf(finite(0, 2_000)), anyOf(finite(0, 2_000)), anyOf(finite(-10, 10)), (s, price, high, oi, referenceOi, cvd) => {
        const p = loadScavengerParameters({ oiWipeout: { enabled: s.enabled, oiDropPercent: s.threshold } });
        const input = { lastPriceUsd: price, windowHighPriceUsd: high, openInterestQty: oi, referenceOpenInterestQty: referenceOi, volumeDeltaQty: cvd };
        if (!openInterestWipedOut(oi, referenceOi, p)) expect(oiWipeoutTrap(input, p)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("funding: no squeeze trap without crowded shorts", () => {
    fc.assert(
      fc.property(settings, anyOf(finite(-0.01, 0.01)), anyOf(finite(-10, 10)), (s, fundingRate, cvd) => {
        const p = loadScavengerParameters({ fundingSqueeze: { enabled: s.enabled, maxFundingRatePercent: -s.threshold / 100 } });
        const input = { lastPriceUsd: 99, fundingRate, lows: [95, 96, 97], highs: [98, 99, 100], volumeDeltaQty: cvd };
        if (!fundingCrowdsShorts(fundingRate, p)) expect(fundingSqueezeTrap(input, p)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("basis: no basis trap without the discount", () => {
    fc.assert(
      fc.property(settings, anyOf(finite(90, 110)), anyOf(finite(90, 110)), anyOf(finite(0, 5_000_000)), (s, spot, perp, volume) => {
        const p = loadScavengerParameters({ basis: { enabled: s.enabled, minBasisPercent: s.threshold / 10 } });
        if (!basisDiscountHolds(spot, perp, p)) expect(basisTrap({ spotPriceUsd: spot, perpPriceUsd: perp, volume24hUsd: volume }, p)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("hold on the examples above", () => {
    expect(openInterestWipedOut(800, 1_000, params)).toBe(true);
    expect(openInterestWipedOut(801, 1_000, params)).toBe(false);
    expect(fundingCrowdsShorts(-0.0003, params)).toBe(true);
    expect(fundingCrowdsShorts(-0.0002, params)).toBe(false);
    expect(basisDiscountHolds(100, 99.4, params)).toBe(true);
    expect(basisDiscountHolds(100, 99.5, params)).toBe(false);
  });
});
