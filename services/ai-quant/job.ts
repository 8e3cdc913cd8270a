// The nightly AI Quant job's shell: records each run (start, progress, end, outcome, figures) in its
// schema, lets one run work at a time (a PostgreSQL advisory lock: cron and a run by hand never
// overlap), and pushes its metrics to the Pushgateway, since a job that exits cannot be scraped.
import { randomUUID } from "node:crypto";
import { Pushgateway } from "prom-client";
import type { Logger } from "pino";
import type { AuditActor } from "../shared/audit/index.js";
import type { Clock } from "../shared/clock.js";
import type { Database } from "../shared/db/database.js";
import type { ServiceMetrics } from "../shared/metrics.js";
import { failAbandonedRuns, finishRun, recordProgress, startRun, type RunOutcome, type RunTrigger } from "./adapters/run-store.js";

export type { RunOutcome, RunTrigger } from "./adapters/run-store.js";

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

export interface RunContext {
  readonly runId: string;
  /** Reports progress (0–1); written at most once a second. */
  progress(fraction: number, detail: string): void;
}

export interface RunResult {
  readonly outcome: RunOutcome;
  readonly detail: string;
  readonly figures?: Record<string, number>;
}

/** The work of one run; returns the outcome and figures to record. */
export type RunBody = (ctx: RunContext) => Promise<RunResult>;

export interface RunOptions {
  /** Set when the API created the run's row ahead of the process. */
  readonly runId?: string;
  readonly requestedBy?: AuditActor | null;
  readonly options?: Record<string, unknown>;
}

const LOCK_KEY_SQL = "hashtextextended('titan.ai-quant.run', 0)";
const PROGRESS_INTERVAL_MS = 1_000;

export const runJob = async (deps: JobDeps, trigger: RunTrigger, body: RunBody, opts: RunOptions = {}): Promise<RunRecord> => {
  const id = opts.runId ?? randomUUID();
  const startedMs = deps.clock.nowMs();
  await startRun(deps.db, { id, trigger, startedMs, requestedBy: opts.requestedBy ?? null, options: opts.options ?? {} });
  // A session lock on a connection of its own, held for the whole run.
  const lockClient = await deps.db.pool.connect();
  let result: RunResult;
  try {
    const locked = await lockClient.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS ok`);
    if (locked.rows[0]?.ok !== true) {
      result = { outcome: "skipped", detail: "another AI Quant run is in progress" };
    } else {
      try {
        const abandoned = await failAbandonedRuns(deps.db, id, startedMs);
        if (abandoned > 0) deps.logger.warn({ abandoned }, "marked runs whose process stopped as failed");
        result = await body(progressReporter(deps, id));
      } catch (err) {
        deps.logger.error({ err }, "ai-quant run failed");
        result = { outcome: "failed", detail: (err as Error).message };
      } finally {
        await lockClient.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`).catch(() => undefined);
      }
    }
  } finally {
    lockClient.release();
  }
  const finishedMs = deps.clock.nowMs();
  await finishRun(deps.db, id, finishedMs, result.outcome, result.detail, result.figures ?? {});
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
  deps.logger.info({ id, trigger, outcome: result.outcome, detail: result.detail, durationSeconds }, "ai-quant run recorded");
  return { id, trigger, outcome: result.outcome, detail: result.detail, durationSeconds };
};

/** Progress to the run's row, throttled; the last report wins and a failed write never fails the run. */
function progressReporter(deps: JobDeps, id: string): RunContext {
  let lastWrittenMs = Number.NEGATIVE_INFINITY;
  let writing: Promise<void> = Promise.resolve();
  return {
    runId: id,
    progress: (fraction, detail) => {
      const nowMs = deps.clock.monotonicMs();
      if (nowMs - lastWrittenMs < PROGRESS_INTERVAL_MS && fraction < 1) return;
      lastWrittenMs = nowMs;
      writing = writing.then(() => recordProgress(deps.db, id, fraction, detail)).catch((err: unknown) => deps.logger.debug({ err }, "progress not written"));
    },
  };
}

/** Whether a run holds the lock now (a look, not a claim: the lock is released at once). */
export async function runInProgress(db: Database): Promise<boolean> {
  const client = await db.pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS ok`);
    if (rows[0]?.ok === true) {
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`);
      return false;
    }
    return true;
  } finally {
    client.release();
  }
}
