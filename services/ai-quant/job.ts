// The nightly AI Quant job's shell: records each run (start, end, outcome, figures) in its schema and
// pushes its metrics to the Pushgateway, since a job that exits cannot be scraped. The optimisation
// itself arrives with the AI Quant issue; until then a run ends as `skipped` and says why.
import { randomUUID } from "node:crypto";
import { Pushgateway } from "prom-client";
import type { Logger } from "pino";
import type { Clock } from "../shared/clock.js";
import type { Database } from "../shared/db/database.js";
import type { ServiceMetrics } from "../shared/metrics.js";

export type RunTrigger = "cron" | "manual";
export type RunOutcome = "succeeded" | "failed" | "skipped";

export interface RunRecord {
  readonly id: string;
  readonly trigger: RunTrigger;
  readonly outcome: RunOutcome;
  readonly detail: string;
  readonly durationSeconds: number;
}

export interface JobDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly pushgatewayUrl?: string;
}

/** The work of one run; returns the outcome and figures to record. */
export type RunBody = () => Promise<{ outcome: RunOutcome; detail: string; figures?: Record<string, number> }>;

export const notYetOptimising: RunBody = async () => ({
  outcome: "skipped",
  detail: "parameter optimisation is not built yet (AI Quant issue); the run is recorded so its freshness can be watched",
});

export const runJob = async (deps: JobDeps, trigger: RunTrigger, body: RunBody = notYetOptimising): Promise<RunRecord> => {
  const id = randomUUID();
  const startedMs = deps.clock.nowMs();
  await deps.db.query("job_run_start", "INSERT INTO job_runs (id, trigger, started_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))", [id, trigger, startedMs]);
  let result: Awaited<ReturnType<RunBody>>;
  try {
    result = await body();
  } catch (err) {
    result = { outcome: "failed", detail: (err as Error).message };
  }
  const finishedMs = deps.clock.nowMs();
  await deps.db.query(
    "job_run_finish",
    "UPDATE job_runs SET finished_at = to_timestamp($2 / 1000.0), outcome = $3, detail = $4, figures = $5 WHERE id = $1",
    [id, finishedMs, result.outcome, result.detail, JSON.stringify(result.figures ?? {})],
  );
  const durationSeconds = (finishedMs - startedMs) / 1000;
  const m = deps.metrics;
  m.gauge("last_run_timestamp_seconds", "When the last run finished").set(finishedMs / 1000);
  m.gauge("last_run_duration_seconds", "How long the last run took").set(durationSeconds);
  m.gauge("last_run_outcome_state", "Outcome of the last run, 1 for the outcome it had", ["outcome"]).reset();
  m.gauge("last_run_outcome_state", "Outcome of the last run, 1 for the outcome it had", ["outcome"]).set({ outcome: result.outcome }, 1);
  if (result.outcome !== "failed") m.gauge("last_success_timestamp_seconds", "When a run last ended without failing").set(finishedMs / 1000);
  if (deps.pushgatewayUrl) {
    await new Pushgateway(deps.pushgatewayUrl, { timeout: 5_000 }, m.registry).pushAdd({ jobName: "titan-ai-quant" });
  }
  deps.logger.info({ id, trigger, outcome: result.outcome, durationSeconds }, "ai-quant run recorded");
  return { id, trigger, outcome: result.outcome, detail: result.detail, durationSeconds };
};
