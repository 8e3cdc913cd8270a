import { describe, expect, test } from "vitest";
import { BrainParametersError, DEFAULT_BRAIN_PARAMETERS, loadBrainParameters, parseBrainParameters } from "./brain-parameters.js";

describe("brain parameters", () => {
  test("the defaults are domain.md's numbers", () => {
    const p = DEFAULT_BRAIN_PARAMETERS;
    expect(p.allocation).toEqual({
      rampStartEquityUsd: 1_500,
      rampEndEquityUsd: 5_000,
      rampSlopePerUsd: 0.003,
      rampMidpointUsd: 3_250,
      growthStartEquityUsd: 25_000,
      growthSlopePerUsd: 0.0002,
      growthMidpointUsd: 37_500,
      phase1FloorWeight: 0.2,
      phase3MaxWeight: 0.5,
    });
    expect(p.tiers.map((t) => [t.name, t.maxEquityUsd, t.leverageCap])).toEqual([
      ["MICRO", 1_500, 20],
      ["SMALL", 5_000, 10],
      ["MEDIUM", 25_000, 5],
      ["LARGE", 50_000, 3],
      ["INSTITUTIONAL", null, 2],
    ]);
    expect(p.performance).toMatchObject({ sharpeWindowMs: 7 * 86_400_000, minTrades: 10, lowSharpe: 0, highSharpe: 2, lowModifier: 0.5, neutralModifier: 1, highModifier: 1.2, annualisationDays: 365 });
    expect(p.signals).toMatchObject({ freshnessMs: 2_000, correlationThreshold: 0.8, correlationSizeFactor: 0.5 });
    expect(p.risk).toMatchObject({ varConfidence: 0.95, varHorizonMs: 86_400_000 });
    expect(p.breaker).toEqual({ hardDailyDrawdownFraction: 0.15, hardMinEquityUsd: 150, softConsecutiveLosses: 3, softLossWindowMs: 3_600_000, softCooldownMs: 1_800_000 });
    expect(p.tradingState).toEqual({ heartbeatTimeoutMs: 60_000, reconciliationMismatchCycles: 3 });
    expect(p.override).toEqual({ maxDurationMs: 86_400_000, weightSumTolerance: 0.001 });
    expect(p.treasury).toMatchObject({ sweepTriggerMultiple: 1.2, reserveUsd: 200, equityRiseTriggerFraction: 0.1 });
  });

  test("a partial configuration keeps the defaults for everything it does not set", () => {
    const result = parseBrainParameters({ breaker: { softCooldownMs: 600_000 } });
    expect(result.ok && result.params.breaker).toMatchObject({ softCooldownMs: 600_000, hardDailyDrawdownFraction: 0.15 });
    expect(result.ok && result.params.signals.freshnessMs).toBe(2_000);
  });

  test("every problem is reported at once, each naming its field", () => {
    const result = parseBrainParameters({
      breaker: { hardDailyDrawdownFraction: 1.5, typo: 1 },
      signals: { freshnessMs: "2s" },
      allocation: { rampEndEquityUsd: 1_000 },
      tiers: [
        { name: "MICRO", maxEquityUsd: 1_500, leverageCap: 200 },
        { name: "SMALL", maxEquityUsd: 1_000, leverageCap: 10 },
      ],
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const field of [
      "breaker.hardDailyDrawdownFraction",
      "breaker.typo",
      "signals.freshnessMs",
      "tiers[0].leverageCap",
      "allocation.rampEndEquityUsd",
      "tiers[1].maxEquityUsd",
    ])
      expect(problems.some((p) => p.startsWith(`${field}:`)), `${field} in ${problems.join(" | ")}`).toBe(true);
  });

  test("loading bad parameters throws an error listing the problems; the defaults are frozen", () => {
    expect(() => loadBrainParameters({ override: { maxDurationMs: 0 } })).toThrow(BrainParametersError);
    expect(() => loadBrainParameters("nonsense")).toThrow(/must be an object/);
    expect(Object.isFrozen(DEFAULT_BRAIN_PARAMETERS.breaker)).toBe(true);
  });
});
