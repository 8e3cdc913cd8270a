// Network and storage recommendations: idle resources (the admin host outside sessions, a load
// balancer that carries almost nothing, node capacity nobody requests), storage lifecycle (S3 classes,
// CloudWatch log groups that never expire), and NAT per AZ against a shared one or an S3 endpoint.
import { bucketLifecycle } from "../rules/aws.js";
import { Graph, at, num, str } from "../model.js";
import { DAYS_PER_MONTH, HOURS_PER_MONTH, PRICES, ec2Class } from "../prices.js";
import { STORAGE_CLASS_PRICE, storedByClass, type Lifecycle, type StorageClass } from "../s3-lifecycle.js";
import { type Findings, type Recommender, consider, merge, none, rate, recommend, usd, worthIt } from "./types.js";

/** Below this many capacity units an hour a load balancer carries next to nothing. */
const IDLE_CAPACITY_UNITS = 0.05;
/** Glacier Deep Archive bills at least 180 days per object (unverified, https://aws.amazon.com/s3/pricing/). */
const DEEP_ARCHIVE_MINIMUM_DAYS = 180;

export const idle: Recommender = ({ estimate, resources, usage }) => {
  const findings: Findings[] = [];
  for (const host of resources.filter((r) => r.type === "aws:ec2/instance:Instance")) {
    const active = usage.adminHost?.activeHoursPerMonth;
    const type = str(host.inputs.instanceType) ?? "";
    if (active === undefined) {
      findings.push(consider({ id: `idle-${host.name}`, kind: "idle", title: `${host.name}: stop it between sessions`, why: "usage adminHost.activeHoursPerMonth is not given", assumptions: [] }));
      continue;
    }
    findings.push(recommend({
      id: `idle-${host.name}`, kind: "idle", title: `Stop ${host.name} when nobody is connected`, resources: [host.name],
      monthlySavingUsd: ec2Class(type).hourly.usd * Math.max(0, HOURS_PER_MONTH - active),
      assumptions: [`used ${active} h a month (usage adminHost.activeHoursPerMonth)`, `${type} ${rate(ec2Class(type).hourly.usd)}/h; its root volume is still paid while stopped`],
      tradeOff: "an operator starts it first (aws ec2 start-instances, about a minute) — a minute more on the path to the private Kubernetes API during an incident",
      action: "runbook step before Session Manager, or a schedule; the instance stays in the Pulumi program",
    }));
  }
  for (const lb of estimate.resources.filter((c) => c.lines.some((l) => l.priceKey === "nlb.hour" || l.priceKey === "clb.hour"))) {
    const units = usage.loadBalancers?.[lb.name]?.capacityUnitsPerHour;
    const hourly = lb.lines.filter((l) => l.priceKey.endsWith(".hour")).reduce((s, l) => s + l.monthlyUsd, 0);
    if (units === undefined || units >= IDLE_CAPACITY_UNITS) continue;
    findings.push(recommend({
      id: `idle-${lb.name}`, kind: "idle", title: `${lb.name}: a load balancer that carries almost nothing`, resources: [lb.name], monthlySavingUsd: hourly,
      assumptions: [`${units} capacity units an hour on average (usage loadBalancers.${lb.name}), under ${IDLE_CAPACITY_UNITS}`, "its hosts move to the other entry point, or to kubectl port-forward"],
      tradeOff: "the monitoring UIs would share the public entry point (still behind SSO with MFA, but reachable from the internet) or lose browser access",
      action: "infra/k8s/ingress.ts: the internal controller's Service type",
    }));
  }
  const unrequested = estimate.allocation.unallocatedUsd;
  if (estimate.allocation.capacity && unrequested > 0) {
    const group = resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
    const min = num(at(group?.inputs.scalingConfig, "minSize")) ?? 0;
    const desired = num(at(group?.inputs.scalingConfig, "desiredSize")) ?? 0;
    findings.push(consider({
      id: "idle-node-capacity", kind: "idle", title: `${usd(unrequested)} a month of node capacity is requested by no pod`,
      why: desired <= min ? `the node group already runs at its minimum (${min}: one node per availability zone)` : `the cluster autoscaler removes nodes down to ${min} when pods allow`,
      assumptions: ["charts without declared requests count nothing, so part of it is used by them", "system pods and DaemonSets use some of it"],
    }));
  }
  return merge(...findings);
};

const monthlyOf = (stored: Record<StorageClass, number>) => (Object.keys(stored) as StorageClass[]).reduce((s, c) => s + stored[c] * PRICES[STORAGE_CLASS_PRICE[c]].usd, 0);

/** Loki's retention in days from its Helm values ("720h"), the stack's own choice for logs. */
function stackLogRetentionDays(graph: Graph): number | undefined {
  const loki = graph.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "loki");
  const period = str(at(loki?.inputs.values, "loki", "limits_config", "retention_period"));
  const hours = period && /^(\d+)h$/.exec(period)?.[1];
  return hours ? Number(hours) / 24 : undefined;
}

export const lifecycle: Recommender = ({ estimate, resources, usage }) => {
  const graph = new Graph(resources);
  const findings: Findings[] = [];
  for (const bucket of resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
    const u = usage.buckets?.[bucket.name];
    const age = u?.ageMonths ?? usage.stackAgeMonths;
    if (u?.ingestGiBPerMonth === undefined || age === undefined) continue;
    const current = bucketLifecycle(bucket, graph);
    const archive = current.transitions.find((t) => t.storageClass === "DEEP_ARCHIVE");
    if (!archive || archive.days <= DEEP_ARCHIVE_MINIMUM_DAYS) continue;
    const proposed: Lifecycle = { ...current, transitions: current.transitions.map((t) => (t === archive ? { ...t, days: DEEP_ARCHIVE_MINIMUM_DAYS } : t)) };
    const saving = monthlyOf(storedByClass(current, u.ingestGiBPerMonth, age)) - monthlyOf(storedByClass(proposed, u.ingestGiBPerMonth, age));
    const assumptions = [`${u.ingestGiBPerMonth} GiB written a month for ${age} months (usage buckets.${bucket.name})`, "objects are never overwritten", `Standard-IA ${rate(PRICES["s3.standard-ia"].usd)}, Deep Archive ${rate(PRICES["s3.deep-archive"].usd)} per GB-month`];
    const title = `${bucket.name}: move objects to Deep Archive after ${DEEP_ARCHIVE_MINIMUM_DAYS} days instead of ${archive.days}`;
    findings.push(worthIt(saving)
      ? recommend({
          id: `lifecycle-${bucket.name}`, kind: "lifecycle", title, resources: [bucket.name], monthlySavingUsd: saving, assumptions,
          tradeOff: "records older than six months take 12–48 hours and a retrieval fee to read back; the write-once lock and its retention are unchanged",
          action: "Pulumi.prod.yaml titan:archiveAfterDays",
        })
      : consider({ id: `lifecycle-${bucket.name}`, kind: "lifecycle", title, why: `too little data yet: ${usd(saving)} a month`, assumptions }));
  }
  const retention = stackLogRetentionDays(graph);
  const kept = estimate.resources.flatMap((c) => c.lines.filter((l) => l.priceKey === "cloudwatch.logs.storage").map((l) => ({ name: c.name, line: l })));
  const age = usage.stackAgeMonths;
  if (kept.length > 0 && retention !== undefined && age !== undefined) {
    const keepFraction = Math.min(1, retention / DAYS_PER_MONTH / age);
    const saving = kept.reduce((s, k) => s + k.line.monthlyUsd * (1 - keepFraction), 0);
    const title = `Give the CloudWatch log groups a ${retention}-day retention (today: never expire)`;
    const assumptions = [`${age} months of logs kept today (usage stackAgeMonths)`, `${retention} days is the retention the stack already gives pod logs (Loki)`];
    findings.push(worthIt(saving)
      ? recommend({
          id: "lifecycle-cloudwatch-logs", kind: "lifecycle", title, resources: kept.map((k) => k.name), monthlySavingUsd: saving, assumptions,
          tradeOff: "EKS audit logs older than that are gone: keep them longer if an auditor needs them (export to the logs bucket first)",
          action: "infra/aws/cluster.ts and database.ts: aws.cloudwatch.LogGroup with retentionInDays for /aws/eks/<cluster>/cluster and /aws/rds/instance/<id>/postgresql",
        })
      : consider({ id: "lifecycle-cloudwatch-logs", kind: "lifecycle", title, why: "the log groups are younger than the retention: nothing to save yet", assumptions }));
  }
  return merge(...findings);
};

export const nat: Recommender = ({ estimate, usage }) => {
  const nats = estimate.resources.filter((c) => c.type === "aws:ec2/natGateway:NatGateway");
  if (nats.length === 0) return none;
  const processed = usage.network?.natProcessedGiBPerMonth ?? 0;
  const perNat = (PRICES["nat.hour"].usd + PRICES["ipv4.public"].usd) * HOURS_PER_MONTH;
  const findings: Findings[] = [];
  const crossAz = (n: number) => (processed * (n - 1)) / n * PRICES["transfer.inter-az"].usd;
  const assumptions = [`${processed} GiB a month through NAT (usage network.natProcessedGiBPerMonth), spread evenly over the AZs`, `a NAT gateway and its public IPv4 cost ${usd(perNat)} a month`, `traffic from another AZ to a shared NAT pays ${rate(PRICES["transfer.inter-az"].usd)}/GB`];
  if (nats.length > 1) {
    findings.push(recommend({
      id: "nat-shared", kind: "nat", title: `One shared NAT gateway instead of ${nats.length} (one per AZ)`, resources: nats.map((n) => n.name),
      monthlySavingUsd: (nats.length - 1) * perNat - crossAz(nats.length), assumptions,
      tradeOff: "losing the NAT's AZ cuts every node's outbound traffic, venue connections included: execution cannot reach the exchange until the AZ returns. Not advised for prod; fine for a staging stack",
      action: "Pulumi.<stack>.yaml titan:natGateways: 1",
    }));
  } else {
    findings.push(consider({ id: "nat-shared", kind: "nat", title: "NAT per AZ", why: `already one shared NAT; one per AZ would cost ${usd(2 * perNat)} a month more and survive an AZ loss`, assumptions }));
  }
  const s3Gib = Math.min(processed, Object.values(usage.buckets ?? {}).reduce((s, b) => s + (b.ingestGiBPerMonth ?? 0), 0));
  if (worthIt(s3Gib * PRICES["nat.processed"].usd)) {
    findings.push(recommend({
      id: "nat-s3-endpoint", kind: "nat", title: "An S3 gateway endpoint, so S3 writes skip the NAT gateways", resources: nats.map((n) => n.name),
      monthlySavingUsd: s3Gib * PRICES["nat.processed"].usd,
      assumptions: [`${s3Gib} GiB a month written to the buckets from the cluster (usage buckets.*.ingestGiBPerMonth) now pass through NAT`, "gateway endpoints for S3 are free"],
      tradeOff: "none worth naming: one more resource and a route per private route table; bucket policies could then also require the endpoint",
      action: "infra/aws/network.ts: aws.ec2.VpcEndpoint (Gateway, com.amazonaws.<region>.s3) on the private route tables",
    }));
  }
  return merge(...findings);
};
