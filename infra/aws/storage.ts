// S3: trade records in write-once storage (Object Lock, compliance mode, the seed's 7-year retention),
// the trade tape archive (execution's closed market-data chunks, read back by AI Quant's backtests), a
// bucket for exports and backups, and one for logs. All versioned, KMS-encrypted, private, TLS only,
// and moved to cheaper tiers as they age.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCHEDULE, RETENTION, retentionDays } from "../../ops/index.js";
import { kmsKey, policyDocument, tagsFor } from "./common.js";
import { secondsToDays } from "./recovery.js";

export interface StorageArgs {
  readonly stack: string;
  /** Trade records move to Glacier Deep Archive after this many days (stack configuration). */
  readonly archiveAfterDays: number;
  readonly logRetentionDays: number;
}

type Lifecycle = aws.types.input.s3.BucketLifecycleConfigurationRule;

export class Storage extends pulumi.ComponentResource {
  readonly tradeRecordsBucket: pulumi.Output<string>;
  readonly tradeTapeBucket: pulumi.Output<string>;
  readonly tradeTapeBucketArn: pulumi.Output<string>;
  readonly backupsBucket: pulumi.Output<string>;
  readonly logsBucket: pulumi.Output<string>;
  readonly logsBucketArn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Storage", name, {}, opts);
    const child = { parent: this };
    const tags = tagsFor(args.stack, "storage");
    const key = kmsKey(`${name}-objects`, "S3 objects: trade records, backups, logs", tags, child);
    const tradeRecordsDays = retentionDays(RETENTION.tradingRecordsYears.value);
    if (args.archiveAfterDays >= tradeRecordsDays) throw new Error(`storage: archiveAfterDays (${args.archiveAfterDays}) must come before the ${tradeRecordsDays}-day retention ends`);

    const tradeRecords = this.bucket(name, "trade-records", args.stack, key, tags, true, [{
      id: "age-out",
      status: "Enabled",
      filter: {},
      transitions: [
        { days: RETENTION.tradeTapeHotDays.value, storageClass: "STANDARD_IA" },
        { days: args.archiveAfterDays, storageClass: "DEEP_ARCHIVE" },
      ],
      // The lock refuses deletion before the retention ends; afterwards old versions go.
      noncurrentVersionExpiration: { noncurrentDays: tradeRecordsDays },
    }]);
    new aws.s3.BucketObjectLockConfiguration(`${name}-trade-records-lock`, {
      bucket: tradeRecords.id,
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "COMPLIANCE", years: RETENTION.tradingRecordsYears.value } },
    }, child);

    // The tape is market data, not our trade records: no lock, but kept (backtests reach back years);
    // past the hot window it is read rarely, and past archiveAfterDays almost never, yet must stay
    // instantly readable for a backtest (Glacier Instant Retrieval, not Deep Archive).
    const tradeTape = this.bucket(name, "trade-tape", args.stack, key, tags, false, [{
      id: "age-out",
      status: "Enabled",
      filter: {},
      transitions: [
        { days: RETENTION.tradeTapeHotDays.value, storageClass: "STANDARD_IA" },
        { days: args.archiveAfterDays, storageClass: "GLACIER_IR" },
      ],
      // An archived chunk is written once; an overwritten version is a mistake to recover from, briefly.
      noncurrentVersionExpiration: { noncurrentDays: RETENTION.tradeTapeHotDays.value },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }]);

    const backups = this.bucket(name, "backups", args.stack, key, tags, false, [{
      id: "age-out",
      status: "Enabled",
      filter: {},
      transitions: [{ days: RETENTION.tradeTapeHotDays.value, storageClass: "STANDARD_IA" }],
      expiration: { days: secondsToDays(BACKUP_SCHEDULE.weeklyArchive.retentionSeconds) },
      noncurrentVersionExpiration: { noncurrentDays: secondsToDays(BACKUP_SCHEDULE.dailyFull.retentionSeconds) },
    }]);
    const logs = this.bucket(name, "logs", args.stack, key, tags, false, [{
      id: "expire", status: "Enabled", filter: {}, expiration: { days: args.logRetentionDays }, noncurrentVersionExpiration: { noncurrentDays: 1 },
    }]);
    this.tradeRecordsBucket = tradeRecords.bucket;
    this.tradeTapeBucket = tradeTape.bucket;
    this.tradeTapeBucketArn = tradeTape.arn;
    this.backupsBucket = backups.bucket;
    this.logsBucket = logs.bucket;
    this.logsBucketArn = logs.arn;
    this.keyArn = key.arn;
    this.registerOutputs({ tradeRecordsBucket: this.tradeRecordsBucket, tradeTapeBucket: this.tradeTapeBucket, backupsBucket: this.backupsBucket, logsBucket: this.logsBucket });
  }

  private bucket(name: string, part: string, stack: string, key: aws.kms.Key, tags: Record<string, string>, objectLock: boolean, rules: Lifecycle[]): aws.s3.Bucket {
    const child = { parent: this };
    const bucket = new aws.s3.Bucket(`${name}-${part}`, { bucket: `titan-${stack}-${part}`, objectLockEnabled: objectLock, forceDestroy: false, tags }, { ...child, protect: objectLock });
    new aws.s3.BucketVersioning(`${name}-${part}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-${part}-encryption`, {
      bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    }, child);
    new aws.s3.BucketPublicAccessBlock(`${name}-${part}-public-access`, {
      bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, child);
    new aws.s3.BucketOwnershipControls(`${name}-${part}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    new aws.s3.BucketLifecycleConfiguration(`${name}-${part}-lifecycle`, { bucket: bucket.id, rules }, child);
    new aws.s3.BucketPolicy(`${name}-${part}-tls-only`, {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => policyDocument([
        { Sid: "DenyPlainHttp", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ])),
    }, child);
    return bucket;
  }
}
