// The backup scheduler of a single host (the local stack runs it under PM2 as the app `backup`): every
// check interval it runs the tiers whose schedule from ops/ is due, applies retention and pushes the
// metrics. Runs by hand (`titanctl backup run`) share its repository lock, run log and metrics. With
// TITAN_HTTP_PORT set it serves its readiness and its own metrics (main-health.ts).
import { Command, InvalidArgumentError } from "commander";
import { resolve } from "node:path";
import { systemClock } from "../shared/clock.js";
import { ConfigError, LOG_LEVELS, TITAN_ENVS, enumVar, loadConfig, pathVar, portVar, stringVar, type ConfigOf } from "../shared/config/index.js";
import { createLogger } from "../shared/logger.js";
import { BackupRepository } from "./adapters/repository.js";
import { answersReady } from "./adapters/stack-services.js";
import { archiveDirOf, backupDirOf, loadTarget, type HealthTarget } from "./adapters/target.js";
import { INITIAL_STATE, schedulerMetrics, startHealthServer, type PassRecord, type SchedulerState } from "./main-health.js";
import { pushMetrics, runDue } from "./runner.js";

/**
 * How often the scheduler looks for due tiers: well inside the shortest schedule (hourly), so a tier is
 * at most this late, and cheap when nothing is due (a look at the run log).
 */
const CHECK_INTERVAL_SECONDS = 60;

/**
 * Before its first pass the scheduler waits for the services to answer ready, so a fresh stack's first
 * dumps and export find the schemas their migrations create. Past this it runs anyway: a tier whose
 * schema is still missing then fails, visibly, and is retried on its schedule.
 */
const SERVICES_WAIT_SECONDS = 300;

const SCHEDULER_SPEC = [
  pathVar("TITAN_STATE_DIR", { description: "The local stack's state folder; its stack.json names the cluster, Redis and the Pushgateway.", default: ".titan" }),
  pathVar("TITAN_BACKUP_DIR", { description: "The backup repository: base backups, dumps, snapshots, the run log (default <TITAN_STATE_DIR>/backups)." }),
  pathVar("TITAN_WAL_ARCHIVE_DIR", { description: "Where PostgreSQL's archive_command puts WAL; must be the repository's wal/ folder, which restores read." }),
  enumVar("TITAN_LOG_LEVEL", LOG_LEVELS, { description: "Minimum level written to the log.", default: "info" }),
  enumVar("TITAN_ENV", TITAN_ENVS, { description: "Deployment environment.", default: "development" }),
  stringVar("TITAN_HTTP_HOST", { description: "Address the health and metrics listener binds to.", default: "127.0.0.1", pattern: /^[A-Za-z0-9.:[\]-]+$/, patternHint: "a host name or IP address", maxLength: 253 }),
  portVar("TITAN_HTTP_PORT", { description: "Port of the health and metrics listener; none when unset.", allowAnyFree: true }),
  pathVar("TITAN_TLS_CERT_FILE", { description: "PEM certificate of the listener (TLS 1.3 only).", requires: ["TITAN_TLS_KEY_FILE"] }),
  pathVar("TITAN_TLS_KEY_FILE", { description: "PEM private key matching TITAN_TLS_CERT_FILE.", requires: ["TITAN_TLS_CERT_FILE"] }),
] as const;

let config: ConfigOf<typeof SCHEDULER_SPEC>;
try {
  config = loadConfig(SCHEDULER_SPEC);
  if (config.env === "production" && config.httpPort !== undefined && config.tlsCertFile === undefined) {
    throw new ConfigError(["TITAN_TLS_CERT_FILE, TITAN_TLS_KEY_FILE: are required with TITAN_ENV=production (the listener serves HTTPS only, TLS 1.3)"]);
  }
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  for (const problem of err.problems) process.stderr.write(`${problem}\n`);
  process.exit(1);
}

const positiveSeconds = (v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError("must be a whole number of seconds >= 1");
  return Number(v);
};

const program = new Command()
  .name("titan-backup")
  .description(
    "Backup scheduler: runs each tier's backup when its schedule (ops/ BACKUP_SCHEDULE) is due, applies retention, pushes titan_backup_* metrics to the Pushgateway. " +
      "Reads the stack from TITAN_STATE_DIR/stack.json; serves /health/ready and /metrics on TITAN_HTTP_PORT when set.",
  )
  .option("--state-dir <dir>", "the stack's state folder", config.stateDir)
  .option("--backup-dir <dir>", "the backup repository (default: TITAN_BACKUP_DIR, else <state dir>/backups)")
  .option("--check-interval-seconds <n>", "seconds between two looks for due tiers", positiveSeconds, CHECK_INTERVAL_SECONDS)
  .option("--services-wait-seconds <n>", "how long the first pass waits for the services to be ready", positiveSeconds, SERVICES_WAIT_SECONDS)
  .option("--once", "one pass, then exit (exit 1 if a run failed); no listener");

const opts = program.parse(process.argv).opts<{ stateDir: string; backupDir?: string; checkIntervalSeconds: number; servicesWaitSeconds: number; once?: boolean }>();
const logger = createLogger({ service: "backup", level: config.logLevel });
const backupDir = resolve(opts.backupDir ?? config.backupDir ?? backupDirOf(opts.stateDir));
if (config.walArchiveDir !== undefined && resolve(config.walArchiveDir) !== archiveDirOf(backupDir)) {
  process.stderr.write(`TITAN_WAL_ARCHIVE_DIR: '${config.walArchiveDir}' is not the repository's WAL archive '${archiveDirOf(backupDir)}': restores read the WAL from there; archive to it, or move TITAN_BACKUP_DIR\n`);
  process.exit(1);
}

let state: SchedulerState = INITIAL_STATE;
const metrics = schedulerMetrics();
let stopping = false;
let wake: (() => void) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    wake?.();
  });
}

/** Sleeps `ms`, or less when the process is asked to stop. */
const nap = (ms: number): Promise<void> =>
  new Promise<void>((done) => {
    const cancel = systemClock.setTimer(ms, () => done());
    wake = () => {
      cancel();
      done();
    };
  });

/** Waits until every service answers ready, the deadline passes or the process is stopped; returns those that never did. */
const waitForServices = async (targets: readonly HealthTarget[], timeoutSeconds: number, caFile?: string): Promise<HealthTarget[]> => {
  const deadlineMs = Date.now() + timeoutSeconds * 1000;
  let pending = [...targets];
  while (pending.length > 0 && !stopping && Date.now() < deadlineMs) {
    const ready = await Promise.all(pending.map((t) => answersReady(t.url, caFile)));
    pending = pending.filter((_, i) => !ready[i]);
    if (pending.length > 0) await nap(1_000);
  }
  return pending;
};

const pass = async (): Promise<PassRecord> => {
  const startedMs = systemClock.nowMs();
  state = { ...state, phase: "pass", passStartedMs: startedMs };
  let record: PassRecord;
  try {
    // Re-read every pass: the stack's manifest changes when it is restarted with other ports.
    const target = loadTarget(opts.stateDir, { backupDir });
    const results = await runDue({ target, clock: systemClock, progress: (line) => logger.info(line) });
    if (results.length === 0) {
      const pushError = await pushMetrics(target, new BackupRepository(target));
      if (pushError) logger.warn(pushError);
    }
    for (const r of results) if (r.pushError) logger.warn(r.pushError);
    const failed = results.some((r) => r.line.outcome !== "succeeded");
    record = { startedMs, finishedMs: systemClock.nowMs(), outcome: failed ? "backup-failed" : "succeeded", ran: results.map((r) => r.line.tier) };
  } catch (err) {
    logger.error({ err }, "backup pass failed");
    record = { startedMs, finishedMs: systemClock.nowMs(), outcome: "error", ran: [], error: (err as Error).message.split("\n")[0] ?? "error" };
  }
  metrics.passFinished(record);
  state = { phase: "idle", passStartedMs: null, lastPass: record };
  return record;
};

if (opts.once) {
  process.exitCode = (await pass()).outcome === "succeeded" ? 0 : 1;
} else {
  const server =
    config.httpPort === undefined
      ? undefined
      : await startHealthServer({
          host: config.httpHost,
          port: config.httpPort,
          ...(config.tlsCertFile && config.tlsKeyFile ? { tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } } : {}),
          state: () => state,
          metrics,
          nowMs: () => systemClock.nowMs(),
          log: logger,
        });
  logger.info({ checkIntervalSeconds: opts.checkIntervalSeconds, stateDir: opts.stateDir, backupDir, walArchiveDir: archiveDirOf(backupDir), port: server?.port ?? null }, "backup scheduler started");
  try {
    state = { ...state, phase: "waiting-for-services" };
    const { health: services, caFile } = (() => {
      try {
        return loadTarget(opts.stateDir, { backupDir });
      } catch {
        return { health: [], caFile: undefined }; // no stack manifest yet: the first pass says so
      }
    })();
    const late = await waitForServices(services, opts.servicesWaitSeconds, caFile);
    if (late.length > 0 && !stopping) logger.warn({ services: late.map((t) => t.name) }, `services not ready after ${opts.servicesWaitSeconds} s; running the first pass anyway`);
    while (!stopping) {
      await pass();
      if (stopping) break;
      await nap(opts.checkIntervalSeconds * 1000);
    }
  } finally {
    await server?.close();
  }
  logger.info("backup scheduler stopped");
}
