import { describe, expect, it } from "vitest";
import type { BackupRecord } from "./records.js";
import { dataLossSeconds, parseRestoreTarget, planRestore, recoveryTargetTime } from "./restore-plan.js";
import { parseWalFileName, walSegmentName } from "./wal.js";

const NOW = Date.UTC(2026, 5, 15, 12);
const base = (id: string, finishedMs: number, startSegno: number): BackupRecord => ({
  id, tier: "tradingData", mechanism: "base-backup", startedMs: finishedMs - 60_000, finishedMs, files: [], detail: "",
  wal: { timeline: 1, startLsn: "0/0", startSegno, endLsn: "0/0" },
});
const segs = (...n: number[]) => n.map((s) => parseWalFileName(walSegmentName(1, s))!);

describe("the restore target", () => {
  it("is latest by default, or an ISO time with its zone in the past", () => {
    expect(parseRestoreTarget(undefined, NOW)).toEqual({ kind: "latest" });
    expect(parseRestoreTarget("2026-06-15T11:00:00+02:00", NOW)).toEqual({ kind: "time", atMs: Date.UTC(2026, 5, 15, 9) });
    expect(() => parseRestoreTarget("2026-06-15 11:00", NOW)).toThrow(/ISO 8601 time with its zone/);
    expect(() => parseRestoreTarget("2026-06-16T00:00:00Z", NOW)).toThrow(/in the future/);
  });

  it("is written for PostgreSQL with a numeric offset (it refuses zone abbreviations like Z)", () => {
    expect(recoveryTargetTime(Date.UTC(2026, 5, 15, 9, 30, 1, 250))).toBe("2026-06-15 09:30:01.250+00");
  });
});

describe("planning a restore", () => {
  const bases = [base("b1", NOW - 3 * 3_600_000, 10), base("b2", NOW - 3_600_000, 20)];

  it("starts from the newest base backup that ended before the target", () => {
    expect(planRestore(bases, segs(10, 11, 20, 21), { kind: "latest" }, "/a").base.id).toBe("b2");
    const plan = planRestore(bases, segs(10, 11, 12, 20, 21), { kind: "time", atMs: NOW - 2 * 3_600_000 }, "/a");
    expect(plan.base.id).toBe("b1");
    // The hole after segment 12 may lie past the target: PostgreSQL refuses to promote short of it.
    expect(plan.warnings).toEqual([expect.stringMatching(/hole after base backup b1: segment 00000001000000000000000D/)]);
    expect(plan.recoverySettings).toMatchObject({ recovery_target_action: "'promote'", recovery_target_timeline: "'latest'", recovery_target_time: `'${recoveryTargetTime(NOW - 2 * 3_600_000)}'` });
  });

  it("refuses a hole in the WAL after the base backup, and a target older than every backup", () => {
    expect(() => planRestore(bases, segs(20, 22), { kind: "latest" }, "/a")).toThrow(/hole after base backup b2: segment 000000010000000000000015/);
    expect(() => planRestore(bases, [], { kind: "time", atMs: NOW - 10 * 3_600_000 }, "/a")).toThrow(/no base backup had finished by/);
    expect(() => planRestore([], [], { kind: "latest" }, "/a")).toThrow(/no base backup to restore from/);
  });

  it("measures data lost as committed time not restored", () => {
    expect(dataLossSeconds(10_500, 4_000)).toBe(6.5);
    expect(dataLossSeconds(1_000, 2_000)).toBe(0);
  });
});
