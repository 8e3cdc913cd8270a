// `titanctl restore`, the whole of it: plan (base backup + WAL), restore into a new data folder and
// switch the cluster over, restart the stack's services on the restored data, wait until they are
// ready. Every step reports its time, so the drill reads RTO from here.
import { RECOVERY_TIME_OBJECTIVES } from "../../ops/index.js";
import { restoreCluster, type RestoreFigures } from "./adapters/postgres-restore.js";
import { BackupRepository } from "./adapters/repository.js";
import { restartServices, waitForHealthy, type HealthFigures } from "./adapters/stack-services.js";
import type { BackupTarget } from "./adapters/target.js";
import { describeTarget, planRestore, type RestorePlan, type RestoreTarget } from "./domain/restore-plan.js";

export interface RestoreRequest {
  readonly target: BackupTarget;
  readonly to: RestoreTarget;
  readonly nowMs: number;
  /** Stop a running cluster (otherwise refused). */
  readonly force: boolean;
  /** Restart the stack's services under PM2 after the switch (when the stack runs them). */
  readonly restartServices: boolean;
  readonly progress: (line: string) => void;
  /** Only print the plan. */
  readonly dryRun?: boolean;
}

export interface RestoreReport {
  readonly plan: RestorePlan;
  readonly cluster?: RestoreFigures;
  readonly health?: HealthFigures;
  readonly restartedServices: readonly string[];
}

export const planFor = (target: BackupTarget, to: RestoreTarget): RestorePlan => {
  const repo = new BackupRepository(target);
  return planRestore(repo.records("tradingData"), repo.walFiles(), to, target.archiveDir);
};

export const restore = async (req: RestoreRequest): Promise<RestoreReport> => {
  const plan = planFor(req.target, req.to);
  const wal = plan.base.wal!;
  req.progress(`plan: base backup ${plan.base.id} (finished ${new Date(plan.base.finishedMs).toISOString()}), then WAL from ${wal.startLsn} on timeline ${wal.timeline} (${plan.coverage.contiguousToSegno - plan.coverage.fromSegno + 1} archived segments) to ${describeTarget(req.to)}`);
  for (const w of plan.warnings) req.progress(`warning: ${w}`);
  if (req.dryRun) return { plan, restartedServices: [] };

  const repo = new BackupRepository(req.target);
  const unlock = repo.lock("restore");
  try {
    const startedMs = Date.now();
    const cluster = await restoreCluster(req.target, {
      plan,
      backupPath: repo.backupPath("tradingData", plan.base.id),
      nowMs: req.nowMs,
      stopRunning: req.force,
      // The whole system's RTO bounds how long replay may take before we call the restore failed.
      recoveryTimeoutMs: RECOVERY_TIME_OBJECTIVES.completeSystem.seconds * 1000,
      progress: req.progress,
    });
    const apps = req.restartServices && req.target.pm2Home ? req.target.health.map((h) => h.name) : [];
    if (apps.length > 0) {
      req.progress(`restarting ${apps.join(", ")} on the restored database`);
      restartServices(req.target.pm2Home!, req.target.portOffset, apps);
    }
    const health = req.target.health.length > 0 ? await waitForHealthy(req.target.health, startedMs, RECOVERY_TIME_OBJECTIVES.completeSystem.seconds * 1000, req.progress, req.target.caFile) : undefined;
    return { plan, cluster, ...(health ? { health } : {}), restartedServices: apps };
  } finally {
    unlock();
  }
};
