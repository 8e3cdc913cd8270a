// ai-quant is a job: it runs once and exits (PM2 cron locally, a Kubernetes CronJob in production).
import { Command } from "commander";
import { systemClock } from "../shared/clock.js";
import { ConfigError, loadServiceConfig, withPassword } from "../shared/config/index.js";
import { createDatabase } from "../shared/db/database.js";
import { migrateService } from "../shared/db/provision.js";
import { createLogger } from "../shared/logger.js";
import { ServiceMetrics } from "../shared/metrics.js";
import { runJob, type RunTrigger } from "./job.js";

const program = new Command()
  .name("ai-quant")
  .description("AI Quant nightly job: records a run and pushes its metrics to the Pushgateway")
  .option("--trigger <trigger>", "cron | manual", process.env.pm_id !== undefined ? "cron" : "manual")
  .parse();

const { trigger } = program.opts<{ trigger: RunTrigger }>();
try {
  const config = loadServiceConfig("ai-quant", process.env);
  const logger = createLogger({ service: "ai-quant", level: config.logLevel });
  const metrics = new ServiceMetrics("ai-quant");
  const db = createDatabase(
    { url: config.databaseUrl, ...(config.databasePassword !== undefined ? { password: config.databasePassword } : {}), applicationName: "titan-ai-quant", maxConnections: 2 },
    metrics,
  );
  try {
    await migrateService("ai-quant", { connectionString: withPassword(config.databaseUrl, config.databasePassword) });
    const run = await runJob({ db, clock: systemClock, logger, metrics, ...(config.pushgatewayUrl ? { pushgatewayUrl: config.pushgatewayUrl } : {}) }, trigger);
    process.exitCode = run.outcome === "failed" ? 1 : 0;
  } finally {
    await db.close();
  }
} catch (err) {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) process.stderr.write(`ai-quant: config: ${problem}\n`);
  } else {
    process.stderr.write(`ai-quant: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exitCode = 1;
}
