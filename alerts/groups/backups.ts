// Backups and WAL archiving: a failed backup run, a tier whose last good backup is older than its
// schedule allows, the backup KPI, and the WAL archive (the trading-data RPO) failing or falling behind.
// Seed: "Backup success rate: 100%", "RPO: Trading Data 1 minute", "Backup Strategy".
// They watch parts a deployment runs itself (the backup scheduler, an archive_command of ours), so each
// says so (`requires`): prod runs neither, RDS and AWS Backup do that work there (deployments.ts).
import { KPIS, RECOVERY_POINT_OBJECTIVES, WAL_ARCHIVE_TIMEOUT_SECONDS, promDuration, ALERT_THRESHOLDS } from "../../ops/index.js";
import { DATABASE_ERROR_WINDOW_SECONDS, STACK_JOBS } from "../config.js";
import { formatDuration, formatRatio } from "../format.js";
import type { GroupSpec } from "../model.js";

export const BACKUP_ALERTS = {
  backupFailed: "TitanBackupFailed",
  backupStale: "TitanBackupStale",
  backupSuccessRateBelowKpi: "TitanBackupSuccessRateBelowKpi",
  walArchivingFailing: "TitanWalArchivingFailing",
  walArchiveBehind: "TitanWalArchiveBehind",
} as const;

/**
 * A tier is stale once its last success is this many schedule intervals old: one run late by half an
 * interval is missed, not slow (the scheduler looks every minute and retries a failure after 5).
 */
export const STALE_AFTER_INTERVALS = 1.5;

/** A failed run is a fact, not a trend: it pages nobody (warning) and needs no `for`. */
const FAILED_FOR_SECONDS = 0;
/** Lets a tier that just turned stale be caught by a run already under way. */
const STALE_FOR_SECONDS = 5 * 60;
/** PostgreSQL retries a failing segment about once a minute: two minutes of failures and no success. */
const ARCHIVE_FAILING_FOR_SECONDS = 60;
/** One slow segment (a large one compressed on a busy host) is not worth a page. */
const ARCHIVE_BEHIND_FOR_SECONDS = 60;
/** Long enough to hold a retry cycle of the archiver, so a retried-and-recovered segment does not page. */
const ARCHIVE_WINDOW_SECONDS = 3 * 60;

const tradingRpo = RECOVERY_POINT_OBJECTIVES.tradingData.seconds;
const kpi = KPIS.backupSuccessRate;
const kpiWindow = promDuration(kpi.windowSeconds);
const kpiFor = ALERT_THRESHOLDS.kpiBreachForSeconds.forSeconds;
const archiveWindow = promDuration(ARCHIVE_WINDOW_SECONDS);
const writeWindow = promDuration(DATABASE_ERROR_WINDOW_SECONDS);
const pg = `job="${STACK_JOBS.postgresExporter}"`;
/** Rows written, per server: archive age only matters while there is WAL to ship. */
const writesPerSecond = `sum by (instance, job) (rate(pg_stat_database_tup_inserted{${pg}}[${writeWindow}]) + rate(pg_stat_database_tup_updated{${pg}}[${writeWindow}]) + rate(pg_stat_database_tup_deleted{${pg}}[${writeWindow}]))`;

export const BACKUPS_GROUP: GroupSpec = {
  area: "backups",
  alerts: [
    {
      name: BACKUP_ALERTS.backupFailed,
      requires: ["backup-scheduler"],
      severity: "warning",
      expr: 'titan_backup_last_run_outcome_state{outcome="failed"} == 1',
      forSeconds: FAILED_FOR_SECONDS,
      summary: "The last {{ $labels.tier }} backup failed",
      description: "The last backup run of tier {{ $labels.tier }} failed; the scheduler retries it within minutes, the alert clears with the next success. The tier's recovery point falls back to its previous backup meanwhile. `titanctl backup list` shows the error.",
    },
    {
      name: BACKUP_ALERTS.backupStale,
      requires: ["backup-scheduler"],
      severity: "warning",
      expr: `(time() - titan_backup_last_success_timestamp_seconds) > ${STALE_AFTER_INTERVALS} * titan_backup_interval_seconds`,
      forSeconds: STALE_FOR_SECONDS,
      summary: "No {{ $labels.tier }} backup for {{ $value | humanizeDuration }}",
      description: `Tier {{ $labels.tier }} last had a successful backup {{ $value | humanizeDuration }} ago, more than ${STALE_AFTER_INTERVALS} times its schedule's interval (titan_backup_interval_seconds, from ops/ BACKUP_SCHEDULE), for ${formatDuration(STALE_FOR_SECONDS)}. The backup scheduler is not running, or every run fails.`,
    },
    {
      name: BACKUP_ALERTS.backupSuccessRateBelowKpi,
      requires: ["backup-scheduler"],
      severity: "info",
      expr: `sum by (tier) (increase(titan_backup_runs_total{outcome="succeeded"}[${kpiWindow}])) / sum by (tier) (increase(titan_backup_runs_total[${kpiWindow}])) < ${kpi.threshold}`,
      forSeconds: kpiFor,
      summary: "{{ $labels.tier }} backups succeeded {{ $value | humanizePercentage }} of the time",
      description: `Of tier {{ $labels.tier }}'s backup runs in the last ${kpiWindow}, {{ $value | humanizePercentage }} succeeded, below the KPI of ${formatRatio(kpi.threshold)}. KPI: ${kpi.title}.`,
    },
    {
      name: BACKUP_ALERTS.walArchivingFailing,
      requires: ["self-managed-wal-archiving"],
      severity: "critical",
      expr: `increase(pg_stat_archiver_failed_count{${pg}}[${archiveWindow}]) > 0 unless increase(pg_stat_archiver_archived_count{${pg}}[${archiveWindow}]) > 0`,
      forSeconds: ARCHIVE_FAILING_FOR_SECONDS,
      // The first attempt after a fault comes when a segment fills or archive_timeout forces it out.
      conditionLagSeconds: WAL_ARCHIVE_TIMEOUT_SECONDS,
      summary: "PostgreSQL cannot archive WAL on {{ $labels.instance }}",
      description: `archive_command has failed on {{ $labels.instance }} for ${formatDuration(ARCHIVE_FAILING_FOR_SECONDS)} with no segment archived in the last ${archiveWindow}. Trading data written since the last archived segment has no copy beyond this server: its ${formatDuration(tradingRpo)} RPO no longer holds, and pg_wal grows until the disk is full.`,
    },
    {
      name: BACKUP_ALERTS.walArchiveBehind,
      requires: ["self-managed-wal-archiving"],
      severity: "critical",
      expr: `pg_stat_archiver_last_archive_age{${pg}} > ${tradingRpo} and on (instance, job) ${writesPerSecond} > 0`,
      forSeconds: ARCHIVE_BEHIND_FOR_SECONDS,
      // The age passes the RPO that long after the last good segment.
      conditionLagSeconds: tradingRpo,
      summary: "No WAL archived on {{ $labels.instance }} for {{ $value | humanizeDuration }} while it is written",
      description: `The last WAL segment was archived {{ $value | humanizeDuration }} ago on {{ $labels.instance }} although rows are being written, beyond the trading-data RPO of ${formatDuration(tradingRpo)} (archive_timeout is ${formatDuration(WAL_ARCHIVE_TIMEOUT_SECONDS)}). archive_command hangs, the archiver is stuck, or archiving is off.`,
    },
  ],
};
