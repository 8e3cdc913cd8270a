// Which mechanism protects each data tier of ops/, on which of ops/'s schedules, and the recovery
// point each tier gets from them. Pure data and arithmetic: the runner, the alerts and the tests read it.
import {
  BACKUP_SCHEDULE,
  DATA_TIER_OF_SCHEMA,
  RECOVERY_POINT_OBJECTIVES,
  WAL_ARCHIVE_TIMEOUT_SECONDS,
  type BackupSchedule,
  type DataTier,
} from "../../../ops/index.js";

/**
 * A backup "tier" as the metrics and alerts label it: the three data tiers of ops/, plus Redis (transport,
 * never the only copy, snapshotted for a faster restart) and the compliance export of trade records.
 */
export const BACKUP_TIERS = ["tradingData", "configuration", "historicalAnalytics", "redis", "compliance"] as const;
export type BackupTier = (typeof BACKUP_TIERS)[number];

export type Mechanism =
  /** pg_basebackup of the whole cluster; with the WAL archive it allows point-in-time recovery. */
  | "base-backup"
  /** pg_dump of the tier's schemas (custom format), restorable one schema at a time. */
  | "logical-dump"
  /** BGSAVE, then a copy of the RDB file. */
  | "redis-snapshot"
  /** The day's trade records and audit log to write-once storage. */
  | "compliance-export";

export interface TierPlan {
  readonly tier: BackupTier;
  readonly mechanism: Mechanism;
  readonly schedule: BackupSchedule;
  /** The schedule's name in ops/ BACKUP_SCHEDULE, for messages and docs. */
  readonly scheduleName: keyof typeof BACKUP_SCHEDULE;
  /** Schemas it dumps (logical dumps only). */
  readonly schemas: readonly string[];
  readonly why: string;
}

export const schemasOfTier = (tier: DataTier): string[] =>
  Object.entries(DATA_TIER_OF_SCHEMA)
    .filter(([, t]) => t === tier)
    .map(([schema]) => schema)
    .sort();

/**
 * The seed's strategy ("Daily Backups: complete system", "Hourly Snapshots: system configuration and
 * state", "Real-Time Replication: critical trading data") mapped onto the tiers. Every schema lives in
 * the one cluster, so the WAL archive protects all of them continuously; the logical dumps add a copy
 * per tier that restores one schema without rewinding the others.
 */
export const TIER_PLANS: Readonly<Record<BackupTier, TierPlan>> = {
  tradingData: {
    tier: "tradingData", mechanism: "base-backup", scheduleName: "dailyFull", schedule: BACKUP_SCHEDULE.dailyFull, schemas: [],
    why: "a daily base backup of the cluster is where point-in-time recovery starts; the continuous WAL archive carries it forward",
  },
  configuration: {
    tier: "configuration", mechanism: "logical-dump", scheduleName: "hourlySnapshot", schedule: BACKUP_SCHEDULE.hourlySnapshot, schemas: schemasOfTier("configuration"),
    why: "the seed's hourly snapshots of system configuration; its 15-minute RPO is met by the WAL archive",
  },
  historicalAnalytics: {
    tier: "historicalAnalytics", mechanism: "logical-dump", scheduleName: "hourlySnapshot", schedule: BACKUP_SCHEDULE.hourlySnapshot, schemas: schemasOfTier("historicalAnalytics"),
    why: "hourly backups, the seed's own words for this tier's 1-hour RPO",
  },
  redis: {
    tier: "redis", mechanism: "redis-snapshot", scheduleName: "hourlySnapshot", schedule: BACKUP_SCHEDULE.hourlySnapshot, schemas: [],
    why: "the seed's hourly snapshots of state; Redis is transport, so a snapshot only saves replaying streams",
  },
  compliance: {
    tier: "compliance", mechanism: "compliance-export", scheduleName: "dailyFull", schedule: BACKUP_SCHEDULE.dailyFull, schemas: [],
    why: "one export per closed day of trade records and the audit log, kept write-once for the retention period",
  },
};

export const isBackupTier = (value: string): value is BackupTier => (BACKUP_TIERS as readonly string[]).includes(value);

/**
 * The recovery point a data tier gets: the WAL archive ships every schema at least every
 * archive_timeout; a logical dump on its own would lose up to its interval.
 */
export const effectiveRpoSeconds = (tier: DataTier): { readonly seconds: number; readonly by: string } => {
  const candidates = [{ seconds: WAL_ARCHIVE_TIMEOUT_SECONDS, by: "WAL archive (archive_timeout)" }];
  const plan = TIER_PLANS[tier];
  if (plan.mechanism === "logical-dump") candidates.push({ seconds: plan.schedule.intervalSeconds, by: `logical dump (${plan.scheduleName})` });
  return candidates.reduce((best, c) => (c.seconds < best.seconds ? c : best));
};

/** Tiers whose mechanisms do not meet their RPO; empty when the plan is sound. */
export const rpoViolations = (): string[] =>
  (Object.keys(RECOVERY_POINT_OBJECTIVES) as DataTier[])
    .map((tier) => ({ tier, got: effectiveRpoSeconds(tier), want: RECOVERY_POINT_OBJECTIVES[tier].seconds }))
    .filter((x) => x.got.seconds > x.want)
    .map((x) => `${x.tier}: ${x.got.by} gives ${x.got.seconds} s, the RPO is ${x.want} s`);
