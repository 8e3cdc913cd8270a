import { describe, expect, it } from "vitest";
import type { BackupRecord } from "./records.js";
import { chooseSnapshot, parseSnapshotSelector } from "./redis-restore-plan.js";

const snapshot = (id: string, startedMs: number, files = ["dump.rdb", "redis-config.json"]): BackupRecord => ({
  id,
  tier: "redis",
  mechanism: "redis-snapshot",
  startedMs,
  finishedMs: startedMs + 500,
  files: files.map((name) => ({ name, bytes: 10, sha256: "0".repeat(64) })),
  detail: "RDB snapshot",
});

const older = snapshot("20260102T030405123Z-redis", 1_767_323_045_123);
const newer = snapshot("20260102T040405123Z-redis", 1_767_326_645_123);

describe("choosing the Redis snapshot to restore", () => {
  it("takes the newest by default and a named one when asked", () => {
    expect(chooseSnapshot([newer, older], parseSnapshotSelector(undefined), "dump.rdb").id).toBe(newer.id);
    expect(chooseSnapshot([newer, older], parseSnapshotSelector("latest"), "dump.rdb").id).toBe(newer.id);
    expect(chooseSnapshot([newer, older], parseSnapshotSelector(older.id), "dump.rdb").id).toBe(older.id);
  });

  it("ignores other tiers and snapshots without their RDB", () => {
    const dump: BackupRecord = { ...snapshot("20260102T050405123Z-configuration", 1_767_330_245_123), tier: "configuration", mechanism: "logical-dump" };
    const broken = snapshot("20260102T060405123Z-redis", 1_767_333_845_123, ["redis-config.json"]);
    expect(chooseSnapshot([older, dump, broken], { kind: "latest" }, "dump.rdb").id).toBe(older.id);
  });

  it("says what to do when there is none, and which exist when the named one does not", () => {
    expect(() => chooseSnapshot([], { kind: "latest" }, "dump.rdb")).toThrow(/titanctl backup run --tier redis/);
    expect(() => chooseSnapshot([older, newer], { kind: "id", id: "20250101T000000000Z-redis" }, "dump.rdb")).toThrow(new RegExp(`newest: ${newer.id}, ${older.id}`));
  });

  it("refuses a --snapshot that is not a Redis snapshot id", () => {
    expect(() => parseSnapshotSelector("yesterday")).toThrow(/"latest" or a Redis snapshot's id/);
    expect(() => parseSnapshotSelector("20260102T030405123Z-tradingData")).toThrow(/Redis snapshot's id/);
  });
});
