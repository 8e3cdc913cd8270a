import { describe, expect, it } from "vitest";
import { DATA_TIER_OF_SCHEMA, RECOVERY_POINT_OBJECTIVES, WAL_ARCHIVE_TIMEOUT_SECONDS, type DataTier } from "../../../ops/index.js";
import { TIER_PLANS, effectiveRpoSeconds, rpoViolations, schemasOfTier } from "./tiers.js";

describe("the tiers' backup plan", () => {
  it("meets every RPO of ops/ with the WAL archive", () => {
    expect(rpoViolations()).toEqual([]);
    for (const tier of Object.keys(RECOVERY_POINT_OBJECTIVES) as DataTier[]) {
      expect(effectiveRpoSeconds(tier).seconds).toBeLessThanOrEqual(RECOVERY_POINT_OBJECTIVES[tier].seconds);
    }
    expect(effectiveRpoSeconds("tradingData")).toEqual({ seconds: WAL_ARCHIVE_TIMEOUT_SECONDS, by: "WAL archive (archive_timeout)" });
  });

  it("dumps every schema of a logically dumped tier, and only those", () => {
    expect(TIER_PLANS.configuration.schemas).toEqual(["auth", "console", "scavenger"]);
    expect(TIER_PLANS.historicalAnalytics.schemas).toEqual(["quant"]);
    const dumped = new Set([...TIER_PLANS.configuration.schemas, ...TIER_PLANS.historicalAnalytics.schemas]);
    for (const [schema, tier] of Object.entries(DATA_TIER_OF_SCHEMA)) expect(dumped.has(schema), schema).toBe(tier !== "tradingData");
    expect(schemasOfTier("tradingData")).toEqual(["audit", "brain", "execution"]);
  });
});
