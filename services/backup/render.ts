// Text the CLI prints: the backup list, the state of each tier, the WAL archive. Pure.
import type { BackupRecord, TierRunSummary } from "./domain/records.js";
import { sizeOf } from "./domain/records.js";
import { TIER_PLANS, BACKUP_TIERS, type BackupTier } from "./domain/tiers.js";
import type { WalCoverage } from "./domain/wal.js";

export const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString().replace(/\.\d+Z$/, "Z") : "-");

export const humanBytes = (bytes: number): string => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const renderBackups = (records: readonly BackupRecord[]): string => {
  if (records.length === 0) return "no backups yet: titanctl backup run";
  return table(
    ["ID", "TIER", "MECHANISM", "FINISHED", "TOOK", "SIZE", "DETAIL"],
    records.map((r) => [r.id, r.tier, r.mechanism, iso(r.finishedMs), `${((r.finishedMs - r.startedMs) / 1000).toFixed(1)} s`, humanBytes(sizeOf(r)), r.detail.slice(0, 90)]),
  );
};

export const renderTierStates = (summaries: Readonly<Record<BackupTier, TierRunSummary>>, nowMs: number): string =>
  table(
    ["TIER", "SCHEDULE", "LAST SUCCESS", "AGE", "LAST RUN", "RUNS OK/FAILED"],
    BACKUP_TIERS.map((tier) => {
      const s = summaries[tier];
      const plan = TIER_PLANS[tier];
      const ageSeconds = s.lastSuccess ? (nowMs - s.lastSuccess.finishedMs) / 1000 : null;
      const late = ageSeconds !== null && ageSeconds > plan.schedule.intervalSeconds ? " (due)" : "";
      return [
        tier,
        `${plan.scheduleName} (every ${plan.schedule.intervalSeconds} s)`,
        iso(s.lastSuccess?.finishedMs),
        ageSeconds === null ? "never" : `${Math.round(ageSeconds)} s${late}`,
        s.lastRun ? `${s.lastRun.outcome}${s.lastRun.outcome === "failed" ? `: ${s.lastRun.detail.slice(0, 60)}` : ""}` : "-",
        `${s.runs.succeeded}/${s.runs.failed}`,
      ];
    }),
  );

export const renderWal = (wal: { files: number; bytes: number; lastArchivedAtMs: number | null; failedCount: number | null; coverage?: WalCoverage }): string =>
  [
    `WAL archive: ${wal.files} files, ${humanBytes(wal.bytes)}; last archived ${iso(wal.lastArchivedAtMs)}${wal.failedCount !== null ? `; failed attempts since the server started: ${wal.failedCount}` : ""}`,
    ...(wal.coverage && wal.coverage.missing.length > 0 ? [`  HOLE in the archive after the newest base backup: ${wal.coverage.missing.length} segment(s) missing`] : []),
  ].join("\n");
