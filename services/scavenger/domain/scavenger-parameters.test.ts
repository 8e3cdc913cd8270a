import { describe, expect, it } from "vitest";
import { QUANT_PARAMETERS } from "../../shared/contracts/index.js";
import {
  DEFAULT_SCAVENGER_PARAMETERS,
  ScavengerParametersError,
  ScavengerParametersSchema,
  loadScavengerParameters,
  parseScavengerParameters,
} from "./scavenger-parameters.js";

describe("scavenger parameters", () => {
  it("defaults to domain.md's figures", () => {
    const p = DEFAULT_SCAVENGER_PARAMETERS;
    expect(p.volumeCluster).toMatchObject({ profileBins: 50, topPeaks: 3, triggerOffsetPercent: 0.2, confidence: 95, leverage: 20 });
    expect(p.dailyLevel).toMatchObject({ maxDistancePercent: 2, triggerOffsetPercent: 0.1, confidence: 85, leverage: 12 });
    expect(p.bollingerSqueeze).toMatchObject({ period: 20, stdDevMultiplier: 2, widthLookback: 72, lowestWidthFraction: 0.1, triggerOffsetPercent: 0.1, confidence: 90, leverage: 15 });
    expect(p.oiWipeout).toMatchObject({ priceDropPercent: 3, priceWindowMs: 300_000, oiDropPercent: 20, oiReferenceAgeMs: 300_000, cvdWindowMs: 60_000, retraceFraction: 0.5, stopLossPercent: 2 });
    expect(p.fundingSqueeze).toMatchObject({ maxFundingRatePercent: -0.02, higherLowBars: 3, cvdWindowMs: 300_000, targetAboveHighPercent: 2, stopBelowLowPercent: 0.5 });
    expect(p.basis).toMatchObject({ minBasisPercent: 0.5, minVolume24hUsd: 1_000_000, targetBelowSpotPercent: 0.1, stopLossPercent: 0.5 });
    expect(p.quality).toMatchObject({ volatilityWeight: 0.4, volumeWeight: 0.3, confluenceWeight: 0.3, atrPeriod: 14, atrPercentForFullScore: 5, volume24hUsdForFullScore: 1e7, trapsForFullScore: 3 });
    expect(p.volumeConfirmation).toEqual({ minTrades: 50, windowMs: 100, priceTolerancePercent: 0.1 });
    expect(p.sizing.kellyMultiplier).toBe(0.25);
    expect(p).toMatchObject({ stopLossPercent: 1, takeProfitPercent: 3, cooldownSeconds: 300, universe: { recomputeIntervalMs: 60_000 } });
  });

  it("carries AI Quant's whitelisted bounds as the schema's minimum and maximum", () => {
    const bounds = Object.fromEntries(
      QUANT_PARAMETERS.map((name) => {
        const field = (ScavengerParametersSchema.properties as Record<string, { minimum?: number; maximum?: number }>)[name];
        return [name, [field?.minimum, field?.maximum]];
      }),
    );
    expect(bounds).toEqual({
      maxLeverage: [1, 20],
      stopLossPercent: [0.1, 5],
      takeProfitPercent: [0.5, 20],
      riskPerTradePercent: [0.1, 5],
      maxDailyLossPercent: [1, 20],
      maxPositionSizePercent: [10, 100],
      maxOpenPositions: [1, 10],
      cooldownSeconds: [0, 3_600],
    });
    expect(parseScavengerParameters({ maxLeverage: 20, cooldownSeconds: 0, stopLossPercent: 0.1 }).ok).toBe(true);
  });

  it("fills what is missing and keeps what is given", () => {
    const result = parseScavengerParameters({ cooldownSeconds: 60, volumeCluster: { leverage: 10 } });
    expect(result.ok && result.params.cooldownSeconds).toBe(60);
    expect(result.ok && result.params.volumeCluster).toMatchObject({ leverage: 10, confidence: 95, profileBins: 50 });
  });

  it("reports every problem at once, each naming its field", () => {
    const result = parseScavengerParameters({
      maxLeverage: 25,
      stopLossPercent: 0,
      cooldownSeconds: 3_601,
      maxOpenPositions: 2.5,
      volumeConfirmation: { minTrades: 0, typo: 1 },
      quality: { volatilityWeight: 0.5 },
      volumeCluster: { topPeaks: 60 },
      universe: { barInterval: "1d" },
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const field of [
      "maxLeverage",
      "stopLossPercent",
      "cooldownSeconds",
      "maxOpenPositions",
      "volumeConfirmation.minTrades",
      "volumeConfirmation.typo",
      "quality:",
      "volumeCluster.topPeaks",
      "universe.barInterval",
    ]) {
      expect(problems.some((problem) => problem.startsWith(field)), `${field} in ${problems.join(" | ")}`).toBe(true);
    }
  });

  it("rejects what is not an object, and loading throws with the list", () => {
    expect(parseScavengerParameters([])).toEqual({ ok: false, problems: ["(root): must be an object"] });
    expect(() => loadScavengerParameters({ maxLeverage: 0 })).toThrow(ScavengerParametersError);
  });

  it("returns a frozen set, so a strategy's parameters cannot change under it", () => {
    expect(Object.isFrozen(DEFAULT_SCAVENGER_PARAMETERS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCAVENGER_PARAMETERS.volumeCluster)).toBe(true);
  });

  it("round-trips through JSON, as a stored configuration version does", () => {
    const stored = JSON.parse(JSON.stringify(DEFAULT_SCAVENGER_PARAMETERS)) as unknown;
    const reread = parseScavengerParameters(stored);
    expect(reread.ok && reread.params).toEqual(DEFAULT_SCAVENGER_PARAMETERS);
  });
});
