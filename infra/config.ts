// Typed stack configuration (Pulumi.<stack>.yaml, namespace `titan`). Numbers the operations document
// does not state (instance classes, node counts, disk sizes) live here with defaults and validation;
// numbers it does state come from ops/ and never appear here. Every problem is reported at once.

export const STACK_NAMES = ["dev", "prod"] as const;
export type StackName = (typeof STACK_NAMES)[number];

/** Instance classes a reviewer has approved; the policy pack refuses anything else. */
export const APPROVED_INSTANCE_CLASSES = {
  node: ["m6i.large", "m6i.xlarge", "m7i.large", "m7i.xlarge", "c6i.large", "c6i.xlarge", "m6g.large", "m7g.large"],
  database: ["db.t4g.medium", "db.m6g.large", "db.m6g.xlarge", "db.m7g.large", "db.r6g.large"],
  cache: ["cache.t4g.medium", "cache.m6g.large", "cache.m7g.large", "cache.r6g.large"],
  adminHost: ["t4g.nano", "t4g.micro", "t3.micro"],
} as const;
export type InstanceClassKind = keyof typeof APPROVED_INSTANCE_CLASSES;

export interface ClusterConfig {
  readonly kubernetesVersion: string;
  readonly nodeInstanceTypes: readonly string[];
  readonly minNodes: number;
  readonly desiredNodes: number;
  readonly maxNodes: number;
  readonly nodeDiskGiB: number;
}

export interface DatabaseConfig {
  readonly instanceClass: string;
  readonly engineVersion: string;
  readonly allocatedStorageGiB: number;
  /** Ceiling for RDS storage autoscaling. */
  readonly maxAllocatedStorageGiB: number;
  /** A read replica in the backup region: the region-loss mechanism of the trading-data RPO. */
  readonly crossRegionReplica: boolean;
}

export interface CacheConfig {
  readonly nodeType: string;
  readonly engineVersion: string;
  /** Primary plus replicas; at least 2 for Multi-AZ failover. */
  readonly nodes: number;
}

export interface AwsConfig {
  readonly region: string;
  /** Cross-region backup copies and the read replica go here. */
  readonly backupRegion: string;
  readonly vpcCidr: string;
  /** One NAT gateway per AZ survives an AZ loss; one in total is cheaper. */
  readonly natGateways: 1 | 3;
  readonly cluster: ClusterConfig;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly adminHostInstanceType: string;
  /** Trade records move to Glacier Deep Archive after this many days (the write-once lock still holds). */
  readonly archiveAfterDays: number;
}

export interface DevDataConfig {
  readonly postgresInstances: number;
  readonly postgresStorageGiB: number;
  readonly redisStorageGiB: number;
  readonly objectStoreStorageGiB: number;
  readonly postgresCpuMillicores: number;
  readonly postgresMemoryMiB: number;
  readonly redisCpuMillicores: number;
  readonly redisMemoryMiB: number;
  readonly objectStoreMemoryMiB: number;
}

export interface StackConfig {
  readonly stack: StackName;
  /** prod runs on AWS; dev on any cluster from the kubeconfig, with in-cluster data services. */
  readonly platform: "aws" | "kubernetes";
  readonly namespace: string;
  /** Repository of the one Titan image; on AWS the stack's own ECR repository when unset. */
  readonly imageRepository: string | undefined;
  readonly imageTag: string;
  /** Public host of the console and the APIs. */
  readonly domain: string;
  /** Host of Grafana, Prometheus and Alertmanager on the internal entry point (SSO only). */
  readonly monitoringDomain: string;
  readonly acmeEmail: string;
  /** `bybit` trades live and mounts the exchange keys an operator stored; `paper` needs none. */
  readonly executionVenue: "paper" | "bybit";
  /** kubeconfig context for dev; the current context when unset. */
  readonly kubeContext: string | undefined;
  /** Bandwidth one pod may use, the denominator of the seed's network scaling trigger. */
  readonly podNetworkBytesPerSecond: number;
  readonly prometheusStorageGiB: number;
  readonly lokiStorageGiB: number;
  readonly logRetentionDays: number;
  readonly tapeStorageGiB: number;
  /** Minimum seconds between two autoscaler steps, so one step's effect is measured before the next. */
  readonly scaleStepSeconds: number;
  readonly aws: AwsConfig | undefined;
  readonly dev: DevDataConfig | undefined;
}

export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** Reads one key of namespace `titan` as Pulumi gives it: a string, objects as JSON text. */
export type ConfigReader = (key: string) => string | undefined;

const DEFAULTS = {
  namespace: "titan",
  podNetworkBytesPerSecond: 125_000_000,
  prometheusStorageGiB: 50,
  lokiStorageGiB: 50,
  logRetentionDays: 30,
  tapeStorageGiB: 100,
  scaleStepSeconds: 300,
  aws: { vpcCidr: "10.40.0.0/16", natGateways: 3, adminHostInstanceType: "t4g.nano", archiveAfterDays: 365 },
  cluster: { kubernetesVersion: "1.33", nodeInstanceTypes: ["m6i.large"], minNodes: 3, desiredNodes: 3, maxNodes: 6, nodeDiskGiB: 50 },
  database: { instanceClass: "db.m6g.large", engineVersion: "16.6", allocatedStorageGiB: 100, maxAllocatedStorageGiB: 1000, crossRegionReplica: true },
  cache: { nodeType: "cache.t4g.medium", engineVersion: "7.1", nodes: 2 },
  dev: {
    postgresInstances: 1, postgresStorageGiB: 20, redisStorageGiB: 5, objectStoreStorageGiB: 20,
    postgresCpuMillicores: 500, postgresMemoryMiB: 1024, redisCpuMillicores: 250, redisMemoryMiB: 512, objectStoreMemoryMiB: 512,
  },
} as const;

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Collects problems while reading; each read returns a usable value so reading can go on. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly read: ConfigReader) {}

  private raw(key: string): string | undefined {
    const value = this.read(key);
    return value === undefined || value === "" ? undefined : value;
  }

  string(key: string, fallback: string | undefined, check?: { pattern: RegExp; hint: string }): string {
    const value = this.raw(key) ?? fallback;
    if (value === undefined) {
      this.problems.push(`titan:${key}: is required`);
      return "";
    }
    if (check && !check.pattern.test(value)) this.problems.push(`titan:${key}: must be ${check.hint}, got '${value.slice(0, 80)}'`);
    return value;
  }

  optional(key: string): string | undefined {
    return this.raw(key);
  }

  object(key: string): Record<string, unknown> {
    const text = this.raw(key);
    if (text === undefined) return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    this.problems.push(`titan:${key}: must be an object`);
    return {};
  }

  int(where: string, value: unknown, fallback: number, min: number, max: number): number {
    const parsed = value === undefined ? fallback : typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${where}: must be an integer ${min}-${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return parsed;
  }

  bool(where: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.problems.push(`${where}: must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  text(where: string, value: unknown, fallback: string, pattern?: RegExp): string {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || (pattern && !pattern.test(value))) {
      this.problems.push(`${where}: must be a string${pattern ? ` matching ${pattern}` : ""}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  approved(where: string, value: string, kind: InstanceClassKind): void {
    if (!(APPROVED_INSTANCE_CLASSES[kind] as readonly string[]).includes(value)) {
      this.problems.push(`${where}: '${value}' is not an approved ${kind} class (${APPROVED_INSTANCE_CLASSES[kind].join(", ")})`);
    }
  }
}

function readCluster(r: Reader): ClusterConfig {
  const o = r.object("cluster");
  const d = DEFAULTS.cluster;
  const types = o.nodeInstanceTypes === undefined ? [...d.nodeInstanceTypes] : o.nodeInstanceTypes;
  let nodeInstanceTypes: string[] = [...d.nodeInstanceTypes];
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === "string")) {
    r.problems.push(`titan:cluster.nodeInstanceTypes: must be a non-empty list of instance types`);
  } else {
    nodeInstanceTypes = types;
    for (const t of nodeInstanceTypes) r.approved("titan:cluster.nodeInstanceTypes", t, "node");
  }
  const minNodes = r.int("titan:cluster.minNodes", o.minNodes, d.minNodes, 1, 100);
  const maxNodes = r.int("titan:cluster.maxNodes", o.maxNodes, d.maxNodes, 1, 100);
  const desiredNodes = r.int("titan:cluster.desiredNodes", o.desiredNodes, Math.max(minNodes, d.desiredNodes), 1, 100);
  if (!(minNodes <= desiredNodes && desiredNodes <= maxNodes)) {
    r.problems.push(`titan:cluster: needs minNodes <= desiredNodes <= maxNodes, got ${minNodes} <= ${desiredNodes} <= ${maxNodes}`);
  }
  return {
    kubernetesVersion: r.text("titan:cluster.kubernetesVersion", o.kubernetesVersion, d.kubernetesVersion, /^1\.\d{2}$/),
    nodeInstanceTypes,
    minNodes,
    desiredNodes,
    maxNodes,
    nodeDiskGiB: r.int("titan:cluster.nodeDiskGiB", o.nodeDiskGiB, d.nodeDiskGiB, 20, 1000),
  };
}

function readDatabase(r: Reader): DatabaseConfig {
  const o = r.object("database");
  const d = DEFAULTS.database;
  const instanceClass = r.text("titan:database.instanceClass", o.instanceClass, d.instanceClass);
  r.approved("titan:database.instanceClass", instanceClass, "database");
  const allocatedStorageGiB = r.int("titan:database.allocatedStorageGiB", o.allocatedStorageGiB, d.allocatedStorageGiB, 20, 65_536);
  const maxAllocatedStorageGiB = r.int("titan:database.maxAllocatedStorageGiB", o.maxAllocatedStorageGiB, d.maxAllocatedStorageGiB, 20, 65_536);
  // RDS only autoscales storage when the ceiling is at least 10 % above the allocation.
  if (maxAllocatedStorageGiB < Math.ceil(allocatedStorageGiB * 1.1)) {
    r.problems.push(`titan:database.maxAllocatedStorageGiB: must be at least 10% above allocatedStorageGiB (${allocatedStorageGiB}) for storage autoscaling, got ${maxAllocatedStorageGiB}`);
  }
  return {
    instanceClass,
    engineVersion: r.text("titan:database.engineVersion", o.engineVersion, d.engineVersion, /^1[5-9]\.\d+$/),
    allocatedStorageGiB,
    maxAllocatedStorageGiB,
    crossRegionReplica: r.bool("titan:database.crossRegionReplica", o.crossRegionReplica, d.crossRegionReplica),
  };
}

function readCache(r: Reader): CacheConfig {
  const o = r.object("cache");
  const d = DEFAULTS.cache;
  const nodeType = r.text("titan:cache.nodeType", o.nodeType, d.nodeType);
  r.approved("titan:cache.nodeType", nodeType, "cache");
  return {
    nodeType,
    engineVersion: r.text("titan:cache.engineVersion", o.engineVersion, d.engineVersion, /^7\.\d+$/),
    // One node cannot fail over: Multi-AZ needs a replica.
    nodes: r.int("titan:cache.nodes", o.nodes, d.nodes, 2, 6),
  };
}

function readAws(r: Reader): AwsConfig {
  const region = r.string("region", undefined, { pattern: REGION, hint: "an AWS region such as us-east-1" });
  const backupRegion = r.string("backupRegion", undefined, { pattern: REGION, hint: "an AWS region such as us-west-2" });
  if (region !== "" && region === backupRegion) r.problems.push("titan:backupRegion: must differ from titan:region (copies must survive a region loss)");
  const nat = r.int("titan:natGateways", r.optional("natGateways"), DEFAULTS.aws.natGateways, 1, 3);
  if (nat !== 1 && nat !== 3) r.problems.push(`titan:natGateways: must be 1 or 3, got ${nat}`);
  const adminHostInstanceType = r.string("adminHostInstanceType", DEFAULTS.aws.adminHostInstanceType);
  r.approved("titan:adminHostInstanceType", adminHostInstanceType, "adminHost");
  return {
    region,
    backupRegion,
    vpcCidr: r.string("vpcCidr", DEFAULTS.aws.vpcCidr, { pattern: /^10\.\d{1,3}\.0\.0\/16$/, hint: "a private /16 such as 10.40.0.0/16" }),
    natGateways: nat === 1 ? 1 : 3,
    cluster: readCluster(r),
    database: readDatabase(r),
    cache: readCache(r),
    adminHostInstanceType,
    archiveAfterDays: r.int("titan:archiveAfterDays", r.optional("archiveAfterDays"), DEFAULTS.aws.archiveAfterDays, 90, 3650),
  };
}

function readDev(r: Reader): DevDataConfig {
  const o = r.object("devData");
  const d = DEFAULTS.dev;
  return {
    postgresInstances: r.int("titan:devData.postgresInstances", o.postgresInstances, d.postgresInstances, 1, 3),
    postgresStorageGiB: r.int("titan:devData.postgresStorageGiB", o.postgresStorageGiB, d.postgresStorageGiB, 1, 1000),
    redisStorageGiB: r.int("titan:devData.redisStorageGiB", o.redisStorageGiB, d.redisStorageGiB, 1, 100),
    objectStoreStorageGiB: r.int("titan:devData.objectStoreStorageGiB", o.objectStoreStorageGiB, d.objectStoreStorageGiB, 1, 1000),
    postgresCpuMillicores: r.int("titan:devData.postgresCpuMillicores", o.postgresCpuMillicores, d.postgresCpuMillicores, 100, 16_000),
    postgresMemoryMiB: r.int("titan:devData.postgresMemoryMiB", o.postgresMemoryMiB, d.postgresMemoryMiB, 256, 65_536),
    redisCpuMillicores: r.int("titan:devData.redisCpuMillicores", o.redisCpuMillicores, d.redisCpuMillicores, 50, 8_000),
    redisMemoryMiB: r.int("titan:devData.redisMemoryMiB", o.redisMemoryMiB, d.redisMemoryMiB, 64, 32_768),
    objectStoreMemoryMiB: r.int("titan:devData.objectStoreMemoryMiB", o.objectStoreMemoryMiB, d.objectStoreMemoryMiB, 256, 16_384),
  };
}

/** Parses and validates one stack's configuration; throws StackConfigError listing every problem. */
export function parseStackConfig(stack: string, read: ConfigReader): StackConfig {
  if (!(STACK_NAMES as readonly string[]).includes(stack)) throw new StackConfigError([`stack '${stack}' is not one of ${STACK_NAMES.join(", ")}`]);
  const r = new Reader(read);
  const platform = stack === "prod" ? "aws" : "kubernetes";
  const imageTag = r.string("imageTag", undefined, { pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$|^sha256:[a-f0-9]{64}$/, hint: "an image tag or sha256 digest" });
  // A moving tag deploys whatever was pushed last: reviewers could not tell what runs.
  if (imageTag === "latest") r.problems.push("titan:imageTag: 'latest' is not allowed; pin a version or a digest");
  const imageRepository = r.optional("imageRepository");
  if (platform === "kubernetes" && imageRepository === undefined) r.problems.push("titan:imageRepository: is required on a stack without AWS");
  const config: StackConfig = {
    stack: stack as StackName,
    platform,
    namespace: r.string("namespace", DEFAULTS.namespace, { pattern: K8S_NAME, hint: "a Kubernetes namespace name" }),
    imageRepository,
    imageTag,
    domain: r.string("domain", undefined, { pattern: HOST, hint: "a DNS name" }),
    monitoringDomain: r.string("monitoringDomain", undefined, { pattern: HOST, hint: "a DNS name" }),
    acmeEmail: r.string("acmeEmail", undefined, { pattern: /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/, hint: "an e-mail address" }),
    executionVenue: r.string("executionVenue", "paper", { pattern: /^(paper|bybit)$/, hint: "paper or bybit" }) === "bybit" ? "bybit" : "paper",
    kubeContext: r.optional("kubeContext"),
    podNetworkBytesPerSecond: r.int("titan:podNetworkBytesPerSecond", r.optional("podNetworkBytesPerSecond"), DEFAULTS.podNetworkBytesPerSecond, 1_000_000, 100_000_000_000),
    prometheusStorageGiB: r.int("titan:prometheusStorageGiB", r.optional("prometheusStorageGiB"), DEFAULTS.prometheusStorageGiB, 5, 10_000),
    lokiStorageGiB: r.int("titan:lokiStorageGiB", r.optional("lokiStorageGiB"), DEFAULTS.lokiStorageGiB, 5, 10_000),
    logRetentionDays: r.int("titan:logRetentionDays", r.optional("logRetentionDays"), DEFAULTS.logRetentionDays, 1, 3650),
    tapeStorageGiB: r.int("titan:tapeStorageGiB", r.optional("tapeStorageGiB"), DEFAULTS.tapeStorageGiB, 1, 10_000),
    scaleStepSeconds: r.int("titan:scaleStepSeconds", r.optional("scaleStepSeconds"), DEFAULTS.scaleStepSeconds, 15, 3600),
    aws: platform === "aws" ? readAws(r) : undefined,
    dev: platform === "kubernetes" ? readDev(r) : undefined,
  };
  if (r.problems.length > 0) throw new StackConfigError(r.problems);
  return config;
}
