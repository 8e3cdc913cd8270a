// The backup metrics, computed from the run log (so every process, the scheduler or a run by hand,
// pushes the same totals) and pushed to the Pushgateway: a run that exits cannot be scraped.
import { readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { Counter, Gauge, Pushgateway, Registry } from "prom-client";
import { SECURITY } from "../../../ops/security.js";
import { summariseRuns, type RunLogLine } from "../domain/records.js";
import { BACKUP_TIERS, TIER_PLANS } from "../domain/tiers.js";

/** The Pushgateway job of every backup process; `push` replaces the whole group each time. */
export const BACKUP_PUSH_JOB = "titan-backup";

export const BACKUP_METRICS = {
  runsTotal: "titan_backup_runs_total",
  lastSuccessTimestamp: "titan_backup_last_success_timestamp_seconds",
  lastRunOutcome: "titan_backup_last_run_outcome_state",
  lastDurationSeconds: "titan_backup_last_duration_seconds",
  lastSizeBytes: "titan_backup_last_size_bytes",
  intervalSeconds: "titan_backup_interval_seconds",
} as const;

/** The registry with every backup metric declared (and, given runs, filled in). */
export const backupRegistry = (runs: readonly RunLogLine[] = []): Registry => {
  const registry = new Registry();
  const runsTotal = new Counter({ name: BACKUP_METRICS.runsTotal, help: "Backup runs by tier and outcome (KPI: backup success rate)", labelNames: ["tier", "outcome"], registers: [registry] });
  const lastSuccess = new Gauge({ name: BACKUP_METRICS.lastSuccessTimestamp, help: "When the tier's last successful backup finished", labelNames: ["tier"], registers: [registry] });
  const lastOutcome = new Gauge({ name: BACKUP_METRICS.lastRunOutcome, help: "Outcome of the tier's last run, 1 for the outcome it had", labelNames: ["tier", "outcome"], registers: [registry] });
  const lastDuration = new Gauge({ name: BACKUP_METRICS.lastDurationSeconds, help: "How long the tier's last successful backup took", labelNames: ["tier"], registers: [registry] });
  const lastSize = new Gauge({ name: BACKUP_METRICS.lastSizeBytes, help: "Size of the tier's last successful backup", labelNames: ["tier"], registers: [registry] });
  const interval = new Gauge({ name: BACKUP_METRICS.intervalSeconds, help: "The tier's schedule from ops/ (seconds between two backups)", labelNames: ["tier"], registers: [registry] });
  const summaries = summariseRuns(runs);
  for (const tier of BACKUP_TIERS) {
    const s = summaries[tier];
    interval.set({ tier }, TIER_PLANS[tier].schedule.intervalSeconds);
    // Every tier and outcome exists from the first push, at 0, so rates and alerts see the series.
    for (const outcome of ["succeeded", "failed"] as const) runsTotal.inc({ tier, outcome }, s.runs[outcome]);
    if (s.lastRun) {
      lastOutcome.set({ tier, outcome: "succeeded" }, s.lastRun.outcome === "succeeded" ? 1 : 0);
      lastOutcome.set({ tier, outcome: "failed" }, s.lastRun.outcome === "failed" ? 1 : 0);
    }
    if (s.lastSuccess) {
      lastSuccess.set({ tier }, s.lastSuccess.finishedMs / 1000);
      lastDuration.set({ tier }, (s.lastSuccess.finishedMs - s.lastSuccess.startedMs) / 1000);
      lastSize.set({ tier }, s.lastSuccess.sizeBytes);
    }
  }
  return registry;
};

export interface PushOptions {
  /** PEM CA that signed the Pushgateway's certificate (the stack's CA); the system's roots otherwise. */
  readonly caFile?: string;
}

/**
 * Replaces the backup group on the Pushgateway. An https URL is checked against `caFile` with ops/'s
 * TLS floor: a `titanctl backup` run by hand has no NODE_EXTRA_CA_CERTS to fall back on.
 */
export const pushBackupMetrics = async (pushgatewayUrl: string, runs: readonly RunLogLine[], opts: PushOptions = {}): Promise<void> => {
  const https = new URL(pushgatewayUrl).protocol === "https:";
  const request: RequestOptions = { timeout: 5_000, ...(https ? { minVersion: SECURITY.minimumTlsVersion.value, ...(opts.caFile ? { ca: readFileSync(opts.caFile) } : {}) } : {}) };
  await new Pushgateway(pushgatewayUrl, request, backupRegistry(runs)).push({ jobName: BACKUP_PUSH_JOB });
};
