// Point-in-time recovery, planned: which base backup to start from for a target, whether the WAL
// archive reaches far enough, and the recovery settings PostgreSQL is given.
import type { BackupRecord } from "./records.js";
import { gucString, renderRestoreCommand, walCoverage, walSegmentName, type WalCoverage, type WalFile } from "./wal.js";

export type RestoreTarget = { readonly kind: "latest" } | { readonly kind: "time"; readonly atMs: number };

export interface RestorePlan {
  readonly base: BackupRecord;
  readonly target: RestoreTarget;
  readonly coverage: WalCoverage;
  /** Lines appended to postgresql.auto.conf of the restored cluster (with recovery.signal beside it). */
  readonly recoverySettings: Readonly<Record<string, string>>;
  /** Human-readable warnings that do not block the restore. */
  readonly warnings: readonly string[];
}

/** Parses `--to`: an ISO 8601 time with a zone (Z or ±hh:mm), or `latest`. */
export const parseRestoreTarget = (value: string | undefined, nowMs: number): RestoreTarget => {
  if (value === undefined || value === "latest") return { kind: "latest" };
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new Error(`--to must be "latest" or an ISO 8601 time with its zone, e.g. 2026-01-02T03:04:05Z; got ${JSON.stringify(value)}`);
  }
  const atMs = Date.parse(value);
  if (Number.isNaN(atMs)) throw new Error(`--to ${value} is not a valid time`);
  if (atMs > nowMs) throw new Error(`--to ${value} is in the future; use "latest" to replay everything archived`);
  return { kind: "time", atMs };
};

export const describeTarget = (t: RestoreTarget): string => (t.kind === "latest" ? "the end of the WAL archive" : new Date(t.atMs).toISOString());

/**
 * Chooses the newest base backup that ended before the target (a backup is consistent only from its
 * end), and refuses "latest" when the WAL archive has a hole after it: replay stops at a hole, which
 * would silently lose everything after it.
 */
export const planRestore = (bases: readonly BackupRecord[], walFiles: readonly WalFile[], target: RestoreTarget, archiveDir: string): RestorePlan => {
  const usable = bases.filter((b) => b.mechanism === "base-backup" && b.wal).sort((a, b) => a.finishedMs - b.finishedMs);
  if (usable.length === 0) throw new Error("no base backup to restore from: run `titanctl backup run --tier tradingData` first");
  const candidates = target.kind === "latest" ? usable : usable.filter((b) => b.finishedMs <= target.atMs);
  const base = candidates.at(-1);
  if (!base) {
    throw new Error(`no base backup had finished by ${describeTarget(target)}: the oldest finished at ${new Date(usable[0]!.finishedMs).toISOString()}`);
  }
  const wal = base.wal!;
  const coverage = walCoverage(walFiles, wal.startSegno);
  const warnings: string[] = [];
  if (coverage.missing.length > 0) {
    const first = walSegmentName(wal.timeline, coverage.missing[0]!);
    const hole = `the WAL archive has a hole after base backup ${base.id}: segment ${first} (and ${coverage.missing.length - 1} more up to the newest) is missing, so replay would stop at ${walSegmentName(wal.timeline, coverage.contiguousToSegno)}`;
    // A time before the hole is still reachable; PostgreSQL itself refuses to promote short of its target.
    if (target.kind === "latest") throw new Error(hole);
    warnings.push(hole);
  }
  if (coverage.contiguousToSegno < wal.startSegno) warnings.push(`no archived WAL after base backup ${base.id}: it restores to its own end (${new Date(base.finishedMs).toISOString()}) only, from the WAL it carries`);
  const recoverySettings: Record<string, string> = {
    restore_command: gucString(renderRestoreCommand(archiveDir)),
    recovery_target_timeline: gucString("latest"),
    recovery_target_action: gucString("promote"),
    ...(target.kind === "time" ? { recovery_target_time: gucString(recoveryTargetTime(target.atMs)) } : {}),
  };
  return { base, target, coverage, recoverySettings, warnings };
};

/**
 * recovery_target_time as PostgreSQL's check accepts it: a numeric UTC offset, since it refuses zone
 * abbreviations (and takes ISO's "Z" for one).
 */
export const recoveryTargetTime = (atMs: number): string => `${new Date(atMs).toISOString().replace("T", " ").replace("Z", "")}+00`;

/** Settings lines to append to postgresql.auto.conf (later lines win over earlier ones). */
export const renderRecoveryConf = (settings: Readonly<Record<string, string>>): string =>
  `\n# titanctl restore: recovery settings, removed again once the cluster is promoted\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;

/** The recovery point achieved: how much committed time was lost (never negative). */
export const dataLossSeconds = (lastCommittedMs: number, lastRestoredMs: number): number => Math.max(0, (lastCommittedMs - lastRestoredMs) / 1000);
