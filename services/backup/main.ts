// The backup scheduler of a single host (the local stack runs it under PM2): every check interval it
// runs the tiers whose schedule from ops/ is due, applies retention and pushes the metrics. Runs by hand
// (`titanctl backup run`) share its repository lock, run log and metrics.
import { Command, InvalidArgumentError } from "commander";
import { systemClock } from "../shared/clock.js";
import { createLogger } from "../shared/logger.js";
import { BackupRepository } from "./adapters/repository.js";
import { loadTarget } from "./adapters/target.js";
import { pushMetrics, runDue } from "./runner.js";

/**
 * How often the scheduler looks for due tiers: well inside the shortest schedule (hourly), so a tier is
 * at most this late, and cheap when nothing is due (a look at the run log).
 */
const CHECK_INTERVAL_SECONDS = 60;

const program = new Command()
  .name("titan-backup")
  .description("Backup scheduler: runs each tier's backup when its schedule (ops/ BACKUP_SCHEDULE) is due, applies retention, pushes titan_backup_* metrics to the Pushgateway. Reads the stack from TITAN_STATE_DIR/stack.json.")
  .option("--state-dir <dir>", "the stack's state folder", process.env.TITAN_STATE_DIR ?? ".titan")
  .option("--check-interval-seconds <n>", "seconds between two looks for due tiers", (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError("must be a whole number of seconds >= 1");
    return Number(v);
  }, CHECK_INTERVAL_SECONDS)
  .option("--once", "one pass, then exit (exit 1 if a run failed)");

const opts = program.parse(process.argv).opts<{ stateDir: string; checkIntervalSeconds: number; once?: boolean }>();
const logger = createLogger({ service: "backup", level: (process.env.TITAN_LOG_LEVEL as "info" | undefined) ?? "info" });

let stopping = false;
let wake: (() => void) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    wake?.();
  });
}

const pass = async (): Promise<boolean> => {
  try {
    // Re-read every pass: the stack's manifest changes when it is restarted with other ports.
    const target = loadTarget(opts.stateDir);
    const results = await runDue({ target, clock: systemClock, progress: (line) => logger.info(line) });
    if (results.length === 0) {
      const pushError = await pushMetrics(target, new BackupRepository(target));
      if (pushError) logger.warn(pushError);
    }
    for (const r of results) if (r.pushError) logger.warn(r.pushError);
    return results.every((r) => r.line.outcome === "succeeded");
  } catch (err) {
    logger.error({ err }, "backup pass failed");
    return false;
  }
};

if (opts.once) {
  process.exitCode = (await pass()) ? 0 : 1;
} else {
  logger.info({ checkIntervalSeconds: opts.checkIntervalSeconds, stateDir: opts.stateDir }, "backup scheduler started");
  while (!stopping) {
    await pass();
    if (stopping) break;
    await new Promise<void>((resolve) => {
      const cancel = systemClock.setTimer(opts.checkIntervalSeconds * 1000, resolve);
      wake = () => {
        cancel();
        resolve();
      };
    });
  }
  logger.info("backup scheduler stopped");
}
