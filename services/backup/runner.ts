// One backup run of a tier, start to finish: take it into a partial folder, describe its files, commit
// the record, append the run to the run log (success or failure), push the metrics. Also the scheduled
// pass (every due tier, then retention) that the scheduler and `titanctl backup run --due` share.
import type { Clock } from "../shared/clock.js";
import { LocalWormStore, type WormStore } from "./adapters/worm-store.js";
import { exportDay, exportedDays } from "./adapters/compliance-export.js";
import { pushBackupMetrics } from "./adapters/metrics.js";
import { dumpSchemas, takeBaseBackup } from "./adapters/postgres-backup.js";
import { snapshotRedis } from "./adapters/redis-snapshot.js";
import { BackupRepository, describeFiles } from "./adapters/repository.js";
import type { BackupTarget } from "./adapters/target.js";
import { backupId, sizeOf, summariseRuns, type BackupRecord, type RunLogLine } from "./domain/records.js";
import { dueTiers, lastClosedDay, retentionPlan } from "./domain/schedule.js";
import { TIER_PLANS, type BackupTier } from "./domain/tiers.js";

export interface RunnerDeps {
  readonly target: BackupTarget;
  readonly clock: Clock;
  /** Progress lines for a human (the CLI prints them, the scheduler logs them). */
  readonly progress: (line: string) => void;
  /** The compliance export's store; the local folder of the target by default. */
  readonly store?: WormStore;
}

export interface RunResult {
  readonly line: RunLogLine;
  readonly record?: BackupRecord;
  /** Set when the metrics could not be pushed (the run itself still counts). */
  readonly pushError?: string;
}

const storeOf = (deps: RunnerDeps): WormStore => deps.store ?? new LocalWormStore(deps.target.complianceDir);

/** Takes the tier's backup into `dir`; returns the parts of the record only the mechanism knows. */
type Taken = Pick<BackupRecord, "wal" | "day" | "detail"> & { readonly storedBytes?: number };

const takeBackup = async (deps: RunnerDeps, tier: BackupTier, id: string, dir: string): Promise<Taken> => {
  const { target } = deps;
  const plan = TIER_PLANS[tier];
  switch (plan.mechanism) {
    case "base-backup": {
      let lastPercent = -10;
      const wal = await takeBaseBackup({
        port: target.pgPort,
        dir,
        label: id,
        onProgress: (line) => {
          // pg_basebackup -P rewrites one line; pass on every tenth percent.
          const percent = Number(/\((\d+)%\)/.exec(line)?.[1] ?? Number.NaN);
          if (Number.isNaN(percent) || percent >= lastPercent + 10) {
            if (!Number.isNaN(percent)) lastPercent = percent;
            deps.progress(`pg_basebackup: ${line}`);
          }
        },
      });
      return { wal, detail: `base backup of the cluster on port ${target.pgPort}, WAL ${wal.startLsn}..${wal.endLsn} on timeline ${wal.timeline}` };
    }
    case "logical-dump":
      await dumpSchemas({ adminUrl: target.pgAdminUrl, schemas: plan.schemas, dir, onProgress: deps.progress });
      return { detail: `pg_dump of ${plan.schemas.join(", ")}` };
    case "redis-snapshot": {
      if (!target.redisUrl) throw new Error("no Redis to snapshot: the stack manifest names none and --redis-url is not set");
      await snapshotRedis({ url: target.redisUrl, ...(target.caFile ? { caFile: target.caFile } : {}), ...(target.redisDir ? { redisDir: target.redisDir } : {}), dir, onProgress: deps.progress });
      return { detail: `RDB snapshot of ${target.redisUrl}` };
    }
    case "compliance-export": {
      const store = storeOf(deps);
      const day = lastClosedDay(deps.clock.nowMs());
      const result = await exportDay({ adminUrl: target.pgAdminUrl, store, day, nowMs: deps.clock.nowMs(), onProgress: deps.progress });
      const rows = result.manifest.files.map((f) => `${f.name.split("/").at(-1)} ${f.rows}`).join(", ");
      const storedBytes = result.manifest.files.reduce((sum, f) => sum + f.bytes, 0);
      return { day, storedBytes, detail: `${result.alreadyExported ? "already exported" : "exported"} ${day} to ${store.description} (${rows})` };
    }
  }
};

/** Runs one tier's backup now. A failure is recorded and pushed like a success, then rethrown as the result's line. */
export const runTier = async (deps: RunnerDeps, tier: BackupTier): Promise<RunResult> => {
  const repo = new BackupRepository(deps.target);
  repo.ensure();
  const startedMs = deps.clock.nowMs();
  const id = backupId(tier, startedMs);
  const dir = repo.begin(tier, id);
  let line: RunLogLine;
  let record: BackupRecord | undefined;
  deps.progress(`${tier}: ${TIER_PLANS[tier].mechanism} ${id} started`);
  try {
    const { storedBytes, ...parts } = await takeBackup(deps, tier, id, dir);
    const files = await describeFiles(dir);
    record = { id, tier, mechanism: TIER_PLANS[tier].mechanism, startedMs, finishedMs: deps.clock.nowMs(), files, ...parts };
    repo.commit(dir, record);
    const sizeBytes = storedBytes ?? sizeOf(record);
    line = { tier, outcome: "succeeded", startedMs, finishedMs: record.finishedMs, sizeBytes, id, detail: parts.detail };
    deps.progress(`${tier}: succeeded in ${((record.finishedMs - startedMs) / 1000).toFixed(1)} s, ${sizeBytes} bytes (${parts.detail})`);
  } catch (err) {
    repo.discard(dir);
    line = { tier, outcome: "failed", startedMs, finishedMs: deps.clock.nowMs(), sizeBytes: 0, detail: (err as Error).message.split("\n").slice(0, 3).join(" ") };
    deps.progress(`${tier}: FAILED after ${((line.finishedMs - startedMs) / 1000).toFixed(1)} s: ${line.detail}`);
  }
  repo.appendRun(line);
  const pushError = await pushMetrics(deps.target, repo);
  return { line, ...(record ? { record } : {}), ...(pushError ? { pushError } : {}) };
};

/** Pushes the totals of the run log; returns the error message instead of throwing. */
export const pushMetrics = async (target: BackupTarget, repo: BackupRepository): Promise<string | undefined> => {
  if (!target.pushgatewayUrl) return undefined;
  try {
    await pushBackupMetrics(target.pushgatewayUrl, repo.runs(), target.caFile ? { caFile: target.caFile } : {});
    return undefined;
  } catch (err) {
    return `metrics not pushed to ${target.pushgatewayUrl}: ${(err as Error).message}`;
  }
};

export interface PruneResult {
  readonly deleted: readonly BackupRecord[];
  readonly walSegmentsDeleted: number;
}

/** Applies the retention of ops/ (domain/schedule.ts) to the repository. */
export const prune = (deps: Pick<RunnerDeps, "target" | "clock" | "progress">): PruneResult => {
  const repo = new BackupRepository(deps.target);
  const records = repo.records();
  const plan = retentionPlan(records, deps.clock.nowMs());
  const deleted = records.filter((r) => plan.deleteIds.includes(r.id));
  for (const r of deleted) repo.delete(r);
  const walSegmentsDeleted = plan.walFloorSegno === null ? 0 : repo.deleteWalBelow(plan.walFloorSegno);
  if (deleted.length > 0 || walSegmentsDeleted > 0) deps.progress(`retention: deleted ${deleted.length} backups and ${walSegmentsDeleted} WAL files`);
  return { deleted, walSegmentsDeleted };
};

/** Every due tier (in the order of BACKUP_TIERS), then retention; one pass at a time per repository. */
export const runDue = async (deps: RunnerDeps): Promise<RunResult[]> => {
  const repo = new BackupRepository(deps.target);
  repo.ensure();
  const unlock = repo.lock("scheduled pass");
  try {
    const due = dueTiers(deps.clock.nowMs(), summariseRuns(repo.runs()), await exportedDays(storeOf(deps)));
    const results: RunResult[] = [];
    for (const tier of due) results.push(await runTier(deps, tier));
    prune(deps);
    return results;
  } finally {
    unlock();
  }
};

/** Runs the named tiers now, under the repository lock. */
export const runTiers = async (deps: RunnerDeps, tiers: readonly BackupTier[]): Promise<RunResult[]> => {
  const repo = new BackupRepository(deps.target);
  repo.ensure();
  const unlock = repo.lock(`backup of ${tiers.join(", ")}`);
  try {
    const results: RunResult[] = [];
    for (const tier of tiers) results.push(await runTier(deps, tier));
    return results;
  } finally {
    unlock();
  }
};
