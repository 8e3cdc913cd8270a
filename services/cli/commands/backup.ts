// `titanctl backup run|list|prune`, `titanctl restore` and `titanctl export run|verify`: backups of
// every tier, point-in-time restore of the cluster, and the compliance export to write-once storage.
// They work on the local stack found through TITAN_STATE_DIR (its stack.json), or on servers named
// with the options (a drill's own cluster).
import type { Command } from "commander";
import { systemClock } from "../../shared/clock.js";
import { archiverStatus } from "../../backup/adapters/postgres-archiving.js";
import { exportDay, verifyExports } from "../../backup/adapters/compliance-export.js";
import { BackupRepository } from "../../backup/adapters/repository.js";
import { loadTarget, type BackupTarget } from "../../backup/adapters/target.js";
import { LocalWormStore } from "../../backup/adapters/worm-store.js";
import { summariseRuns } from "../../backup/domain/records.js";
import { parseRestoreTarget } from "../../backup/domain/restore-plan.js";
import { lastClosedDay, retentionPlan } from "../../backup/domain/schedule.js";
import { BACKUP_TIERS, isBackupTier, type BackupTier } from "../../backup/domain/tiers.js";
import { walCoverage } from "../../backup/domain/wal.js";
import { iso, renderBackups, renderTierStates, renderWal } from "../../backup/render.js";
import { restore } from "../../backup/restore.js";
import { registerRestoreRedisCommand } from "./restore-redis.js";
import { prune, pushMetrics, runDue, runTiers } from "../../backup/runner.js";
import type { CliContext } from "../context.js";
import { overridesOf, type TargetFlags } from "../target-flags.js";


const withTargetOptions = (cmd: Command): Command =>
  cmd
    .option("--backup-dir <dir>", "backup repository (default: <state dir>/backups)")
    .option("--pg-data-dir <dir>", "the cluster's data folder (default: the stack's)")
    .option("--pg-port <port>", "the cluster's port (default: the stack's)")
    .option("--redis-url <url>", "Redis to snapshot (default: the stack's)")
    .option("--redis-dir <dir>", "Redis's folder, where BGSAVE writes (default: the stack's)")
    .option("--pushgateway-url <url>", "Pushgateway for the backup metrics (default: the stack's)")
    .option("--compliance-dir <dir>", "local write-once folder of the compliance export (default: <state dir>/compliance)");


const targetOf = (ctx: () => CliContext, flags: TargetFlags): BackupTarget => loadTarget(ctx().stateDir, overridesOf(flags));

const parseTiers = (values: readonly string[]): BackupTier[] => {
  const bad = values.filter((v) => !isBackupTier(v));
  if (bad.length > 0) throw new Error(`unknown tier ${bad.join(", ")}: one of ${BACKUP_TIERS.join(", ")}`);
  return values as BackupTier[];
};

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Progress goes to stderr when stdout carries JSON. */
const progressFor = (json: boolean | undefined) => (line: string) => (json ? console.error(line) : console.log(line));

const DEFAULT_RUN_TIERS: readonly BackupTier[] = ["tradingData", "configuration", "historicalAnalytics", "redis"];

export const registerBackupCommands = (program: Command, ctx: () => CliContext): void => {
  const backup = program.command("backup").description("backups of every tier: run now, list, apply retention");

  withTargetOptions(
    backup
      .command("run")
      .description(`take backups now: base backup (tradingData), schema dumps (configuration, historicalAnalytics), Redis snapshot, compliance export; default ${DEFAULT_RUN_TIERS.join(", ")}. Exits 1 if one fails`)
      .option("--tier <tier>", `a tier to back up (repeatable): ${BACKUP_TIERS.join(", ")}`, collect)
      .option("--due", "only the tiers whose schedule (ops/ BACKUP_SCHEDULE) is due, then apply retention (what the scheduler does)")
      .option("--json", "print the runs as JSON"),
  ).action(async (opts: TargetFlags & { tier?: string[]; due?: boolean; json?: boolean }) => {
    const target = targetOf(ctx, opts);
    const deps = { target, clock: systemClock, progress: progressFor(opts.json) };
    if (opts.due && opts.tier) throw new Error("--due and --tier exclude each other");
    const results = opts.due ? await runDue(deps) : await runTiers(deps, parseTiers(opts.tier ?? [...DEFAULT_RUN_TIERS]));
    for (const r of results) if (r.pushError) console.error(`warning: ${r.pushError}`);
    if (opts.json) console.log(JSON.stringify(results.map((r) => r.line), null, 2));
    else if (results.length === 0) console.log("nothing due");
    process.exitCode = results.some((r) => r.line.outcome === "failed") ? 1 : 0;
  });

  withTargetOptions(
    backup
      .command("list")
      .description("backups in the repository, the state of each tier against its schedule, and the WAL archive")
      .option("--tier <tier>", "only this tier")
      .option("--json", "print JSON"),
  ).action(async (opts: TargetFlags & { tier?: string; json?: boolean }) => {
    const target = targetOf(ctx, opts);
    const repo = new BackupRepository(target);
    const records = repo.records(opts.tier ? parseTiers([opts.tier])[0] : undefined);
    const summaries = summariseRuns(repo.runs());
    const walFiles = repo.walFiles();
    const newestBase = repo.records("tradingData").at(-1);
    const coverage = newestBase?.wal ? walCoverage(walFiles, newestBase.wal.startSegno) : undefined;
    const archiver = await archiverStatus(target.pgAdminUrl).catch(() => undefined);
    const wal = { files: walFiles.length, bytes: repo.walBytes(), lastArchivedAtMs: archiver?.lastArchivedAtMs ?? null, failedCount: archiver?.failedCount ?? null, ...(coverage ? { coverage } : {}) };
    if (opts.json) {
      console.log(JSON.stringify({ backups: records, tiers: summaries, wal }, null, 2));
      return;
    }
    console.log([renderBackups(records), "", renderTierStates(summaries, systemClock.nowMs()), "", renderWal(wal)].join("\n"));
  });

  withTargetOptions(
    backup
      .command("prune")
      .description("delete backups and WAL past their retention (ops/ BACKUP_SCHEDULE); the newest of each tier always stays")
      .option("--dry-run", "only say what would go"),
  ).action(async (opts: TargetFlags & { dryRun?: boolean }) => {
    const target = targetOf(ctx, opts);
    if (opts.dryRun) {
      const plan = retentionPlan(new BackupRepository(target).records(), systemClock.nowMs());
      console.log(plan.deleteIds.length === 0 ? "nothing past its retention" : `would delete: ${plan.deleteIds.join(", ")}`);
      console.log(`weekly archives kept: ${plan.weeklyArchiveIds.join(", ") || "none"}; WAL kept from segment number ${plan.walFloorSegno ?? "(all)"}`);
      return;
    }
    const unlock = new BackupRepository(target).lock("prune");
    try {
      const result = prune({ target, clock: systemClock, progress: console.log });
      console.log(`deleted ${result.deleted.length} backups and ${result.walSegmentsDeleted} WAL files`);
    } finally {
      unlock();
    }
    await pushMetrics(target, new BackupRepository(target));
  });

  const restoreCommand = withTargetOptions(
    program
      .command("restore")
      .description("point-in-time restore of PostgreSQL from the newest suitable base backup and the WAL archive, into a new data folder that replaces the cluster's (the old one is kept beside it); then restarts the stack's services and waits until they are ready. `titanctl restore redis` restores Redis from a snapshot")
      // Options before `redis` are restore's, after it the subcommand's: both have --force and --dry-run.
      .enablePositionalOptions()
      .option("--to <time>", 'ISO 8601 time with zone (e.g. 2026-01-02T03:04:05Z), or "latest" (default: latest)')
      .option("--force", "stop the cluster if it is running (its data is replaced)")
      .option("--no-restart-services", "leave the services under PM2 alone")
      .option("--dry-run", "only print the plan")
      .option("--json", "print the figures as JSON"),
  ).action(async (opts: TargetFlags & { to?: string; force?: boolean; restartServices: boolean; dryRun?: boolean; json?: boolean }) => {
    const target = targetOf(ctx, opts);
    const nowMs = systemClock.nowMs();
    const report = await restore({ target, to: parseRestoreTarget(opts.to, nowMs), nowMs, force: opts.force === true, restartServices: opts.restartServices, progress: progressFor(opts.json), dryRun: opts.dryRun === true });
    if (opts.json) {
      console.log(JSON.stringify({ base: report.plan.base.id, target: report.plan.target, cluster: report.cluster, health: report.health, restartedServices: report.restartedServices }, null, 2));
      return;
    }
    if (!report.cluster) return;
    const c = report.cluster;
    console.log(`restored to ${iso(c.restoredToMs)} in ${c.totalSeconds.toFixed(1)} s (unpack ${c.unpackSeconds.toFixed(1)} s, WAL replay ${c.recoverySeconds.toFixed(1)} s)${c.replacedDir ? `; previous data folder kept at ${c.replacedDir}` : ""}`);
    if (report.health) console.log(`services ready: critical after ${report.health.criticalSeconds.toFixed(1)} s, all after ${report.health.allSeconds.toFixed(1)} s`);
  });
  registerRestoreRedisCommand(restoreCommand, ctx);

  const exp = program.command("export").description("compliance export of trade records and the audit log to write-once storage");

  withTargetOptions(
    exp
      .command("run")
      .description("export one closed UTC day's round trips, fills and audit events with a SHA-256 manifest (an exported day is never rewritten)")
      .option("--day <YYYY-MM-DD>", "the day (default: yesterday, UTC)"),
  ).action(async (opts: TargetFlags & { day?: string }) => {
    const target = targetOf(ctx, opts);
    const store = new LocalWormStore(target.complianceDir);
    const nowMs = systemClock.nowMs();
    const result = await exportDay({ adminUrl: target.pgAdminUrl, store, day: opts.day ?? lastClosedDay(nowMs), nowMs, onProgress: console.log });
    console.log(`${result.alreadyExported ? "already exported" : "exported"}: ${result.manifestKey} in ${store.description}`);
  });

  exp
    .command("verify")
    .description("re-read every exported day and check each file's SHA-256 against its manifest, and the chain of manifests; exits 1 on any difference")
    .option("--compliance-dir <dir>", "local write-once folder (default: <state dir>/compliance)")
    .option("--from <YYYY-MM-DD>", "first day to check")
    .option("--to <YYYY-MM-DD>", "last day to check")
    .option("--json", "print the report as JSON")
    .action(async (opts: { complianceDir?: string; from?: string; to?: string; json?: boolean }) => {
      const dir = opts.complianceDir ?? `${ctx().stateDir}/compliance`;
      const store = new LocalWormStore(dir);
      const report = await verifyExports(store, {
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.to ? { to: opts.to } : {}),
        extraChecks: (keys) => store.writableKeys(keys).map((k) => `${k}: writable (mode changed from read-only)`),
      });
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else {
        for (const w of report.warnings) console.log(`warning: ${w}`);
        for (const p of report.problems) console.log(`PROBLEM: ${p}`);
        console.log(`${report.problems.length === 0 ? "intact" : "NOT intact"}: ${report.days.length} days, ${report.files} files checked in ${store.description}`);
      }
      process.exitCode = report.problems.length === 0 ? 0 : 1;
    });
};
