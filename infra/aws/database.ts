// RDS PostgreSQL: Multi-AZ, KMS-encrypted, TLS required, point-in-time restore, storage autoscaling,
// deletion protection, Performance Insights; a read replica and replicated automated backups in the
// backup region for a region loss (the trading-data tier's 1-minute RPO, see recovery.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCHEDULE, RECOVERY_POINT_OBJECTIVES, SCALING_TRIGGERS, SECURITY, WAL_ARCHIVE_TIMEOUT_SECONDS } from "../../ops/index.js";
import type { DatabaseConfig } from "../config.js";
import { kmsKey, serviceTrust, tagsFor } from "./common.js";
import { POSTGRES_PORT } from "./network.js";
import { secondsToDays } from "./recovery.js";

/** RDS grows storage when free space falls to 10 % (AWS's fixed rule); the seed's scale-up trigger must agree. */
export const RDS_AUTOSCALING_FREE_RATIO = 0.1;
export const DATABASE_NAME = "titan";
const PERFORMANCE_INSIGHTS_FREE_DAYS = 7;

export interface DatabaseArgs {
  readonly stack: string;
  readonly config: DatabaseConfig;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  /** Provider of the backup region: replica, replicated backups, lag alarm. */
  readonly backupRegion: aws.Provider;
}

export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: number = POSTGRES_PORT;
  readonly instanceArn: pulumi.Output<string>;
  /** RDS's own secret with the master login (manageMasterUserPassword), and the key it is encrypted with. */
  readonly masterSecretArn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Database", name, {}, opts);
    if (SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio !== RDS_AUTOSCALING_FREE_RATIO) {
      throw new Error(`database: RDS grows storage at ${RDS_AUTOSCALING_FREE_RATIO * 100}% free, but ops/ asks for ${SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio * 100}%`);
    }
    const child = { parent: this };
    const tags = tagsFor(args.stack, "database");
    const identifier = `titan-${args.stack}`;
    const major = args.config.engineVersion.split(".")[0];
    const key = kmsKey(`${name}-storage`, "RDS storage, snapshots and Performance Insights", tags, child);
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, tags }, child);
    const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
      family: `postgres${major}`,
      description: "Titan: TLS only, bounded WAL archiving",
      parameters: [
        { name: "rds.force_ssl", value: "1" },
        { name: "ssl_min_protocol_version", value: SECURITY.minimumTlsVersion.value },
        { name: "archive_timeout", value: String(WAL_ARCHIVE_TIMEOUT_SECONDS) },
      ],
      tags,
    }, child);
    const monitoringRole = new aws.iam.Role(`${name}-monitoring`, { assumeRolePolicy: serviceTrust("monitoring.rds.amazonaws.com"), tags }, child);
    new aws.iam.RolePolicyAttachment(`${name}-monitoring`, { role: monitoringRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" }, child);
    const backupRetentionDays = secondsToDays(BACKUP_SCHEDULE.continuousReplication.retentionSeconds);
    const instance = new aws.rds.Instance(`${name}-primary`, {
      identifier,
      engine: "postgres",
      engineVersion: args.config.engineVersion,
      instanceClass: args.config.instanceClass,
      dbName: DATABASE_NAME,
      username: "titan_admin",
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: key.arn,
      allocatedStorage: args.config.allocatedStorageGiB,
      maxAllocatedStorage: args.config.maxAllocatedStorageGiB,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: key.arn,
      multiAz: true,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [args.securityGroupId],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      port: POSTGRES_PORT,
      backupRetentionPeriod: backupRetentionDays,
      backupWindow: "02:00-02:30",
      maintenanceWindow: "sun:05:00-sun:06:00",
      copyTagsToSnapshot: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${identifier}-final`,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.arn,
      performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_FREE_DAYS,
      // Enhanced Monitoring each minute: OS metrics for the on-call when Performance Insights is not enough.
      monitoringInterval: 60,
      monitoringRoleArn: monitoringRole.arn,
      iamDatabaseAuthenticationEnabled: true,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: "rds-ca-rsa4096-g1",
      enabledCloudwatchLogsExports: ["postgresql"],
      tags,
    }, { ...child, protect: true });

    // The backup region: its own key, replicated automated backups, and (optionally) a read replica.
    const remote = { parent: this, provider: args.backupRegion };
    const remoteKey = kmsKey(`${name}-standby-storage`, "RDS standby storage and replicated backups", tags, remote);
    new aws.rds.InstanceAutomatedBackupsReplication(`${name}-backups-replication`, {
      sourceDbInstanceArn: instance.arn, kmsKeyId: remoteKey.arn, retentionPeriod: backupRetentionDays,
    }, remote);
    if (args.config.crossRegionReplica) this.replica(name, args, instance, remoteKey, tags);

    this.address = instance.address;
    this.instanceArn = instance.arn;
    this.masterSecretArn = instance.masterUserSecrets.apply((s) => s[0]?.secretArn ?? "");
    this.keyArn = key.arn;
    this.registerOutputs({ address: this.address, instanceArn: this.instanceArn });
  }

  private replica(name: string, args: DatabaseArgs, primary: aws.rds.Instance, key: aws.kms.Key, tags: Record<string, string>): void {
    const remote = { parent: this, provider: args.backupRegion };
    // A small isolated network for the standby: no internet route, promoted only in a disaster.
    const vpc = new aws.ec2.Vpc(`${name}-standby-vpc`, { cidrBlock: "10.41.0.0/16", enableDnsSupport: true, enableDnsHostnames: true, tags }, remote);
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, remote);
    const subnetIds = [0, 1].map((i) => new aws.ec2.Subnet(`${name}-standby-${i}`, {
      vpcId: vpc.id, cidrBlock: `10.41.${i * 16}.0/20`, availabilityZone: zones.names.apply((n) => n[i] as string), tags,
    }, remote).id);
    const subnets = new aws.rds.SubnetGroup(`${name}-standby-subnets`, { subnetIds, tags }, remote);
    const sg = new aws.ec2.SecurityGroup(`${name}-standby`, { vpcId: vpc.id, description: "Titan standby database: no inbound until promoted", tags }, remote);
    const replica = new aws.rds.Instance(`${name}-standby`, {
      identifier: `titan-${args.stack}-standby`,
      replicateSourceDb: primary.arn,
      instanceClass: args.config.instanceClass,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: key.arn,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: true,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: key.arn,
      performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_FREE_DAYS,
      copyTagsToSnapshot: true,
      tags,
    }, remote);
    const topic = new aws.sns.Topic(`${name}-dr-alarms`, { kmsMasterKeyId: "alias/aws/sns", tags }, remote);
    new aws.cloudwatch.MetricAlarm(`${name}-replica-lag`, {
      alarmDescription: "Standby lag reached the trading-data RPO: a region loss now would lose more than the seed allows",
      namespace: "AWS/RDS",
      metricName: "ReplicaLag",
      dimensions: { DBInstanceIdentifier: replica.identifier },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: RECOVERY_POINT_OBJECTIVES.tradingData.seconds,
      treatMissingData: "breaching",
      alarmActions: [topic.arn],
      okActions: [topic.arn],
      tags,
    }, remote);
  }
}
