import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ControlCommandSchema, checkSchema } from "../../shared/contracts/index.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import { INITIAL_TREASURY_STATE, sweepFigures, treasuryCheck, type TreasuryInputs } from "./treasury.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 10, 9);
const LATE = { 1: 0.2, 2: 0.3, 3: 0.5 } as const;
const inputs = (equityUsd: number, futuresBalanceUsd: number, nowMs = T0): TreasuryInputs => ({ equityUsd, futuresBalanceUsd, weights: LATE, venue: "paper", nowMs });

describe("sweep rule", () => {
  test("moves what exceeds the target once the balance is above 1.2 × target", () => {
    // Target = 10,000 × (0.2 + 0.3) = 5,000; trigger 1.2 × 5,000 = 6,000; balance 8,000 → min(3,000, 7,800) = 3,000.
    expect(sweepFigures(10_000, 8_000, LATE, P)).toEqual({ targetUsd: 5_000, triggerUsd: 6_000, amountUsd: 3_000 });
    // Exactly at 1.2 × target: no sweep.
    expect(sweepFigures(10_000, 6_000, LATE, P).amountUsd).toBe(0);
  });

  test("never sweeps below the 200 USD reserve", () => {
    // Target = 300 × 0.5 = 150; balance 300 > 180 → min(300 − 150, 300 − 200) = 100.
    expect(sweepFigures(300, 300, LATE, P).amountUsd).toBe(100);
    expect(sweepFigures(100, 190, LATE, P).amountUsd).toBe(0);
  });

  test("a sweep leaves at least the target and the reserve in futures", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (equityUsd, balanceUsd) => {
        const figures = sweepFigures(equityUsd, balanceUsd, LATE, P);
        expect(figures.amountUsd).toBeGreaterThanOrEqual(0);
        if (figures.amountUsd > 0) {
          expect(balanceUsd).toBeGreaterThan(1.2 * figures.targetUsd);
          expect(balanceUsd - figures.amountUsd).toBeGreaterThanOrEqual(Math.max(figures.targetUsd, 200) - 1e-6);
        }
      }),
    );
  });
});

describe("when it runs", () => {
  test("the first check of each UTC day runs and publishes a transfer command", () => {
    const first = treasuryCheck(INITIAL_TREASURY_STATE, inputs(10_000, 8_000), P);
    expect(first.trigger).toBe("daily");
    expect(first.transfer).toMatchObject({ command: "transfer", amountUsd: 3_000, fromAccount: "futures", toAccount: "spot", asset: "USDT", venue: "paper" });
    expect(checkSchema(ControlCommandSchema, first.transfer).ok).toBe(true);
    expect(first.state).toEqual({ highWatermarkUsd: 10_000, lastCheckDayStartMs: Date.UTC(2026, 2, 10) });
    expect(treasuryCheck(first.state, inputs(10_500, 8_000, T0 + 3_600_000), P).trigger).toBeNull();
    expect(treasuryCheck(first.state, inputs(10_500, 8_000, Date.UTC(2026, 2, 11)), P).trigger).toBe("daily");
  });

  test("an equity rise above 10 % over the high-watermark runs a check and raises the watermark", () => {
    const first = treasuryCheck(INITIAL_TREASURY_STATE, inputs(10_000, 5_000), P);
    expect(first.transfer).toBeNull();
    expect(treasuryCheck(first.state, inputs(11_000, 5_000, T0 + 1), P).trigger).toBeNull();
    const rise = treasuryCheck(first.state, inputs(11_000.01, 8_000, T0 + 2), P);
    expect(rise.trigger).toBe("equity-rise");
    expect(rise.state.highWatermarkUsd).toBe(11_000.01);
    expect(rise.transfer?.amountUsd).toBeCloseTo(8_000 - 5_500.005, 1);
  });

  test("the same check at the same time gives the same transfer id", () => {
    const a = treasuryCheck(INITIAL_TREASURY_STATE, inputs(10_000, 8_000), P);
    const b = treasuryCheck(INITIAL_TREASURY_STATE, inputs(10_000, 8_000), P);
    expect(a.transfer?.transferId).toBe(b.transfer?.transferId);
    expect(treasuryCheck(INITIAL_TREASURY_STATE, inputs(10_000, 8_000, T0 + DAY), P).transfer?.transferId).not.toBe(a.transfer?.transferId);
  });
});
