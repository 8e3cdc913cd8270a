// Each RPO tier of the seed mapped to the mechanisms that protect it, per failure, with the data loss
// each mechanism allows. Pure: the synth summary prints it and tests/infra asserts it against ops/.
import { BACKUP_SCHEDULE, DATA_TIER_OF_SCHEMA, RECOVERY_POINT_OBJECTIVES, WAL_ARCHIVE_TIMEOUT_SECONDS, type DataTier } from "../../ops/index.js";

export type Failure = "instance or AZ loss" | "region loss" | "operator error or corruption";

export interface Mechanism {
  readonly name: string;
  /** The most data this mechanism can lose, in seconds. */
  readonly rpoSeconds: number;
  readonly why: string;
}

/** RDS ships transaction logs for point-in-time restore every five minutes (AWS RDS documentation). */
export const RDS_PITR_RPO_SECONDS = 300;

export interface TierPlan {
  readonly tier: DataTier;
  readonly objectiveSeconds: number;
  readonly schemas: readonly string[];
  readonly byFailure: Readonly<Record<Failure, Mechanism>>;
  /** Failures whose best mechanism loses more than the objective allows. */
  readonly gaps: readonly Failure[];
}

export interface RecoveryOptions {
  readonly platform: "aws" | "kubernetes";
  readonly crossRegionReplica: boolean;
  readonly standbyInstances: boolean;
}

function mechanisms(opts: RecoveryOptions, tier: DataTier): Record<Failure, Mechanism> {
  const rpo = RECOVERY_POINT_OBJECTIVES[tier].seconds;
  const hourly: Mechanism = { name: "hourly snapshots", rpoSeconds: BACKUP_SCHEDULE.hourlySnapshot.intervalSeconds, why: "AWS Backup hourly rule" };
  if (opts.platform === "aws") {
    return {
      "instance or AZ loss": { name: "RDS Multi-AZ", rpoSeconds: 0, why: "synchronous standby in a second AZ" },
      "region loss": opts.crossRegionReplica
        ? { name: "cross-region read replica", rpoSeconds: rpo, why: "asynchronous replica; an alarm fires when its lag reaches this tier's RPO" }
        : { name: "cross-region backup copies", rpoSeconds: BACKUP_SCHEDULE.dailyFull.intervalSeconds, why: "daily backups copied to the backup region" },
      "operator error or corruption": RDS_PITR_RPO_SECONDS <= hourly.rpoSeconds
        ? { name: "RDS point-in-time restore", rpoSeconds: RDS_PITR_RPO_SECONDS, why: "automated backups with transaction logs" }
        : hourly,
    };
  }
  const wal: Mechanism = { name: "CloudNativePG WAL archiving", rpoSeconds: WAL_ARCHIVE_TIMEOUT_SECONDS, why: "archive_timeout ships a WAL segment at least this often" };
  return {
    "instance or AZ loss": opts.standbyInstances ? { name: "CloudNativePG standby instance", rpoSeconds: 0, why: "streaming replica promoted by the operator" } : wal,
    // dev keeps its archive in the same cluster: a lost cluster loses it too.
    "region loss": { name: "none (dev)", rpoSeconds: Number.POSITIVE_INFINITY, why: "the dev stack lives in one cluster" },
    "operator error or corruption": wal,
  };
}

export function recoveryPlan(opts: RecoveryOptions): TierPlan[] {
  return (Object.keys(RECOVERY_POINT_OBJECTIVES) as DataTier[]).map((tier) => {
    const byFailure = mechanisms(opts, tier);
    const objectiveSeconds = RECOVERY_POINT_OBJECTIVES[tier].seconds;
    return {
      tier,
      objectiveSeconds,
      schemas: Object.keys(DATA_TIER_OF_SCHEMA).filter((schema) => DATA_TIER_OF_SCHEMA[schema] === tier).sort(),
      byFailure,
      gaps: (Object.keys(byFailure) as Failure[]).filter((failure) => byFailure[failure].rpoSeconds > objectiveSeconds),
    };
  });
}

/** AWS Backup cron for a schedule interval of ops/BACKUP_SCHEDULE (UTC, off the hour's busy minute). */
export function backupCron(intervalSeconds: number): string {
  switch (intervalSeconds) {
    case BACKUP_SCHEDULE.hourlySnapshot.intervalSeconds:
      return "cron(5 * ? * * *)";
    case BACKUP_SCHEDULE.dailyFull.intervalSeconds:
      return "cron(15 3 ? * * *)";
    case BACKUP_SCHEDULE.weeklyArchive.intervalSeconds:
      return "cron(45 4 ? * SUN *)";
    default:
      throw new Error(`backups: no AWS Backup schedule for an interval of ${intervalSeconds} s`);
  }
}

export const secondsToDays = (seconds: number): number => {
  if (seconds % 86_400 !== 0) throw new Error(`backups: ${seconds} s is not a whole number of days`);
  return seconds / 86_400;
};
