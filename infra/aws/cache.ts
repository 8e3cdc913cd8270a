// ElastiCache Redis: a replication group across AZs with automatic failover, encrypted at rest (KMS)
// and in transit (TLS required), AUTH token, `noeviction` (the bus must never drop a message), and
// daily snapshots. Redis is transport: PostgreSQL holds every fact (DESIGN.md).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCHEDULE } from "../../ops/index.js";
import type { CacheConfig } from "../config.js";
import { kmsKey, tagsFor } from "./common.js";
import { REDIS_PORT } from "./network.js";
import { secondsToDays } from "./recovery.js";

/** ElastiCache keeps at most 35 daily snapshots. */
const ELASTICACHE_MAX_SNAPSHOT_DAYS = 35;

export interface CacheArgs {
  readonly stack: string;
  readonly config: CacheConfig;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly authToken: pulumi.Input<string>;
}

export class Cache extends pulumi.ComponentResource {
  readonly primaryEndpoint: pulumi.Output<string>;
  readonly port: number = REDIS_PORT;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:aws:Cache", name, {}, opts);
    const child = { parent: this };
    const tags = tagsFor(args.stack, "cache");
    const major = args.config.engineVersion.split(".")[0];
    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, tags }, child);
    const parameters = new aws.elasticache.ParameterGroup(`${name}-params`, {
      family: `redis${major}`,
      description: "Titan: the bus refuses writes rather than evicting",
      parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
      tags,
    }, child);
    const group = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
      replicationGroupId: `titan-${args.stack}`,
      description: "Titan bus and cache",
      engine: "redis",
      engineVersion: args.config.engineVersion,
      nodeType: args.config.nodeType,
      numCacheClusters: args.config.nodes,
      port: REDIS_PORT,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: true,
      kmsKeyId: kmsKey(`${name}-storage`, "ElastiCache at-rest encryption", tags, child).arn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      authToken: args.authToken,
      subnetGroupName: subnets.name,
      securityGroupIds: [args.securityGroupId],
      parameterGroupName: parameters.name,
      snapshotRetentionLimit: Math.min(ELASTICACHE_MAX_SNAPSHOT_DAYS, secondsToDays(BACKUP_SCHEDULE.dailyFull.retentionSeconds)),
      snapshotWindow: "03:30-04:30",
      maintenanceWindow: "sun:06:00-sun:07:00",
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
      tags,
    }, child);
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.registerOutputs({ primaryEndpoint: this.primaryEndpoint });
  }
}
