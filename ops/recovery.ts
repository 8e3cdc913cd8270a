// Disaster recovery ("Disaster Recovery"): RTO and RPO per tier, the backup strategy's schedule, and
// how long each kind of data is kept. infra/ maps each tier to a mechanism; the backup drills measure them.
import { type Provenance, DAY_SECONDS, HOUR_SECONDS, MINUTE_SECONDS, decision, seed } from "./provenance.js";

export interface Objective {
  readonly seconds: number;
  readonly provenance: Provenance;
}

export const RECOVERY_TIME_OBJECTIVES = {
  criticalServices: { seconds: 15 * MINUTE_SECONDS, provenance: seed("RTO: Critical Services 15 minutes") },
  completeSystem: { seconds: HOUR_SECONDS, provenance: seed("RTO: Complete System 1 hour") },
  historicalData: { seconds: 4 * HOUR_SECONDS, provenance: seed("RTO: Historical Data 4 hours") },
} as const satisfies Record<string, Objective>;

export type DataTier = "tradingData" | "configuration" | "historicalAnalytics";

export const RECOVERY_POINT_OBJECTIVES: Readonly<Record<DataTier, Objective>> = {
  tradingData: { seconds: MINUTE_SECONDS, provenance: seed("RPO: Trading Data 1 minute (real-time replication)") },
  configuration: { seconds: 15 * MINUTE_SECONDS, provenance: seed("RPO: Configuration 15 minutes (frequent backups)") },
  historicalAnalytics: { seconds: HOUR_SECONDS, provenance: seed("RPO: Historical Analytics 1 hour (hourly backups)") },
};

/** Which schemas hold which tier: the backup mechanism of a schema must meet its tier's RPO. */
export const DATA_TIER_OF_SCHEMA: Readonly<Record<string, DataTier>> = {
  brain: "tradingData",
  execution: "tradingData",
  audit: "tradingData",
  auth: "configuration",
  console: "configuration",
  scavenger: "configuration",
  quant: "historicalAnalytics",
};

export interface BackupSchedule {
  /** Seconds between two backups of this kind; 0 for continuous. */
  readonly intervalSeconds: number;
  /** How long each backup of this kind is kept, in seconds. */
  readonly retentionSeconds: number;
  readonly provenance: Provenance;
}

export const BACKUP_SCHEDULE = {
  /** WAL shipped at least this often: PostgreSQL's archive_timeout, which bounds trading-data loss. */
  continuousReplication: {
    intervalSeconds: 0, retentionSeconds: 7 * DAY_SECONDS,
    provenance: seed("Backup Strategy: Real-Time Replication of critical trading data; retention: decision, a week of PITR"),
  },
  hourlySnapshot: { intervalSeconds: HOUR_SECONDS, retentionSeconds: 2 * DAY_SECONDS, provenance: seed("Backup Strategy: Hourly Snapshots of system configuration and state; retention: decision, 48 h") },
  dailyFull: { intervalSeconds: DAY_SECONDS, retentionSeconds: 35 * DAY_SECONDS, provenance: seed("Backup Strategy: Daily Backups; retention: decision, 35 days (RDS's maximum automated retention)") },
  weeklyArchive: { intervalSeconds: 7 * DAY_SECONDS, retentionSeconds: 365 * DAY_SECONDS, provenance: seed("Backup Strategy: Weekly Archives for long-term retention; retention: decision, one year") },
} as const satisfies Record<string, BackupSchedule>;

/** PostgreSQL's archive_timeout: a WAL segment is shipped at least this often, well inside the 1-minute RPO. */
export const WAL_ARCHIVE_TIMEOUT_SECONDS = 30;

export const RETENTION = {
  /** Trade records (orders, fills, positions, the audit log) in write-once storage. */
  tradingRecordsYears: { value: 7, provenance: seed("Compliance: Data Retention 7-year retention for trading records") },
  /** Local Prometheus keeps this many days of samples; long-term metrics are not a seed requirement. */
  metricsDays: { value: 35, provenance: decision("the longest KPI window (MTTR and the success rates, over 30 days) with five days to spare: a KPI's recording rule needs its whole window") },
  /** Raw trade tape kept hot for backtests before it moves to infrequent-access storage. */
  tradeTapeHotDays: { value: 30, provenance: decision("AI Quant's walk-forward uses the last 30 days; older tape moves to cheaper storage") },
} as const;

export const retentionDays = (years: number): number => Math.ceil(years * 365.25);
