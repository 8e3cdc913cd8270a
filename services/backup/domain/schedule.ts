// When each tier is due, and which backups and WAL segments the retention of ops/ lets go. Pure: the
// scheduler and `titanctl backup prune` feed it the catalogue and the clock.
import { BACKUP_SCHEDULE } from "../../../ops/index.js";
import type { BackupRecord, TierRunSummary } from "./records.js";
import { BACKUP_TIERS, TIER_PLANS, type BackupTier } from "./tiers.js";

/**
 * After a failed run, the next try waits this long rather than a full interval: a failure is usually
 * a passing condition (disk, a restart) and the tier's RPO keeps running meanwhile.
 */
export const RETRY_AFTER_FAILURE_SECONDS = 5 * 60;

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) containing `ms`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Start and end (exclusive) of a UTC day, in ms; throws on a malformed or impossible date. */
export const dayWindowMs = (day: string): { readonly fromMs: number; readonly toMs: number } => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const fromMs = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (Number.isNaN(fromMs) || utcDay(fromMs) !== day) throw new Error(`not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return { fromMs, toMs: fromMs + DAY_MS };
};

/** The last day that has ended at `nowMs`: the one a daily compliance export covers. */
export const lastClosedDay = (nowMs: number): string => utcDay(nowMs - DAY_MS);

/** Tiers whose next run is due at `nowMs`, given each tier's run summary. */
export const dueTiers = (nowMs: number, summaries: Readonly<Record<BackupTier, TierRunSummary>>, exportedDays: ReadonlySet<string>): BackupTier[] =>
  BACKUP_TIERS.filter((tier) => {
    const { lastRun, lastSuccess } = summaries[tier];
    if (lastRun && lastRun.outcome === "failed" && nowMs - lastRun.finishedMs < RETRY_AFTER_FAILURE_SECONDS * 1000) return false;
    // A day is exported once, after it has closed; the interval is the day itself.
    if (tier === "compliance") return !exportedDays.has(lastClosedDay(nowMs));
    if (!lastSuccess) return true;
    return nowMs - lastSuccess.startedMs >= TIER_PLANS[tier].schedule.intervalSeconds * 1000;
  });

export interface RetentionPlan {
  /** Backups whose retention has ended. */
  readonly deleteIds: readonly string[];
  /** Base backups kept as weekly archives (kept for BACKUP_SCHEDULE.weeklyArchive's retention). */
  readonly weeklyArchiveIds: readonly string[];
  /** WAL segments below this number are needed by no kept base backup within the PITR window. */
  readonly walFloorSegno: number | null;
}

/**
 * Retention, from ops/:
 * - base backups: BACKUP_SCHEDULE.dailyFull's retention; the first of each weekly period is an archive
 *   kept for BACKUP_SCHEDULE.weeklyArchive's retention;
 * - logical dumps and Redis snapshots: their schedule's retention;
 * - compliance exports: never (write-once, the 7-year lock is the storage's);
 * - the newest successful backup of a tier always stays, however old;
 * - WAL: point-in-time recovery reaches back BACKUP_SCHEDULE.continuousReplication's retention, so the
 *   archive keeps every segment from the newest base backup that started before that window (or the
 *   oldest kept one). Older base backups stay restorable to their own end: they carry their WAL.
 */
export const retentionPlan = (records: readonly BackupRecord[], nowMs: number): RetentionPlan => {
  const deleteIds: string[] = [];
  const weekly = new Set<string>();
  const bases = records.filter((r) => r.mechanism === "base-backup").sort((a, b) => a.startedMs - b.startedMs);
  const weekMs = BACKUP_SCHEDULE.weeklyArchive.intervalSeconds * 1000;
  let lastArchiveMs = Number.NEGATIVE_INFINITY;
  for (const b of bases) {
    if (b.startedMs - lastArchiveMs >= weekMs) {
      weekly.add(b.id);
      lastArchiveMs = b.startedMs;
    }
  }
  const newestOf = new Map<BackupTier, BackupRecord>();
  for (const r of records) {
    const current = newestOf.get(r.tier);
    if (!current || r.startedMs > current.startedMs) newestOf.set(r.tier, r);
  }
  for (const r of records) {
    if (r.mechanism === "compliance-export" || newestOf.get(r.tier)?.id === r.id) continue;
    const plan = TIER_PLANS[r.tier];
    const keepMs = (weekly.has(r.id) ? BACKUP_SCHEDULE.weeklyArchive.retentionSeconds : plan.schedule.retentionSeconds) * 1000;
    if (nowMs - r.startedMs >= keepMs) deleteIds.push(r.id);
  }
  const keptBases = bases.filter((b) => !deleteIds.includes(b.id) && b.wal);
  const windowStartMs = nowMs - BACKUP_SCHEDULE.continuousReplication.retentionSeconds * 1000;
  const beforeWindow = keptBases.filter((b) => b.startedMs <= windowStartMs).at(-1);
  const floor = beforeWindow ?? keptBases[0];
  return { deleteIds: deleteIds.sort(), weeklyArchiveIds: [...weekly].filter((id) => !deleteIds.includes(id)).sort(), walFloorSegno: floor?.wal?.startSegno ?? null };
};
