import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE } from "../../../ops/index.js";
import { summariseRuns, type BackupRecord, type RunLogLine } from "./records.js";
import { RETRY_AFTER_FAILURE_SECONDS, dayWindowMs, dueTiers, lastClosedDay, retentionPlan } from "./schedule.js";
import { TIER_PLANS, type BackupTier } from "./tiers.js";

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 5, 15, 12);

const run = (tier: BackupTier, finishedMs: number, outcome: RunLogLine["outcome"] = "succeeded"): RunLogLine => ({ tier, outcome, startedMs: finishedMs - 1000, finishedMs, sizeBytes: 1, detail: "" });

const base = (id: string, startedMs: number, startSegno = 0): BackupRecord => ({
  id, tier: "tradingData", mechanism: "base-backup", startedMs, finishedMs: startedMs + 60_000, files: [], detail: "",
  wal: { timeline: 1, startLsn: "0/0", startSegno, endLsn: "0/0" },
});
const dump = (id: string, startedMs: number): BackupRecord => ({ id, tier: "configuration", mechanism: "logical-dump", startedMs, finishedMs: startedMs + 1000, files: [], detail: "" });

describe("UTC days", () => {
  it("cut a day at midnight UTC and refuse impossible dates", () => {
    expect(dayWindowMs("2026-02-28")).toEqual({ fromMs: Date.UTC(2026, 1, 28), toMs: Date.UTC(2026, 2, 1) });
    expect(() => dayWindowMs("2026-02-30")).toThrow(/not a day/);
    expect(() => dayWindowMs("26-02-01")).toThrow(/not a day/);
    expect(lastClosedDay(Date.UTC(2026, 0, 1, 0, 5))).toBe("2025-12-31");
  });
});

describe("which tiers are due", () => {
  const none = summariseRuns([]);
  it("is every tier when nothing ever ran (compliance: yesterday not exported)", () => {
    expect(dueTiers(NOW, none, new Set())).toEqual(["tradingData", "configuration", "historicalAnalytics", "redis", "compliance"]);
  });

  it("follows each tier's schedule from ops/, and exports a closed day once", () => {
    const runs = [run("tradingData", NOW - 2 * H), run("configuration", NOW - 2 * H), run("historicalAnalytics", NOW - 10 * 60_000), run("redis", NOW - 59 * 60_000)];
    expect(dueTiers(NOW, summariseRuns(runs), new Set([lastClosedDay(NOW)]))).toEqual(["configuration"]);
    expect(TIER_PLANS.configuration.schedule.intervalSeconds).toBe(BACKUP_SCHEDULE.hourlySnapshot.intervalSeconds);
  });

  it("retries a failed tier after the retry delay, not a whole interval", () => {
    const failedAt = NOW - (RETRY_AFTER_FAILURE_SECONDS - 1) * 1000;
    const runs = [run("tradingData", NOW - 2 * H), run("tradingData", failedAt, "failed"), ...(["configuration", "historicalAnalytics", "redis"] as const).map((t) => run(t, NOW))];
    expect(dueTiers(NOW, summariseRuns(runs), new Set([lastClosedDay(NOW)]))).toEqual([]);
    const first = [run("configuration", NOW - 3 * H, "failed")];
    expect(dueTiers(NOW, summariseRuns(first), new Set([lastClosedDay(NOW)]))).toContain("configuration");
  });
});

describe("retention", () => {
  it("drops dumps past their schedule's retention but always keeps the newest", () => {
    const keep = BACKUP_SCHEDULE.hourlySnapshot.retentionSeconds * 1000;
    const plan = retentionPlan([dump("old", NOW - keep - 1), dump("recent", NOW - keep + H), dump("ancient", NOW - 100 * D)], NOW);
    expect(plan.deleteIds).toEqual(["ancient", "old"]);
    expect(retentionPlan([dump("only", NOW - 100 * D)], NOW).deleteIds).toEqual([]);
  });

  it("keeps the first base backup of each week for the weekly archive's retention", () => {
    const daily = Array.from({ length: 60 }, (_, i) => base(`b${String(i).padStart(2, "0")}`, NOW - (60 - i) * D, i * 10));
    const plan = retentionPlan(daily, NOW);
    const dailyKeepDays = BACKUP_SCHEDULE.dailyFull.retentionSeconds / 86_400;
    const kept = daily.filter((b) => !plan.deleteIds.includes(b.id));
    expect(kept.filter((b) => NOW - b.startedMs < dailyKeepDays * D).length).toBe(dailyKeepDays - 1);
    expect(plan.weeklyArchiveIds.length).toBeGreaterThan(0);
    for (const id of plan.weeklyArchiveIds) expect(plan.deleteIds).not.toContain(id);
    // PITR reaches back continuousReplication's retention: WAL from the newest base backup before it.
    const windowStart = NOW - BACKUP_SCHEDULE.continuousReplication.retentionSeconds * 1000;
    const floorBackup = daily.filter((b) => b.startedMs <= windowStart).at(-1)!;
    expect(plan.walFloorSegno).toBe(floorBackup.wal!.startSegno);
  });

  it("never deletes the newest backup of a tier, nor WAL a kept base backup inside the PITR window needs", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 * 24 }), { minLength: 1, maxLength: 40 }), (hoursAgo) => {
        const records = [...new Set(hoursAgo)].map((h, i) => base(`b${i}`, NOW - h * H, 1_000_000 - h));
        const plan = retentionPlan(records, NOW);
        const newest = records.reduce((a, b) => (b.startedMs > a.startedMs ? b : a));
        expect(plan.deleteIds).not.toContain(newest.id);
        const windowStart = NOW - BACKUP_SCHEDULE.continuousReplication.retentionSeconds * 1000;
        for (const r of records.filter((b) => b.startedMs > windowStart && !plan.deleteIds.includes(b.id))) {
          expect(plan.walFloorSegno).not.toBeNull();
          expect(r.wal!.startSegno).toBeGreaterThanOrEqual(plan.walFloorSegno!);
        }
      }),
    );
  });
});
