// The reviewer's checklist for AWS data: Multi-AZ, encryption and deletion protection for the
// databases, backup retention at least what ops/ asks, S3 encryption, public-access block and object
// lock for trade records, and instance classes from the approved list.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { BACKUP_SCHEDULE, RETENTION } from "../../ops/index.js";
import { secondsToDays } from "../aws/recovery.js";
import { APPROVED_INSTANCE_CLASSES, type InstanceClassKind } from "../config.js";

const RDS = "aws:rds/instance:Instance";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const BUCKET = "aws:s3/bucket:Bucket";

export const databaseDurability: ResourceValidationPolicy = {
  name: "aws-database-durability",
  description: "Primary databases and caches are Multi-AZ, encrypted with KMS, protected from deletion; caches encrypt in transit and fail over.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === RDS) {
      const replica = p.replicateSourceDb !== undefined;
      if (!replica && p.multiAz !== true) report("RDS instance is not Multi-AZ");
      if (p.storageEncrypted !== true || !p.kmsKeyId) report("RDS storage is not encrypted with a KMS key");
      if (p.deletionProtection !== true) report("RDS instance has no deletion protection");
      if (p.publiclyAccessible === true) report("RDS instance is publicly accessible");
    }
    if (args.type === REDIS) {
      if (p.multiAzEnabled !== true || p.automaticFailoverEnabled !== true) report("Redis replication group is not Multi-AZ with automatic failover");
      if (p.atRestEncryptionEnabled !== true || !p.kmsKeyId) report("Redis is not encrypted at rest with a KMS key");
      if (p.transitEncryptionEnabled !== true) report("Redis does not encrypt in transit");
    }
  },
};

export const backupRetention: ResourceValidationPolicy = {
  name: "aws-backup-retention",
  description: "Backups are kept at least as long as ops/BACKUP_SCHEDULE says, and the plan has every kind the seed names.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === RDS && p.replicateSourceDb === undefined) {
      const want = secondsToDays(BACKUP_SCHEDULE.continuousReplication.retentionSeconds);
      if (!(p.backupRetentionPeriod >= want)) report(`RDS keeps automated backups ${p.backupRetentionPeriod} days; ops/ asks for ${want}`);
    }
    if (args.type === REDIS && !(p.snapshotRetentionLimit >= 1)) report("Redis keeps no snapshots");
    if (args.type === "aws:backup/plan:Plan") {
      const rules = (p.rules ?? []) as Array<{ ruleName: string; lifecycle?: { deleteAfter?: number }; enableContinuousBackup?: boolean }>;
      const expect = { continuous: BACKUP_SCHEDULE.continuousReplication, hourly: BACKUP_SCHEDULE.hourlySnapshot, daily: BACKUP_SCHEDULE.dailyFull, weekly: BACKUP_SCHEDULE.weeklyArchive };
      for (const [rule, schedule] of Object.entries(expect)) {
        const found = rules.find((r) => r.ruleName === rule);
        const want = secondsToDays(schedule.retentionSeconds);
        if (!found) report(`backup plan has no ${rule} rule`);
        else if (!((found.lifecycle?.deleteAfter ?? 0) >= want)) report(`backup rule ${rule} keeps ${found.lifecycle?.deleteAfter} days; ops/ asks for ${want}`);
      }
      if (!rules.some((r) => r.ruleName === "continuous" && r.enableContinuousBackup === true)) report("backup plan has no continuous backup");
    }
  },
};

const bucketsBy = (resources: { type: string; props: Record<string, any> }[], type: string) => resources.filter((r) => r.type === type).map((r) => r.props); // eslint-disable-line @typescript-eslint/no-explicit-any

export const s3Protection: StackValidationPolicy = {
  name: "aws-s3-protection",
  description: "Every bucket is KMS-encrypted, versioned and blocks public access; trade-record buckets are locked write-once for the seed's retention.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const r = args.resources;
    const sse = bucketsBy(r, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    const pab = bucketsBy(r, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    const versioning = bucketsBy(r, "aws:s3/bucketVersioning:BucketVersioning");
    const locks = bucketsBy(r, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
    for (const bucket of r.filter((x) => x.type === BUCKET)) {
      const name = bucket.props.bucket as string;
      const of = (list: Record<string, any>[]) => list.find((x) => x.bucket === name); // eslint-disable-line @typescript-eslint/no-explicit-any
      const enc = of(sse)?.rules?.[0]?.applyServerSideEncryptionByDefault;
      if (enc?.sseAlgorithm !== "aws:kms" || !enc?.kmsMasterKeyId) report(`bucket ${name} is not encrypted with a KMS key`, bucket.urn);
      const block = of(pab);
      if (!block || !["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => block[k] === true)) report(`bucket ${name} does not block all public access`, bucket.urn);
      if (of(versioning)?.versioningConfiguration?.status !== "Enabled") report(`bucket ${name} is not versioned`, bucket.urn);
      if (name.includes("trade-records")) {
        const lock = of(locks)?.rule?.defaultRetention;
        if (bucket.props.objectLockEnabled !== true || lock?.mode !== "COMPLIANCE" || !(lock?.years >= RETENTION.tradingRecordsYears.value)) {
          report(`bucket ${name} holds trade records: needs Object Lock in COMPLIANCE mode for ${RETENTION.tradingRecordsYears.value} years`, bucket.urn);
        }
      }
    }
  },
};

const approved = (kind: InstanceClassKind, value: unknown) => typeof value === "string" && (APPROVED_INSTANCE_CLASSES[kind] as readonly string[]).includes(value);

export const approvedInstanceClasses: ResourceValidationPolicy = {
  name: "aws-approved-instance-classes",
  description: "Instance classes come from the approved list (infra/config.ts), so cost and capacity stay reviewed.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === RDS && !approved("database", p.instanceClass)) report(`database class ${p.instanceClass} is not approved`);
    if (args.type === REDIS && !approved("cache", p.nodeType)) report(`cache node type ${p.nodeType} is not approved`);
    if (args.type === "aws:eks/nodeGroup:NodeGroup") for (const t of p.instanceTypes ?? []) if (!approved("node", t)) report(`node type ${t} is not approved`);
    if (args.type === "aws:ec2/instance:Instance" && !approved("adminHost", p.instanceType)) report(`instance type ${p.instanceType} is not approved`);
  },
};

export const AWS_POLICIES = { resource: [databaseDurability, backupRetention, approvedInstanceClasses], stack: [s3Protection] };
