// The job's runs in quant.job_runs: created by the job itself (cron, by hand) or ahead of it by the API
// (so the caller gets the id at once), progress while it works, outcome and figures when it ends.
import type { AuditActor } from "../../shared/audit/index.js";
import type { Queryable } from "../../shared/db/database.js";

export type RunTrigger = "cron" | "manual";
export type RunOutcome = "succeeded" | "failed" | "skipped";

export interface RunView {
  readonly id: string;
  readonly trigger: RunTrigger;
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
  readonly outcome: RunOutcome | null;
  readonly detail: string | null;
  readonly figures: Record<string, number>;
  readonly progressFraction: number;
  readonly progressDetail: string | null;
  readonly requestedBy: AuditActor | null;
  readonly options: Record<string, unknown>;
}

interface RunRow {
  id: string;
  trigger: RunTrigger;
  started_at: Date;
  finished_at: Date | null;
  outcome: RunOutcome | null;
  detail: string | null;
  figures: Record<string, number>;
  progress_fraction: number;
  progress_detail: string | null;
  requested_by: AuditActor | null;
  options: Record<string, unknown>;
}

const SELECT = `SELECT id, trigger, started_at, finished_at, outcome, detail, figures, progress_fraction, progress_detail, requested_by, options FROM job_runs`;

const viewOf = (r: RunRow): RunView => ({
  id: r.id,
  trigger: r.trigger,
  startedAtMs: r.started_at.getTime(),
  finishedAtMs: r.finished_at?.getTime() ?? null,
  outcome: r.outcome,
  detail: r.detail,
  figures: r.figures,
  progressFraction: r.progress_fraction,
  progressDetail: r.progress_detail,
  requestedBy: r.requested_by,
  options: r.options,
});

/** Creates the run's row, or leaves the one the API created for it. */
export async function startRun(db: Queryable, run: { id: string; trigger: RunTrigger; startedMs: number; requestedBy?: AuditActor | null; options?: Record<string, unknown> }): Promise<void> {
  await db.query(
    "quant_run_start",
    `INSERT INTO job_runs (id, trigger, started_at, requested_by, options) VALUES ($1, $2, to_timestamp($3 / 1000.0), $4::jsonb, $5::jsonb)
     ON CONFLICT (id) DO NOTHING`,
    [run.id, run.trigger, run.startedMs, run.requestedBy ? JSON.stringify(run.requestedBy) : null, JSON.stringify(run.options ?? {})],
  );
}

export async function recordProgress(db: Queryable, id: string, fraction: number, detail: string): Promise<void> {
  await db.query("quant_run_progress", "UPDATE job_runs SET progress_fraction = $2, progress_detail = $3 WHERE id = $1 AND finished_at IS NULL", [
    id,
    Math.min(1, Math.max(0, fraction)),
    detail,
  ]);
}

export async function finishRun(db: Queryable, id: string, finishedMs: number, outcome: RunOutcome, detail: string, figures: Record<string, number>): Promise<void> {
  await db.query(
    "quant_run_finish",
    `UPDATE job_runs SET finished_at = to_timestamp($2 / 1000.0), outcome = $3, detail = $4, figures = $5,
            progress_fraction = CASE WHEN $3 = 'succeeded' THEN 1 ELSE progress_fraction END
      WHERE id = $1`,
    [id, finishedMs, outcome, detail, JSON.stringify(figures)],
  );
}

export async function getRun(db: Queryable, id: string): Promise<RunView | null> {
  const { rows } = await db.query<RunRow>("quant_run_get", `${SELECT} WHERE id = $1`, [id]);
  return rows[0] ? viewOf(rows[0]) : null;
}

export async function listRuns(db: Queryable, limit: number): Promise<RunView[]> {
  const { rows } = await db.query<RunRow>("quant_run_list", `${SELECT} ORDER BY started_at DESC LIMIT $1`, [limit]);
  return rows.map(viewOf);
}

/** Runs left unfinished by a process that died: called by the run holding the lock, so none is active. */
export async function failAbandonedRuns(db: Queryable, exceptId: string, nowMs: number): Promise<number> {
  const result = await db.query(
    "quant_run_abandoned",
    `UPDATE job_runs SET finished_at = to_timestamp($2 / 1000.0), outcome = 'failed', detail = 'the run ended without finishing (its process stopped)'
      WHERE finished_at IS NULL AND id <> $1 AND started_at < (SELECT started_at FROM job_runs WHERE id = $1)`,
    [exceptId, nowMs],
  );
  return result.rowCount ?? 0;
}
