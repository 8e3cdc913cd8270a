// Compute recommendations: Graviton classes for x86 nodes and instances, commitments (a Compute
// Savings Plan for the always-on node baseline, reserved RDS instances and ElastiCache nodes), and
// spot capacity for the AI Quant job.
import { APPROVED_INSTANCE_CLASSES } from "../../config.js";
import { at, arr, num, str, NODE_GROUP } from "../model.js";
import { DAYS_PER_MONTH, DISCOUNTS, GRAVITON_EQUIVALENT, HOURS_PER_MONTH, cacheClass, ec2Class, rdsClass, sourceNote, type Discount, type Price } from "../prices.js";
import { type Findings, type Recommender, consider, merge, none, rate, recommend, usd } from "./types.js";

const priceNote = (what: string, p: Price) => `${what} ${rate(p.usd)}/h (${sourceNote(p)})`;
const discountNote = (d: Discount) => `${d.what}: ${Math.round(d.ratio * 100)} % off on-demand (${sourceNote(d)})`;

export const graviton: Recommender = ({ resources, usage }) => {
  const findings: Findings[] = [];
  const move = (name: string, from: string, count: number, config: string) => {
    const to = GRAVITON_EQUIVALENT[from];
    if (ec2Class(from).arch === "arm64") return consider({ id: `graviton-${name}`, kind: "graviton", title: `${name}: ${from} is already Graviton`, why: "already arm64", assumptions: [] });
    if (!to) return consider({ id: `graviton-${name}`, kind: "graviton", title: `${name}: no Graviton equivalent known for ${from}`, why: "add one to GRAVITON_EQUIVALENT in infra/cost/prices.ts", assumptions: [] });
    const [a, b] = [ec2Class(from), ec2Class(to)];
    const saving = count * (a.hourly.usd - b.hourly.usd) * HOURS_PER_MONTH;
    const approved = (Object.values(APPROVED_INSTANCE_CLASSES) as readonly (readonly string[])[]).some((list) => list.includes(to));
    return recommend({
      id: `graviton-${name}`,
      kind: "graviton",
      title: `Run ${name} on ${to} (Graviton) instead of ${from}`,
      resources: [name],
      monthlySavingUsd: saving,
      assumptions: [
        `${count} instance${count === 1 ? "" : "s"} all month`,
        priceNote(from, a.hourly),
        priceNote(to, b.hourly),
        `${to} has the same ${b.vcpu} vCPU and ${b.memoryGiB} GiB; Graviton runs Node.js at least as fast per vCPU for this kind of work (to be measured with the bench)`,
      ],
      tradeOff: `every image on these nodes must exist for arm64: the Titan image (Dockerfile, not built yet) and each chart's; one more architecture to build and test.${approved ? "" : ` ${to} is not on the approved list (infra/config.ts) yet.`}`,
      action: config,
    });
  };
  for (const group of resources.filter((r) => r.type === NODE_GROUP)) {
    const type = String(arr(group.inputs.instanceTypes)[0]);
    findings.push(move(group.name, type, usage.nodes?.averageCount ?? num(at(group.inputs.scalingConfig, "desiredSize")) ?? 0, "Pulumi.<stack>.yaml titan:cluster.nodeInstanceTypes"));
  }
  for (const instance of resources.filter((r) => r.type === "aws:ec2/instance:Instance")) {
    findings.push(move(instance.name, str(instance.inputs.instanceType) ?? "", 1, "Pulumi.<stack>.yaml titan:adminHostInstanceType"));
  }
  return merge(...findings);
};

export const commitments: Recommender = ({ resources }) => {
  const findings: Findings[] = [];
  const groups = resources.filter((r) => r.type === NODE_GROUP);
  const baseline = groups.reduce((s, g) => s + (num(at(g.inputs.scalingConfig, "minSize")) ?? 0) * ec2Class(String(arr(g.inputs.instanceTypes)[0])).hourly.usd, 0);
  if (baseline > 0) {
    const d = DISCOUNTS.computeSavingsPlan1y;
    findings.push(recommend({
      id: "savings-plan-nodes",
      kind: "commitment",
      title: `Compute Savings Plan for the node baseline (${rate(baseline * (1 - d.ratio))}/h committed)`,
      resources: groups.map((g) => g.name),
      monthlySavingUsd: baseline * d.ratio * HOURS_PER_MONTH,
      assumptions: [`the node groups' minimum size runs all month: ${rate(baseline)}/h on-demand`, discountNote(d), "nodes the autoscaler adds above the minimum stay on-demand"],
      tradeOff: "a one-year commitment paid whether the nodes run or not; it follows instance family, size and region changes (a Compute plan), so a Graviton move keeps it",
      action: "AWS Billing: purchase a Compute Savings Plan (not in the Pulumi program)",
    }));
  }
  for (const db of resources.filter((r) => r.type === "aws:rds/instance:Instance")) {
    const cls = str(db.inputs.instanceClass) ?? "";
    const copies = db.inputs.multiAz === true ? 2 : 1;
    const hourly = rdsClass(cls).hourly.usd * copies;
    const d = DISCOUNTS.rdsReserved1y;
    findings.push(recommend({
      id: `reserved-${db.name}`,
      kind: "commitment",
      title: `Reserve ${db.name} (${cls}${copies === 2 ? ", Multi-AZ" : ""}) for a year`,
      resources: [db.name],
      monthlySavingUsd: hourly * d.ratio * HOURS_PER_MONTH,
      assumptions: [priceNote(`${cls} × ${copies}`, { ...rdsClass(cls).hourly, usd: hourly }), discountNote(d), "the instance runs all year in this region and class family"],
      tradeOff: "paid for a year even if the database is resized out of its family or removed; size-flexible within the db.m6g family",
      action: "AWS Billing: purchase an RDS reserved instance (not in the Pulumi program)",
    }));
  }
  for (const group of resources.filter((r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup")) {
    const type = str(group.inputs.nodeType) ?? "";
    const nodes = num(group.inputs.numCacheClusters) ?? 1;
    const d = DISCOUNTS.elasticacheReserved1y;
    findings.push(recommend({
      id: `reserved-${group.name}`,
      kind: "commitment",
      title: `Reserve the ${nodes} ${type} nodes of ${group.name} for a year`,
      resources: [group.name],
      monthlySavingUsd: nodes * cacheClass(type).hourly.usd * d.ratio * HOURS_PER_MONTH,
      assumptions: [priceNote(type, cacheClass(type).hourly), discountNote(d), `${nodes} nodes all year`],
      tradeOff: "paid for a year; a move to another node family (say m7g) loses it",
      action: "AWS Billing: purchase ElastiCache reserved nodes (not in the Pulumi program)",
    }));
  }
  return merge(...findings);
};

/** Spot for the nightly job: a saving only when the job needs capacity the on-demand nodes do not have. */
export const spotForJobs: Recommender = ({ estimate, resources }) => {
  const jobs = estimate.requests.filter((q) => q.dutyCycle < 1);
  if (jobs.length === 0) return none;
  const d = DISCOUNTS.spot;
  const findings: Findings[] = [];
  for (const job of jobs) {
    const name = job.service ?? job.workload;
    const hoursPerMonth = job.dutyCycle * 24 * DAYS_PER_MONTH;
    const base = [`the job runs ${(job.dutyCycle * 24).toFixed(1)} h a day (usage jobs.${name}.runHoursPerDay): ${hoursPerMonth.toFixed(1)} h a month`, discountNote(d)];
    if (!estimate.allocation.capacity) {
      // A borrowed cluster: the job's requested capacity is what it costs.
      const cost = estimate.resources.find((c) => c.urn === job.urn)?.monthlyUsd ?? 0;
      findings.push(recommend({
        id: `spot-${name}`, kind: "spot", title: `Run ${name} on spot capacity of the host cluster`, resources: [name],
        monthlySavingUsd: cost * d.ratio, assumptions: [...base, `its requested capacity costs ${usd(cost)} a month on-demand`, "the host cluster offers a spot node pool"],
        tradeOff: "a spot reclaim kills a run midway: the job must be safe to rerun (it is idempotent per night) and may finish late", action: "host cluster: nodeSelector/toleration for its spot pool on the CronJob",
      }));
      continue;
    }
    const always = estimate.requests.filter((q) => q.dutyCycle === 1);
    const cap = estimate.allocation.capacity;
    const freeCpu = cap.vcpu - always.reduce((s, q) => s + q.cpuCores * q.replicas, 0);
    const freeMemory = cap.memoryGiB - always.reduce((s, q) => s + q.memoryGiB * q.replicas, 0);
    const group = resources.find((r) => r.type === NODE_GROUP);
    const type = String(arr(group?.inputs.instanceTypes)[0]);
    const fits = job.cpuCores <= freeCpu && job.memoryGiB <= freeMemory;
    const assumptions = [...base, `the node group has ${freeCpu.toFixed(2)} vCPU and ${freeMemory.toFixed(2)} GiB not requested by always-on pods (charts without requests count nothing), the job asks ${job.cpuCores} vCPU and ${job.memoryGiB.toFixed(2)} GiB`];
    if (fits) {
      findings.push(consider({
        id: `spot-${name}`, kind: "spot", title: `Run ${name} on spot capacity`,
        why: `it fits in the on-demand nodes' idle capacity, so it costs nothing extra today; a spot node for it would add about ${usd(ec2Class(type).hourly.usd * (1 - d.ratio) * hoursPerMonth)} a month`,
        assumptions,
      }));
      continue;
    }
    findings.push(recommend({
      id: `spot-${name}`, kind: "spot", title: `Give ${name} a spot node group (min 0) instead of growing the on-demand nodes`, resources: [name],
      monthlySavingUsd: ec2Class(type).hourly.usd * d.ratio * hoursPerMonth,
      assumptions: [...assumptions, `it does not fit, so each run adds one on-demand ${type} for its duration`],
      tradeOff: "a spot reclaim kills a run midway: the job must be safe to rerun and may finish late; one more node group to run",
      action: "infra/aws/cluster.ts: a second node group with capacityType SPOT, a taint, and a toleration on the CronJob",
    }));
  }
  return merge(...findings);
};
