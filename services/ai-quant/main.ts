// ai-quant is a job: it runs once and exits (PM2 cron locally, a Kubernetes CronJob in production, the
// API's "start a run", or by hand). One run: walk-forward optimisation of the scavenger's whitelisted
// parameters over the recorded period, and a proposal for an operator when the result passes the rules.
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import { systemClock } from "../shared/clock.js";
import { ConfigError, loadServiceConfig, withPassword } from "../shared/config/index.js";
import { ParametersError } from "../shared/contracts/parameters.js";
import { createDatabase } from "../shared/db/database.js";
import { migrateService } from "../shared/db/provision.js";
import { createLogger } from "../shared/logger.js";
import { ServiceMetrics } from "../shared/metrics.js";
import { loadQuantExtraConfig } from "./config.js";
import { resolvePeriod } from "./domain/period.js";
import { loadQuantSettings } from "./domain/quant-settings.js";
import { runJob, type RunContext, type RunTrigger } from "./job.js";
import { optimiseRun } from "./optimise.js";

const integer = (name: string, min: number, max: number) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`${name} must be a whole number ${min}-${max}`);
  return Number(value);
};

const program = new Command()
  .name("ai-quant")
  .description(
    "AI Quant job: walk-forward optimisation of the scavenger's whitelisted parameters over the recorded period; writes a proposal " +
      "for an operator when it beats the current parameters out of sample. Records the run and pushes its metrics to the Pushgateway.",
  )
  .option("--trigger <trigger>", "cron | manual", process.env.pm_id !== undefined ? "cron" : "manual")
  .option("--from <day|time>", "start of the period (YYYY-MM-DD = UTC midnight, or ISO-8601); default: the tape's hot days before --to")
  .option("--to <day|time>", "end of the period, exclusive; default: the last UTC midnight")
  .option("--seed <n>", "seeds the search (and the synthetic market with --data synthetic)", integer("--seed", 0, 2 ** 31 - 1))
  .option("--data <source>", "tape (what execution recorded) | synthetic (execution's seeded generator, for a machine with nothing recorded)", "tape")
  .option("--symbols <list>", "comma-separated symbols (default: every symbol on tape; BTCUSDT,ETHUSDT,SOLUSDT for synthetic data)")
  .option("--folds <n>", "walk-forward folds (the period is cut into folds + 1 windows)", integer("--folds", 1, 50))
  .option("--random-trials <n>", "random candidates per in-sample window", integer("--random-trials", 0, 100_000))
  .option("--refine-trials <n>", "pattern-search steps per in-sample window", integer("--refine-trials", 0, 100_000))
  .option("--run-id <uuid>", "the run's id when the API created it")
  .option("--no-progress", "no progress bar (log lines instead)")
  .parse();

interface Options {
  trigger: RunTrigger;
  from?: string;
  to?: string;
  seed?: number;
  data: string;
  symbols?: string;
  folds?: number;
  randomTrials?: number;
  refineTrials?: number;
  runId?: string;
  progress: boolean;
}

const opts = program.opts<Options>();

/** A bar on a terminal; otherwise a log line every tenth. */
function progressDisplay(enabled: boolean): { update(fraction: number, detail: string): void; stop(): void } {
  if (enabled && process.stderr.isTTY) {
    const bar = new SingleBar({ format: "ai-quant [{bar}] {percentage}% | {detail}", stream: process.stderr, hideCursor: true });
    bar.start(1000, 0, { detail: "starting" });
    return { update: (fraction, detail) => bar.update(Math.round(fraction * 1000), { detail }), stop: () => bar.stop() };
  }
  let lastTenth = -1;
  return {
    update: (fraction, detail) => {
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`ai-quant: ${Math.round(fraction * 100)}% ${detail}\n`);
      }
    },
    stop: () => undefined,
  };
}

try {
  if (opts.trigger !== "cron" && opts.trigger !== "manual") throw new InvalidArgumentError(`--trigger must be cron or manual, got ${opts.trigger}`);
  if (opts.data !== "tape" && opts.data !== "synthetic") throw new InvalidArgumentError(`--data must be tape or synthetic, got ${opts.data}`);
  if (opts.runId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.runId)) throw new InvalidArgumentError("--run-id must be a UUID");
  const period = resolvePeriod(systemClock.nowMs(), opts.from, opts.to);
  const settings = loadQuantSettings({
    search: { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.randomTrials !== undefined ? { randomTrials: opts.randomTrials } : {}), ...(opts.refineTrials !== undefined ? { refineTrials: opts.refineTrials } : {}) },
    walkForward: opts.folds !== undefined ? { folds: opts.folds } : {},
  });
  const config = loadServiceConfig("ai-quant", process.env);
  const extra = loadQuantExtraConfig(process.env);
  const logger = createLogger({ service: "ai-quant", level: config.logLevel });
  const metrics = new ServiceMetrics("ai-quant");
  const db = createDatabase(
    { url: config.databaseUrl, ...(config.databasePassword !== undefined ? { password: config.databasePassword } : {}), applicationName: "titan-ai-quant", maxConnections: 3, statementTimeoutMs: 120_000 },
    metrics,
  );
  const display = progressDisplay(opts.progress);
  try {
    await migrateService("ai-quant", { connectionString: withPassword(config.databaseUrl, config.databasePassword) });
    const symbols = opts.symbols?.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    const runOptions = { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString(), data: opts.data, seed: settings.search.seed, ...(symbols ? { symbols } : {}) };
    const run = await runJob(
      { db, clock: systemClock, logger, metrics, ...(config.pushgatewayUrl ? { pushgatewayUrl: config.pushgatewayUrl } : {}) },
      opts.trigger,
      (ctx: RunContext) =>
        optimiseRun(
          { db, clock: systemClock, logger, metrics },
          // A minute's grace: under PM2 the job starts beside the services whose migrations grant its read access.
          { period, data: opts.data as "tape" | "synthetic", tapeDir: extra.tapeDir, ...(symbols ? { symbols } : {}), settings, dataSeed: settings.search.seed, readAccessWaitMs: 60_000 },
          {
            runId: ctx.runId,
            progress: (fraction, detail) => {
              display.update(fraction, detail);
              ctx.progress(fraction, detail);
            },
          },
        ),
      { ...(opts.runId ? { runId: opts.runId } : {}), options: runOptions },
    );
    display.stop();
    process.stdout.write(`ai-quant: run ${run.id} ${run.outcome} in ${run.durationSeconds.toFixed(1)} s: ${run.detail}\n`);
    process.exitCode = run.outcome === "failed" ? 1 : 0;
  } finally {
    display.stop();
    await db.close();
  }
} catch (err) {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) process.stderr.write(`ai-quant: config: ${problem}\n`);
  } else if (err instanceof ParametersError || err instanceof RangeError || err instanceof InvalidArgumentError) {
    process.stderr.write(`ai-quant: ${err.message}\n`);
  } else {
    process.stderr.write(`ai-quant: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
}
