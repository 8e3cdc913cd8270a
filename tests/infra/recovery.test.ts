// Each RPO tier of ops/ mapped to a mechanism per failure; the only gap is stated, not hidden.
import { describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE, DATA_TIER_OF_SCHEMA, RECOVERY_POINT_OBJECTIVES, WAL_ARCHIVE_TIMEOUT_SECONDS } from "../../ops/index.js";
import { RDS_PITR_RPO_SECONDS, backupCron, recoveryPlan, secondsToDays } from "../../infra/aws/recovery.js";

describe("recovery plan on AWS", () => {
  const plan = recoveryPlan({ platform: "aws", crossRegionReplica: true, standbyInstances: false });

  it("covers every tier and every schema of ops/", () => {
    expect(plan.map((t) => t.tier).sort()).toEqual(Object.keys(RECOVERY_POINT_OBJECTIVES).sort());
    expect(plan.flatMap((t) => t.schemas).sort()).toEqual(Object.keys(DATA_TIER_OF_SCHEMA).sort());
  });

  it("meets every tier's RPO for an instance, AZ or region loss", () => {
    for (const tier of plan) {
      expect(tier.byFailure["instance or AZ loss"].rpoSeconds).toBe(0);
      expect(tier.byFailure["region loss"].rpoSeconds).toBeLessThanOrEqual(RECOVERY_POINT_OBJECTIVES[tier.tier].seconds);
    }
  });

  it("states the one gap: RDS point-in-time restore cannot undo an operator error within the trading-data minute", () => {
    expect(RDS_PITR_RPO_SECONDS).toBeGreaterThan(RECOVERY_POINT_OBJECTIVES.tradingData.seconds);
    expect(plan.filter((t) => t.gaps.length > 0).map((t) => [t.tier, t.gaps])).toEqual([["tradingData", ["operator error or corruption"]]]);
  });

  it("without the standby, a region loss falls back to the daily copies and breaks every tier", () => {
    const noReplica = recoveryPlan({ platform: "aws", crossRegionReplica: false, standbyInstances: false });
    expect(noReplica.every((t) => t.gaps.includes("region loss"))).toBe(true);
  });
});

describe("recovery plan on dev", () => {
  it("bounds operator-error loss by WAL archiving's archive_timeout", () => {
    for (const tier of recoveryPlan({ platform: "kubernetes", crossRegionReplica: false, standbyInstances: true })) {
      expect(tier.byFailure["operator error or corruption"].rpoSeconds).toBe(WAL_ARCHIVE_TIMEOUT_SECONDS);
      expect(tier.gaps).toEqual(["region loss"]);
    }
  });
});

describe("schedules", () => {
  it("has an AWS Backup cron for each interval of ops/ and refuses others", () => {
    for (const s of [BACKUP_SCHEDULE.hourlySnapshot, BACKUP_SCHEDULE.dailyFull, BACKUP_SCHEDULE.weeklyArchive]) expect(backupCron(s.intervalSeconds)).toMatch(/^cron\(/);
    expect(() => backupCron(7)).toThrow(/no AWS Backup schedule/);
    expect(() => secondsToDays(3_600)).toThrow(/whole number of days/);
  });
});
