// Each policy of the pack catches its violation on a hand-built resource and lets the fixed one pass.
import { describe, expect, it } from "vitest";
import { BACKUP_SCHEDULE, DAY_SECONDS, RETENTION, SERVICE_CAPACITY } from "../../ops/index.js";
import { approvedInstanceClasses, backupRetention, databaseDurability, s3Protection } from "../../infra/policy/aws-policies.js";
import {
  autoscalingMatchesOps, isMovingImage, loadBalancerController, networkPolicyCoverage, noLatestTags, nonRoot, podDisruptionBudgets, probes, requestsAndLimits,
} from "../../infra/policy/k8s-policies.js";
import { POLICY_NAMES } from "../../infra/policy/policies.js";
import { checkResource, checkStack, type PolicyInput } from "../../infra/policy/run.js";

const k8s = (kind: string, apiVersion: string, body: Record<string, unknown>, name = "x"): PolicyInput => ({
  type: `kubernetes:${apiVersion}:${kind}`,
  name,
  props: { apiVersion, kind, ...body },
});

const goodContainer = {
  name: "app",
  image: "registry/titan:1.2.3",
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
  readinessProbe: { httpGet: { path: "/r", port: 1 } },
  livenessProbe: { httpGet: { path: "/l", port: 1 } },
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
};
const labels = { "app.kubernetes.io/name": "console", "app.kubernetes.io/part-of": "titan" };
const deployment = (container: Record<string, unknown>, spec: Record<string, unknown> = {}, name = "web") =>
  k8s("Deployment", "apps/v1", { metadata: { name, namespace: "titan", labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [container] } }, ...spec } }, name);

const messages = async (policy: Parameters<typeof checkResource>[0], input: PolicyInput) => (await checkResource(policy, input)).map((v) => v.message);
const stackMessages = async (policy: Parameters<typeof checkStack>[0], inputs: PolicyInput[]) => (await checkStack(policy, inputs)).map((v) => v.message);

describe("Kubernetes policies", () => {
  it("requests and limits: a container without limits fails, one with both passes", async () => {
    const { limits: _limits, ...requestsOnly } = goodContainer.resources;
    expect(await messages(requestsAndLimits, deployment({ ...goodContainer, resources: requestsOnly }))).toEqual(["Deployment titan/web, container app: missing limits.cpu, limits.memory"]);
    expect(await messages(requestsAndLimits, deployment(goodContainer))).toEqual([]);
  });

  it("probes: a Deployment without a liveness probe fails; a CronJob needs none", async () => {
    const { livenessProbe: _l, ...noLiveness } = goodContainer;
    expect(await messages(probes, deployment(noLiveness))).toHaveLength(1);
    expect(await messages(probes, deployment(goodContainer))).toEqual([]);
    expect(await messages(probes, k8s("CronJob", "batch/v1", { metadata: { name: "job" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [noLiveness] } } } } } }))).toEqual([]);
  });

  it("non-root: a writable or escalating container fails", async () => {
    expect(await messages(nonRoot, deployment({ ...goodContainer, securityContext: { runAsNonRoot: true } }))).toEqual([
      "Deployment titan/web, container app: allowPrivilegeEscalation is not false; readOnlyRootFilesystem is not true",
    ]);
    expect(await messages(nonRoot, deployment({ ...goodContainer, securityContext: { ...goodContainer.securityContext, runAsNonRoot: undefined, runAsUser: 0 } }))).toHaveLength(1);
    expect(await messages(nonRoot, deployment(goodContainer))).toEqual([]);
  });

  it("no latest tags: containers and Helm values with moving tags fail; pinned ones and digests pass", async () => {
    expect(isMovingImage("redis")).toBe(true);
    expect(isMovingImage("localhost:5000/redis")).toBe(true);
    expect(isMovingImage("redis:latest")).toBe(true);
    expect(isMovingImage("localhost:5000/redis:7.4")).toBe(false);
    expect(isMovingImage(`redis@sha256:${"a".repeat(64)}`)).toBe(false);
    expect(await messages(noLatestTags, deployment({ ...goodContainer, image: "titan:latest" }))).toHaveLength(1);
    expect(await messages(noLatestTags, deployment(goodContainer))).toEqual([]);
    const release = (version: string, values: unknown): PolicyInput => ({ type: "kubernetes:helm.sh/v3:Release", name: "r", props: { name: "r", version, values } });
    expect(await messages(noLatestTags, release("^1.2.0", {}))).toEqual(["Helm release r: chart version '^1.2.0' is not an exact version"]);
    expect(await messages(noLatestTags, release("1.2.0", { image: { tag: "latest" } }))).toEqual(["Helm release r: values.image.tag is a moving tag"]);
    expect(await messages(noLatestTags, release("1.2.0", { image: { tag: "v1.2.0" } }))).toEqual([]);
  });

  it("PDBs: a Deployment without a matching budget fails", async () => {
    const pdb = k8s("PodDisruptionBudget", "policy/v1", { metadata: { name: "web", namespace: "titan" }, spec: { maxUnavailable: 0, selector: { matchLabels: labels } } });
    expect(await stackMessages(podDisruptionBudgets, [deployment(goodContainer)])).toEqual(["Deployment titan/web has no PodDisruptionBudget"]);
    expect(await stackMessages(podDisruptionBudgets, [deployment(goodContainer), pdb])).toEqual([]);
  });

  it("NetworkPolicy coverage: a namespace without default-deny fails", async () => {
    const deny = k8s("NetworkPolicy", "networking.k8s.io/v1", { metadata: { name: "deny", namespace: "titan" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
    const allowAll = k8s("NetworkPolicy", "networking.k8s.io/v1", { metadata: { name: "all", namespace: "titan" }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] } });
    expect(await stackMessages(networkPolicyCoverage, [deployment(goodContainer), allowAll])).toHaveLength(1);
    expect(await stackMessages(networkPolicyCoverage, [deployment(goodContainer), deny])).toEqual([]);
  });

  it("autoscaling: a range that differs from ops/ fails, a single-writer with two replicas fails", async () => {
    const scaling = SERVICE_CAPACITY.console.scaling;
    if (scaling.kind !== "horizontal") throw new Error("console should be horizontal");
    const scaler = (max: number) => k8s("ScaledObject", "keda.sh/v1alpha1", { metadata: { name: "console" }, spec: { scaleTargetRef: { name: "console" }, minReplicaCount: scaling.minReplicas, maxReplicaCount: max } });
    const consoleDeployment = deployment(goodContainer, {}, "console");
    expect(await stackMessages(autoscalingMatchesOps, [consoleDeployment, scaler(scaling.maxReplicas + 1)])).toEqual([
      `console: autoscaling range ${scaling.minReplicas}..${scaling.maxReplicas + 1} differs from ops/ ${scaling.minReplicas}..${scaling.maxReplicas}`,
    ]);
    expect(await stackMessages(autoscalingMatchesOps, [consoleDeployment])).toEqual(["console scales horizontally: needs exactly one ScaledObject, found 0 autoscalers"]);
    expect(await stackMessages(autoscalingMatchesOps, [consoleDeployment, scaler(scaling.maxReplicas)])).toEqual([]);
    const brain = (replicas: number) => deployment(goodContainer, { replicas, strategy: { type: "Recreate" } }, "brain");
    expect(await stackMessages(autoscalingMatchesOps, [brain(2)])).toEqual(["brain is single-writer: needs replicas 1 and strategy Recreate"]);
    expect(await stackMessages(autoscalingMatchesOps, [brain(1)])).toEqual([]);
  });
});

describe("AWS policies", () => {
  const rds = (props: Record<string, unknown>): PolicyInput => ({
    type: "aws:rds/instance:Instance", name: "db",
    props: { multiAz: true, storageEncrypted: true, kmsKeyId: "arn:k", deletionProtection: true, instanceClass: "db.m6g.large", backupRetentionPeriod: 7, ...props },
  });

  it("durability: a single-AZ, unprotected database fails", async () => {
    expect(await messages(databaseDurability, rds({ multiAz: false, deletionProtection: false }))).toEqual(["RDS instance is not Multi-AZ", "RDS instance has no deletion protection"]);
    expect(await messages(databaseDurability, rds({}))).toEqual([]);
    const redis = { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "r", props: { multiAzEnabled: true, automaticFailoverEnabled: true, atRestEncryptionEnabled: true, kmsKeyId: "k", transitEncryptionEnabled: false } };
    expect(await messages(databaseDurability, redis)).toEqual(["Redis does not encrypt in transit"]);
  });

  it("backup retention: shorter than ops/ fails, and a plan must have every rule", async () => {
    const want = BACKUP_SCHEDULE.continuousReplication.retentionSeconds / DAY_SECONDS;
    expect(await messages(backupRetention, rds({ backupRetentionPeriod: want - 1 }))).toHaveLength(1);
    expect(await messages(backupRetention, rds({ backupRetentionPeriod: want }))).toEqual([]);
    const plan = (rules: unknown[]): PolicyInput => ({ type: "aws:backup/plan:Plan", name: "p", props: { rules } });
    const rule = (ruleName: string, seconds: number, extra = {}) => ({ ruleName, lifecycle: { deleteAfter: seconds / DAY_SECONDS }, ...extra });
    const full = [
      rule("continuous", BACKUP_SCHEDULE.continuousReplication.retentionSeconds, { enableContinuousBackup: true }),
      rule("hourly", BACKUP_SCHEDULE.hourlySnapshot.retentionSeconds),
      rule("daily", BACKUP_SCHEDULE.dailyFull.retentionSeconds),
      rule("weekly", BACKUP_SCHEDULE.weeklyArchive.retentionSeconds),
    ];
    expect(await messages(backupRetention, plan(full))).toEqual([]);
    expect(await messages(backupRetention, plan(full.slice(0, 3)))).toEqual(["backup plan has no weekly rule"]);
  });

  it("S3: an unencrypted, public, unlocked trade-records bucket fails on each count", async () => {
    const name = "titan-prod-trade-records";
    const bucket = (lock: boolean): PolicyInput => ({ type: "aws:s3/bucket:Bucket", name: "b", props: { bucket: name, objectLockEnabled: lock } });
    const parts: PolicyInput[] = [
      { type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name: "e", props: { bucket: name, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" } }] } },
      { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: "p", props: { bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true } },
      { type: "aws:s3/bucketVersioning:BucketVersioning", name: "v", props: { bucket: name, versioningConfiguration: { status: "Enabled" } } },
      { type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "l", props: { bucket: name, rule: { defaultRetention: { mode: "COMPLIANCE", years: RETENTION.tradingRecordsYears.value } } } },
    ];
    expect(await stackMessages(s3Protection, [bucket(true), ...parts])).toEqual([]);
    expect(await stackMessages(s3Protection, [bucket(false)])).toEqual([
      `bucket ${name} is not encrypted with a KMS key`,
      `bucket ${name} does not block all public access`,
      `bucket ${name} is not versioned`,
      `bucket ${name} holds trade records: needs Object Lock in COMPLIANCE mode for ${RETENTION.tradingRecordsYears.value} years`,
    ]);
  });

  it("instance classes: an unapproved class fails", async () => {
    expect(await messages(approvedInstanceClasses, rds({ instanceClass: "db.r6i.32xlarge" }))).toEqual(["database class db.r6i.32xlarge is not approved"]);
    expect(await messages(approvedInstanceClasses, rds({}))).toEqual([]);
    expect(await messages(approvedInstanceClasses, { type: "aws:eks/nodeGroup:NodeGroup", name: "n", props: { instanceTypes: ["m6i.large", "p5.48xlarge"] } })).toEqual(["node type p5.48xlarge is not approved"]);
  });
});

describe("the load balancer controller policy", () => {
  const ingress = (annotations: Record<string, string>): PolicyInput => ({
    type: "kubernetes:helm.sh/v3:Release", name: "ingress-public",
    props: { chart: "nginx-ingress", values: { controller: { service: { type: "LoadBalancer", annotations } } } },
  });
  const controller: PolicyInput = { type: "kubernetes:helm.sh/v3:Release", name: "platform-aws-load-balancer-controller", props: { chart: "aws-load-balancer-controller", values: {} } };

  it("fails a Service asking for the controller's NLB in a stack without it, passes with it or without the ask", async () => {
    const nlb = { "service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip" };
    expect(await stackMessages(loadBalancerController, [ingress(nlb)])).toEqual([
      "ingress-public asks for an AWS Load Balancer Controller load balancer (service.beta.kubernetes.io/aws-load-balancer-type), but the stack installs no controller",
    ]);
    expect(await stackMessages(loadBalancerController, [ingress(nlb), controller])).toEqual([]);
    expect(await stackMessages(loadBalancerController, [ingress({})])).toEqual([]);
    const service = k8s("Service", "v1", { metadata: { name: "edge", namespace: "titan", annotations: nlb }, spec: { type: "LoadBalancer" } }, "edge");
    expect(await stackMessages(loadBalancerController, [service])).toHaveLength(1);
  });
});

it("every policy of the pack has a test above", () => {
  expect([...POLICY_NAMES].sort()).toEqual([
    "autoscaling-matches-ops", "aws-approved-instance-classes", "aws-backup-retention", "aws-database-durability", "aws-load-balancer-controller", "aws-s3-protection",
    "k8s-network-policy-coverage", "k8s-non-root", "k8s-pod-disruption-budgets", "k8s-probes", "k8s-requests-and-limits", "no-latest-tags",
  ]);
});
