// Pricing rules for the AWS resources that cost money: EKS, node groups, instances, NAT, public IPs,
// RDS (instance, Multi-AZ, storage and its growth, backups, replicas, logs), ElastiCache, S3, KMS,
// Secrets Manager, AWS Backup vaults, ECR, CloudWatch alarms, Cognito, and the VPC's data transfer.
import type { GraphResource } from "../../synth/graph.js";
import { SCALING_TRIGGERS } from "../../../ops/index.js";
import { type CostLine, type Graph, type Priced, type Rule, type RuleContext, arr, at, hourly, line, num, str, usageFigure } from "../model.js";
import { COGNITO_FREE_MAU, DISCOUNTS, PRICES, cacheClass, ec2Class, rdsClass, type PriceKey } from "../prices.js";
import { STORAGE_CLASS_PRICE, lifecycleOf, storedByClass, type StorageClass } from "../s3-lifecycle.js";

const p = (key: PriceKey) => PRICES[key];
const priced = (lines: readonly CostLine[]): Priced => ({ lines });

/** EKS creates node root volumes of 20 GiB unless told otherwise (aws_eks_node_group disk_size default). */
const EKS_DEFAULT_DISK_GIB = 20;
/** The Amazon Linux 2023 AMI's root snapshot (unverified); used when an instance does not size its root volume. */
const AMI_DEFAULT_ROOT_GIB = 8;

/** Log groups the stack does not create never expire: stored = ingest × age. */
function logLines(ctx: RuleContext, what: string, path: string, ingestGiB: number | undefined): CostLine[] {
  const ingest = usageFigure(ctx, path, ingestGiB);
  const age = usageFigure(ctx, "stackAgeMonths", ctx.usage.stackAgeMonths);
  return [
    line(`${what}: CloudWatch Logs ingestion`, ingest, p("cloudwatch.logs.ingest"), "cloudwatch.logs.ingest", path),
    line(`${what}: CloudWatch Logs kept (no retention set: ${age} months of ingest)`, ingest * age, p("cloudwatch.logs.storage"), "cloudwatch.logs.storage", path),
  ];
}

const eksCluster: Rule = (r, ctx) => {
  const lines = [hourly("control plane", 1, p("eks.cluster"), "eks.cluster")];
  if (arr(r.inputs.enabledClusterLogTypes).length > 0) lines.push(...logLines(ctx, "control-plane logs", "eks.controlPlaneLogsGiBPerMonth", ctx.usage.eks?.controlPlaneLogsGiBPerMonth));
  return priced(lines);
};

/** Root volume size of a node group's nodes: its launch template's, else its own diskSize, else EKS's default. */
function nodeDiskGiB(r: GraphResource, graph: Graph): number {
  if (r.inputs.launchTemplate !== undefined && r.inputs.launchTemplate !== null) {
    const templates = graph.ofType("aws:ec2/launchTemplate:LaunchTemplate").filter((t) => t.parent === r.parent);
    if (templates.length !== 1) throw new Error(`${r.name}: uses a launch template, and ${templates.length} launch templates share its parent; cannot tell its disk size`);
    const size = num(at(arr((templates[0] as GraphResource).inputs.blockDeviceMappings)[0], "ebs", "volumeSize"));
    if (size === undefined) throw new Error(`${r.name}: its launch template sets no root volume size`);
    return size;
  }
  return num(r.inputs.diskSize) ?? EKS_DEFAULT_DISK_GIB;
}

const nodeGroup: Rule = (r, ctx) => {
  const types = arr(r.inputs.instanceTypes).map(String);
  const type = types[0];
  if (type === undefined) throw new Error(`${r.name}: a node group without instanceTypes cannot be priced`);
  if (types.length > 1) ctx.note(`${r.name}: priced as ${type}, the first of its instance types ${types.join(", ")}`);
  const desired = num(at(r.inputs.scalingConfig, "desiredSize"));
  if (desired === undefined) throw new Error(`${r.name}: scalingConfig.desiredSize is not known`);
  const count = ctx.usage.nodes?.averageCount ?? desired;
  const spec = ec2Class(type);
  const spot = str(r.inputs.capacityType) === "SPOT";
  const price = spot ? { ...spec.hourly, usd: spec.hourly.usd * (1 - DISCOUNTS.spot.ratio), verified: false, what: `${spec.hourly.what} (spot estimate)` } : spec.hourly;
  const disk = nodeDiskGiB(r, ctx.graph);
  return priced([
    hourly(`${type} nodes${spot ? " (spot)" : ""}`, count, price, `ec2.${type}${spot ? ".spot" : ""}`),
    line(`node root volumes (${count} × ${disk} GiB gp3)`, count * disk, p("ebs.gp3"), "ebs.gp3"),
  ]);
};

const instance: Rule = (r) => {
  const type = str(r.inputs.instanceType);
  if (!type) throw new Error(`${r.name}: instanceType is not known`);
  const root = num(at(r.inputs.rootBlockDevice, "volumeSize")) ?? AMI_DEFAULT_ROOT_GIB;
  return priced([hourly(`${type} instance`, 1, ec2Class(type).hourly, `ec2.${type}`), line(`root volume (${root} GiB gp3)`, root, p("ebs.gp3"), "ebs.gp3")]);
};

const natGateway: Rule = (r, ctx) => {
  const count = ctx.graph.ofType(r.type).length;
  const processed = usageFigure(ctx, "network.natProcessedGiBPerMonth", ctx.usage.network?.natProcessedGiBPerMonth) / count;
  return priced([hourly("NAT gateway", 1, p("nat.hour"), "nat.hour"), line(`data processed (1/${count} of the stack's NAT traffic)`, processed, p("nat.processed"), "nat.processed", "network.natProcessedGiBPerMonth")]);
};

/** The source instance of a read replica: `replicateSourceDb` is its ARN, whose last part is its identifier. */
function replicaSource(r: GraphResource, graph: Graph): GraphResource {
  const arn = str(r.inputs.replicateSourceDb) ?? "";
  const id = arn.split(":").pop() ?? "";
  const source = graph.ofType(r.type).find((db) => db !== r && (db.name === id || str(db.inputs.identifier) === id));
  if (!source) throw new Error(`${r.name}: its replication source ${arn} is not in the graph`);
  return source;
}

/** Allocated storage this month: RDS grows it once free space falls to the scale-up ratio, up to its ceiling. */
function rdsStorageGiB(db: GraphResource, ctx: RuleContext): number {
  const allocated = num(db.inputs.allocatedStorage);
  if (allocated === undefined) throw new Error(`${db.name}: allocatedStorage is not known`);
  const used = usageFigure(ctx, "database.usedGiB", ctx.usage.database?.usedGiB);
  const grown = Math.ceil(used / (1 - SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio));
  return Math.min(num(db.inputs.maxAllocatedStorage) ?? allocated, Math.max(allocated, grown));
}

const rdsInstance: Rule = (r, ctx) => {
  const cls = str(r.inputs.instanceClass);
  if (!cls) throw new Error(`${r.name}: instanceClass is not known`);
  const replicaOf = r.inputs.replicateSourceDb ? replicaSource(r, ctx.graph) : undefined;
  const copies = r.inputs.multiAz === true ? 2 : 1;
  const az = copies === 2 ? "Multi-AZ, 2 instances" : "Single-AZ";
  const storage = rdsStorageGiB(replicaOf ?? r, ctx);
  const lines = [
    hourly(`${cls} (${az}${replicaOf ? `, replica of ${replicaOf.name}` : ""})`, copies, rdsClass(cls).hourly, `rds.${cls}`),
    line(`gp3 storage (${copies} × ${storage} GiB${replicaOf ? ", as its source" : ""})`, copies * storage, p("rds.gp3"), "rds.gp3", "database.usedGiB"),
  ];
  if (replicaOf) {
    if (replicaOf.provider !== r.provider) {
      const gib = usageFigure(ctx, "database.crossRegionReplicationGiBPerMonth", ctx.usage.database?.crossRegionReplicationGiBPerMonth);
      lines.push(line("replication traffic from the primary region", gib, p("transfer.inter-region"), "transfer.inter-region", "database.crossRegionReplicationGiBPerMonth"));
    }
  } else {
    // RDS keeps backups up to the database's provisioned storage for free (counted once, not per Multi-AZ copy).
    const backup = usageFigure(ctx, "database.backupStorageGiB", ctx.usage.database?.backupStorageGiB);
    lines.push(line(`backup storage beyond the ${storage} GiB provisioned`, Math.max(0, backup - storage), p("rds.backup"), "rds.backup", "database.backupStorageGiB"));
    if (arr(r.inputs.enabledCloudwatchLogsExports).length > 0) lines.push(...logLines(ctx, "PostgreSQL logs", "database.logsGiBPerMonth", ctx.usage.database?.logsGiBPerMonth));
  }
  return priced(lines);
};

const backupsReplication: Rule = (_r, ctx) =>
  priced([line("replicated automated backups", usageFigure(ctx, "database.replicatedBackupStorageGiB", ctx.usage.database?.replicatedBackupStorageGiB), p("rds.backup"), "rds.backup", "database.replicatedBackupStorageGiB")]);

const replicationGroup: Rule = (r, ctx) => {
  const type = str(r.inputs.nodeType);
  if (!type) throw new Error(`${r.name}: nodeType is not known`);
  const groups = num(r.inputs.numNodeGroups);
  const nodes = num(r.inputs.numCacheClusters) ?? (groups !== undefined ? groups * ((num(r.inputs.replicasPerNodeGroup) ?? 0) + 1) : undefined);
  if (nodes === undefined) throw new Error(`${r.name}: neither numCacheClusters nor numNodeGroups is set`);
  const lines = [hourly(`${type} nodes`, nodes, cacheClass(type).hourly, `elasticache.${type}`)];
  if ((num(r.inputs.snapshotRetentionLimit) ?? 0) > 0) {
    lines.push(line("snapshot storage", usageFigure(ctx, "cache.snapshotStorageGiB", ctx.usage.cache?.snapshotStorageGiB), p("elasticache.backup"), "elasticache.backup", "cache.snapshotStorageGiB"));
  }
  return priced(lines);
};

/** The bucket's lifecycle rules, found by bucket name (the configuration's `bucket` input). */
export function bucketLifecycle(r: GraphResource, graph: Graph) {
  const name = str(r.inputs.bucket) ?? r.name;
  const config = graph.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((c) => str(c.inputs.bucket) === name);
  return lifecycleOf(config ? arr(config.inputs.rules) : [], `${r.name} lifecycle`);
}

const bucket: Rule = (r, ctx) => {
  const u = ctx.usage.buckets?.[r.name];
  const path = `buckets.${r.name}`;
  const ingest = usageFigure(ctx, `${path}.ingestGiBPerMonth`, u?.ingestGiBPerMonth);
  const age = u?.ageMonths ?? usageFigure(ctx, "stackAgeMonths", ctx.usage.stackAgeMonths);
  const stored = storedByClass(bucketLifecycle(r, ctx.graph), ingest, age);
  const lines = (Object.keys(stored) as StorageClass[])
    .filter((c) => stored[c] > 0 || c === "STANDARD")
    .map((c) => line(`${c} storage (${age} months at ${ingest} GiB/month through the lifecycle rules)`, stored[c], p(STORAGE_CLASS_PRICE[c]), STORAGE_CLASS_PRICE[c], `${path}.ingestGiBPerMonth`));
  lines.push(line("PUT/COPY/POST/LIST requests", usageFigure(ctx, `${path}.putRequestsPerMonth`, u?.putRequestsPerMonth) / 1000, p("s3.put"), "s3.put", `${path}.putRequestsPerMonth`));
  lines.push(line("GET requests", usageFigure(ctx, `${path}.getRequestsPerMonth`, u?.getRequestsPerMonth) / 1000, p("s3.get"), "s3.get", `${path}.getRequestsPerMonth`));
  return priced(lines);
};

/** Stack-wide request counts shared evenly by the resources of one type. */
const perResourceShare = (ctx: RuleContext, r: GraphResource, path: string, total: number | undefined): number => usageFigure(ctx, path, total) / ctx.graph.ofType(r.type).length;

const kmsKey: Rule = (r, ctx) =>
  priced([
    line("customer-managed key", 1, p("kms.key"), "kms.key"),
    line("API requests (an even share of the stack's)", perResourceShare(ctx, r, "kms.requestsPerMonth", ctx.usage.kms?.requestsPerMonth) / 10_000, p("kms.requests"), "kms.requests", "kms.requestsPerMonth"),
  ]);

const secret: Rule = (r, ctx) =>
  priced([
    line("secret", 1, p("secrets.secret"), "secrets.secret"),
    line("API calls (an even share of the stack's)", perResourceShare(ctx, r, "secretsManager.apiCallsPerMonth", ctx.usage.secretsManager?.apiCallsPerMonth) / 10_000, p("secrets.api"), "secrets.api", "secretsManager.apiCallsPerMonth"),
  ]);

const vault: Rule = (r, ctx) => {
  const u = ctx.usage.backupVaults?.[r.name];
  const path = `backupVaults.${r.name}`;
  const lines = [line("recovery points stored", usageFigure(ctx, `${path}.storedGiB`, u?.storedGiB), p("backup.warm"), "backup.warm", `${path}.storedGiB`)];
  if (u?.copiedInGiBPerMonth !== undefined) lines.push(line("copies received from another region", u.copiedInGiBPerMonth, p("transfer.inter-region"), "transfer.inter-region", `${path}.copiedInGiBPerMonth`));
  return priced(lines);
};

const repository: Rule = (_r, ctx) => priced([line("image storage", usageFigure(ctx, "registry.storedGiB", ctx.usage.registry?.storedGiB), p("ecr.storage"), "ecr.storage", "registry.storedGiB")]);

const alarm: Rule = () => priced([line("metric alarm", 1, p("cloudwatch.alarm"), "cloudwatch.alarm")]);

const userPool: Rule = (_r, ctx) => {
  const users = usageFigure(ctx, "sso.monthlyActiveUsers", ctx.usage.sso?.monthlyActiveUsers);
  return priced([line(`monthly active users above the ${COGNITO_FREE_MAU} free (${users} active)`, Math.max(0, users - COGNITO_FREE_MAU), p("cognito.mau"), "cognito.mau", "sso.monthlyActiveUsers")]);
};

/** The VPC with NAT gateways carries the stack's inter-AZ and internet transfer; others are free. */
const vpc: Rule = (r, ctx) => {
  if (!ctx.graph.ofType("aws:ec2/natGateway:NatGateway").some((nat) => nat.parent === r.parent && nat.provider === r.provider)) {
    return { lines: [], zeroReason: "a VPC is free; this one routes no internet traffic (no NAT gateway)" };
  }
  const n = ctx.usage.network;
  return priced([
    line("traffic between availability zones", usageFigure(ctx, "network.interAzGiBPerMonth", n?.interAzGiBPerMonth), p("transfer.inter-az"), "transfer.inter-az", "network.interAzGiBPerMonth"),
    line("traffic out to the internet", usageFigure(ctx, "network.internetEgressGiBPerMonth", n?.internetEgressGiBPerMonth), p("transfer.internet"), "transfer.internet", "network.internetEgressGiBPerMonth"),
  ]);
};

export const AWS_RULES: Readonly<Record<string, Rule>> = {
  "aws:eks/cluster:Cluster": eksCluster,
  "aws:eks/nodeGroup:NodeGroup": nodeGroup,
  "aws:ec2/instance:Instance": instance,
  "aws:ec2/natGateway:NatGateway": natGateway,
  "aws:ec2/eip:Eip": () => priced([hourly("public IPv4 address", 1, p("ipv4.public"), "ipv4.public")]),
  "aws:ec2/vpc:Vpc": vpc,
  "aws:rds/instance:Instance": rdsInstance,
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": backupsReplication,
  "aws:elasticache/replicationGroup:ReplicationGroup": replicationGroup,
  "aws:s3/bucket:Bucket": bucket,
  "aws:kms/key:Key": kmsKey,
  "aws:secretsmanager/secret:Secret": secret,
  "aws:backup/vault:Vault": vault,
  "aws:ecr/repository:Repository": repository,
  "aws:cloudwatch/metricAlarm:MetricAlarm": alarm,
  "aws:cognito/userPool:UserPool": userPool,
};
