// What a backup run leaves behind, as data: the record of one backup (its files, sizes, timing, WAL
// position) and the line each run appends to the run log, from which the metrics are computed.
import { BACKUP_TIERS, isBackupTier, type BackupTier, type Mechanism } from "./tiers.js";

export type RunOutcome = "succeeded" | "failed";
export const RUN_OUTCOMES: readonly RunOutcome[] = ["succeeded", "failed"];

export interface BackupFile {
  /** Path relative to the backup's folder. */
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface WalPosition {
  readonly timeline: number;
  readonly startLsn: string;
  readonly startSegno: number;
  readonly endLsn: string;
}

export interface BackupRecord {
  /** Unique and sortable by start time: `<UTC stamp>-<tier>`. */
  readonly id: string;
  readonly tier: BackupTier;
  readonly mechanism: Mechanism;
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly files: readonly BackupFile[];
  /** Base backups: where in the WAL they start and end. */
  readonly wal?: WalPosition;
  /** Compliance exports: the UTC day exported, YYYY-MM-DD. */
  readonly day?: string;
  readonly detail: string;
}

export interface RunLogLine {
  readonly tier: BackupTier;
  readonly outcome: RunOutcome;
  readonly startedMs: number;
  readonly finishedMs: number;
  readonly sizeBytes: number;
  /** The backup's id when it succeeded. */
  readonly id?: string;
  readonly detail: string;
}

export const sizeOf = (record: Pick<BackupRecord, "files">): number => record.files.reduce((sum, f) => sum + f.bytes, 0);

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `20260102T030405123Z`: sorts as time does and is safe in a file name. */
export const stampOf = (ms: number): string => {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Error(`stampOf: ${ms} is not a time`);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(d.getUTCMilliseconds(), 3)}Z`;
};

export const backupId = (tier: BackupTier, startedMs: number): string => `${stampOf(startedMs)}-${tier}`;

/** Parses one run-log line; throws with the reason on anything malformed. */
export const parseRunLogLine = (line: string): RunLogLine => {
  const v = JSON.parse(line) as Partial<RunLogLine>;
  if (typeof v.tier !== "string" || !isBackupTier(v.tier)) throw new Error(`run log: unknown tier ${JSON.stringify(v.tier)}`);
  if (v.outcome !== "succeeded" && v.outcome !== "failed") throw new Error(`run log: unknown outcome ${JSON.stringify(v.outcome)}`);
  for (const key of ["startedMs", "finishedMs", "sizeBytes"] as const) {
    if (typeof v[key] !== "number" || !Number.isFinite(v[key])) throw new Error(`run log: ${key} must be a number`);
  }
  return { tier: v.tier, outcome: v.outcome, startedMs: v.startedMs!, finishedMs: v.finishedMs!, sizeBytes: v.sizeBytes!, detail: String(v.detail ?? ""), ...(v.id ? { id: String(v.id) } : {}) };
};

export interface TierRunSummary {
  readonly runs: Readonly<Record<RunOutcome, number>>;
  readonly lastRun?: RunLogLine;
  readonly lastSuccess?: RunLogLine;
}

/** Per tier: runs by outcome (monotonic, the metrics' counters), the last run and the last success. */
export const summariseRuns = (lines: readonly RunLogLine[]): Record<BackupTier, TierRunSummary> => {
  const out = Object.fromEntries(BACKUP_TIERS.map((t) => [t, { runs: { succeeded: 0, failed: 0 } }])) as Record<BackupTier, { runs: Record<RunOutcome, number>; lastRun?: RunLogLine; lastSuccess?: RunLogLine }>;
  for (const line of lines) {
    const s = out[line.tier];
    s.runs[line.outcome] += 1;
    if (!s.lastRun || line.finishedMs >= s.lastRun.finishedMs) s.lastRun = line;
    if (line.outcome === "succeeded" && (!s.lastSuccess || line.finishedMs >= s.lastSuccess.finishedMs)) s.lastSuccess = line;
  }
  return out;
};
