// The estimator against a hand calculation: a small stack whose every line is worked out below from the
// prices as written in tooling.md and prices.ts, so a changed price or rule shows up here.
import { describe, expect, it } from "vitest";
import { UnpricedResourceError, estimate } from "./estimate.js";
import { FREE_TYPES } from "./rules/free.js";
import { PRIMARY, component, resource } from "./testing.js";
import type { Usage } from "./usage.js";

const cluster = component("titan:aws:Cluster", "cluster");
const data = component("titan:aws:Database", "database");
const apps = component("titan:k8s:Workloads", "workloads");
const ingress = component("titan:k8s:Ingress", "ingress");

const small = [
  resource("pulumi:providers:aws", "aws-primary", {}, {}),
  cluster, data, apps, ingress,
  resource("aws:eks/cluster:Cluster", "cluster-eks", { enabledClusterLogTypes: [] }, { parent: cluster, provider: PRIMARY }),
  resource("aws:eks/nodeGroup:NodeGroup", "cluster-nodes", { instanceTypes: ["m6i.large"], diskSize: 30, scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 4 } }, { parent: cluster, provider: PRIMARY }),
  resource("aws:iam/role:Role", "cluster-node-role", {}, { parent: cluster, provider: PRIMARY }),
  resource("aws:ec2/natGateway:NatGateway", "nat-0", {}, { provider: PRIMARY }),
  resource("aws:ec2/eip:Eip", "nat-0", { domain: "vpc" }, { provider: PRIMARY }),
  resource("aws:rds/instance:Instance", "database-primary", { instanceClass: "db.t4g.medium", multiAz: true, allocatedStorage: 50, maxAllocatedStorage: 100, enabledCloudwatchLogsExports: [] }, { parent: data, provider: PRIMARY }),
  resource("aws:s3/bucket:Bucket", "records", { bucket: "titan-test-records" }, { provider: PRIMARY }),
  resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "records-lifecycle", {
    bucket: "titan-test-records",
    rules: [{ id: "age", status: "Enabled", filter: {}, transitions: [{ days: 30, storageClass: "STANDARD_IA" }], expiration: { days: 365 } }],
  }, { provider: PRIMARY }),
  resource("kubernetes:apps/v1:Deployment", "workloads-brain", {
    metadata: { name: "brain", labels: { "app.kubernetes.io/name": "brain", "app.kubernetes.io/part-of": "titan" } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: "brain", resources: { requests: { cpu: "500m", memory: "256Mi" } } }] } } },
  }, { parent: apps }),
  resource("kubernetes:core/v1:PersistentVolumeClaim", "workloads-tape", { metadata: { name: "tape" }, spec: { resources: { requests: { storage: "10Gi" } } } }, { parent: apps }),
  resource("kubernetes:helm.sh/v3:Release", "ingress-public", {
    chart: "nginx-ingress",
    values: { controller: { replicaCount: 2, service: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "external" } } } },
  }, { parent: ingress }),
];

const usage: Usage = {
  stackAgeMonths: 3,
  network: { natProcessedGiBPerMonth: 100 },
  database: { usedGiB: 54, backupStorageGiB: 70 },
  buckets: { records: { ingestGiBPerMonth: 10, putRequestsPerMonth: 1000, getRequestsPerMonth: 0 } },
  loadBalancers: { "ingress-public": { capacityUnitsPerHour: 0.1 } },
};

// Worked out by hand, 730 hours a month, 365/12 days a month:
const EKS = 0.1 * 730; // 73.00
const NODES = 2 * 0.096 * 730; // 140.16
const NODE_DISKS = 2 * 30 * 0.08; // 4.80
const NAT = 0.045 * 730 + 100 * 0.045; // 32.85 + 4.50
const EIP = 0.005 * 730; // 3.65
const DB_INSTANCES = 2 * 0.065 * 730; // Multi-AZ: 94.90
const DB_STORAGE = 2 * 60 * 0.115; // 54 GiB used needs ceil(54 / 0.9) = 60 GiB allocated, on both instances: 13.80
const DB_BACKUP = (70 - 60) * 0.095; // backups beyond the 60 GiB provisioned: 0.95
const S3_STANDARD = 10 * (30 / (365 / 12)) * 0.023; // the youngest 30 days of 3 months at 10 GiB a month
const S3_IA = 10 * (3 - 30 / (365 / 12)) * 0.0125; // the rest, in Standard-IA
const S3_PUTS = (1000 / 1000) * 0.005;
const TAPE = 10 * 0.08; // 0.80
const NLB = 0.0225 * 730 + 0.1 * 730 * 0.006; // 16.425 + 0.438
const TOTAL = EKS + NODES + NODE_DISKS + NAT + EIP + DB_INSTANCES + DB_STORAGE + DB_BACKUP + S3_STANDARD + S3_IA + S3_PUTS + TAPE + NLB;

describe("the estimate of a small hand-built stack", () => {
  const e = estimate(small, { stack: "test", usage });
  const cost = (name: string) => e.resources.filter((r) => r.name === name).reduce((s, r) => s + r.monthlyUsd, 0);

  it("matches the hand calculation, in total and line by line", () => {
    expect(TOTAL).toBeCloseTo(386.757, 3);
    expect(e.monthlyUsd).toBeCloseTo(TOTAL, 6);
    expect(cost("cluster-eks")).toBeCloseTo(EKS, 6);
    expect(cost("cluster-nodes")).toBeCloseTo(NODES + NODE_DISKS, 6);
    expect(cost("nat-0")).toBeCloseTo(NAT + EIP, 6);
    expect(cost("database-primary")).toBeCloseTo(DB_INSTANCES + DB_STORAGE + DB_BACKUP, 6);
    expect(cost("records")).toBeCloseTo(S3_STANDARD + S3_IA + S3_PUTS, 6);
    expect(cost("workloads-tape")).toBeCloseTo(TAPE, 6);
    expect(cost("ingress-public")).toBeCloseTo(NLB, 6);
    expect(e.usageGaps).toEqual([]);
  });

  it("sums each top-level component, most expensive first, and puts parentless resources under (stack)", () => {
    expect(e.byComponent.map((c) => [c.component, Number(c.monthlyUsd.toFixed(4))])).toEqual([
      ["cluster", Number((EKS + NODES + NODE_DISKS).toFixed(4))],
      ["database", Number((DB_INSTANCES + DB_STORAGE + DB_BACKUP).toFixed(4))],
      ["(stack)", Number((NAT + EIP + S3_STANDARD + S3_IA + S3_PUTS).toFixed(4))],
      ["ingress", Number(NLB.toFixed(4))],
      ["workloads", Number(TAPE.toFixed(4))],
    ]);
  });

  it("gives each service the share of the node price its requests take (CPU and memory priced apart)", () => {
    // 2 × m6i.large = 4 vCPU, 16 GiB. A vCPU-hour is 0.037 $, a GiB-hour 0.00275 $ (c6i.large vs m6i.large),
    // so CPU is 4 × 0.037 / (4 × 0.037 + 16 × 0.00275) = 77.08 % of the node price.
    const cpuWeight = (4 * 0.037) / (4 * 0.037 + 16 * 0.00275);
    const brain = (NODES + NODE_DISKS) * (cpuWeight * (0.5 / 4) + (1 - cpuWeight) * (0.25 / 16));
    const a = e.allocation;
    expect(a.basis).toBe("node group");
    expect(a.capacity).toEqual({ vcpu: 4, memoryGiB: 16 });
    expect(a.services.find((s) => s.service === "brain")?.monthlyUsd).toBeCloseTo(brain, 6);
    expect(brain).toBeCloseTo(14.4866, 3);
    expect(a.platformUsd).toBe(0);
    expect(a.unallocatedUsd).toBeCloseTo(NODES + NODE_DISKS - brain, 6);
  });

  it("lists free resources at zero with the reason, and pods on the node group as priced there", () => {
    const role = e.resources.find((r) => r.name === "cluster-node-role");
    expect(role).toMatchObject({ monthlyUsd: 0, zeroReason: FREE_TYPES["aws:iam/role:Role"] });
    expect(e.resources.find((r) => r.name === "workloads-brain")?.zeroReason).toMatch(/node group/);
  });

  it("counts what is priced with unverified prices apart (here: the NLB, S3 requests, the public IPv4, RDS backup storage)", () => {
    expect(e.unverifiedMonthlyUsd).toBeCloseTo(NLB + S3_PUTS + EIP + DB_BACKUP, 6);
  });

  it("prices a usage figure it lacks at zero usage and reports the gap, never silently", () => {
    const gapped = estimate(small, { stack: "test", usage: { ...usage, network: {} } });
    expect(gapped.usageGaps).toEqual(["network.natProcessedGiBPerMonth"]);
    expect(gapped.monthlyUsd).toBeCloseTo(TOTAL - 100 * 0.045, 6);
  });
});

describe("what cannot be priced", () => {
  const unknown = resource("aws:lambda/function:Function", "handler", {}, { provider: PRIMARY });
  const bigNode = resource("aws:eks/nodeGroup:NodeGroup", "big", { instanceTypes: ["x9z.huge"], scalingConfig: { desiredSize: 1 } }, { provider: PRIMARY });
  const chart = resource("kubernetes:helm.sh/v3:Release", "mystery", { chart: "mystery-db", values: {} });
  const hiddenVolume = resource("kubernetes:helm.sh/v3:Release", "keda", { chart: "keda", values: { persistence: { enabled: true, size: "8Gi" } } });

  it("fails loudly with every unpriced resource listed, and never counts them as zero", () => {
    let error: unknown;
    try {
      estimate([...small, unknown, bigNode, chart, hiddenVolume], { stack: "test", usage });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnpricedResourceError);
    const unpriced = (error as UnpricedResourceError).unpriced;
    expect(unpriced.map((u) => `${u.type} ${u.resource}`)).toEqual([
      "aws:lambda/function:Function handler",
      "aws:eks/nodeGroup:NodeGroup big",
      "kubernetes:helm.sh/v3:Release mystery",
      "kubernetes:helm.sh/v3:Release keda",
      "(requests) workloads",
    ]);
    expect(unpriced[0]?.reason).toMatch(/no pricing rule and not listed as free/);
    expect(unpriced[1]?.reason).toMatch(/no price for EC2 class 'x9z.huge'/);
    expect(unpriced[2]?.reason).toMatch(/no cost rule for Helm chart 'mystery-db'/);
    expect(unpriced[3]?.reason).toMatch(/values ask for persistence/);
    expect((error as Error).message).toMatch(/^test: 5 resources cannot be priced/);
  });

  it("refuses a lifecycle rule it cannot model rather than guessing", () => {
    const filtered = resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "records-lifecycle", {
      bucket: "titan-test-records", rules: [{ id: "logs-only", status: "Enabled", filter: { prefix: "logs/" }, expiration: { days: 30 } }],
    });
    expect(() => estimate([...small.filter((r) => r.name !== "records-lifecycle"), filtered], { stack: "test", usage })).toThrow(/filters objects/);
  });
});
