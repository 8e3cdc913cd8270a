// Pricing rules for Kubernetes objects that cost money: volumes (claims, StatefulSet templates,
// CloudNativePG clusters, chart persistence), load balancers (LoadBalancer Services, ingress charts),
// and the capacity pods request. On a stack with its own node group the nodes are priced there and
// pods only share them (allocation.ts); on a stack that borrows a cluster (dev) the requested capacity
// itself is priced at the per-vCPU and per-GiB rates of prices.ts.
import { SERVICE_NAMES } from "../../../ops/index.js";
import type { GraphResource, Json } from "../../synth/graph.js";
import { type CostLine, type PodRequest, type Rule, type RuleContext, arr, at, hourly, line, num, obj, str, usageFigure } from "../model.js";
import { HOURS_PER_MONTH, PRICES, capacityRates, type Price } from "../prices.js";
import { cpuCores, gibibytes } from "../quantities.js";
import { chartCost, type ChartLoadBalancer } from "./charts.js";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const WORKLOAD_KINDS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:Job"];
const CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const LB_TYPE_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-type";
const DAILY = /^\d{1,2} \d{1,2} \* \* \*$/;

/** The Titan service a workload runs, from its labels; undefined for everything else. */
function serviceOf(r: GraphResource): string | undefined {
  const labels = obj(at(r.inputs, "metadata", "labels"));
  const name = str(labels["app.kubernetes.io/name"]);
  return labels["app.kubernetes.io/part-of"] === "titan" && name !== undefined && (SERVICE_NAMES as readonly string[]).includes(name) ? name : undefined;
}

/** Sum of the containers' requests of a pod spec. */
function podSpecRequests(podSpec: Json | undefined, where: string): { cpuCores: number; memoryGiB: number } {
  let cpu = 0;
  let memory = 0;
  for (const container of arr(at(podSpec, "containers"))) {
    const requests = at(container, "resources", "requests");
    if (at(requests, "cpu") !== undefined) cpu += cpuCores(at(requests, "cpu"), `${where} cpu request`);
    if (at(requests, "memory") !== undefined) memory += gibibytes(at(requests, "memory"), `${where} memory request`);
  }
  return { cpuCores: cpu, memoryGiB: memory };
}

/** Share of the month a CronJob's pods exist: runs per day × hours per run / 24. */
function cronDutyCycle(r: GraphResource, ctx: RuleContext, service: string | undefined): number {
  const schedule = str(at(r.inputs, "spec", "schedule")) ?? "";
  if (!DAILY.test(schedule)) throw new Error(`${r.name}: cannot tell how often '${schedule}' runs; the estimator knows daily schedules ('M H * * *')`);
  const key = service ?? r.name;
  const hours = usageFigure(ctx, `jobs.${key}.runHoursPerDay`, ctx.usage.jobs?.[key]?.runHoursPerDay);
  if (hours > 24) throw new Error(`jobs.${key}.runHoursPerDay: ${hours} is more than a day`);
  return hours / 24;
}

/** The capacity a resource's pods request (several for a Helm release). */
export function requestsOf(r: GraphResource, ctx: RuleContext): { readonly requests: PodRequest[]; readonly withoutRequests: string[] } {
  const service = serviceOf(r);
  const base = { urn: r.urn, service };
  if (WORKLOAD_KINDS.includes(r.type)) {
    const cron = r.type === "kubernetes:batch/v1:CronJob";
    const podSpec = cron ? at(r.inputs, "spec", "jobTemplate", "spec", "template", "spec") : at(r.inputs, "spec", "template", "spec");
    const sum = podSpecRequests(podSpec, r.name);
    const replicas = r.type === "kubernetes:apps/v1:DaemonSet" ? usageFigure(ctx, "nodes.averageCount", ctx.usage.nodes?.averageCount) : (num(at(r.inputs, "spec", "replicas")) ?? 1);
    const request: PodRequest = { ...base, workload: r.name, ...sum, replicas, dutyCycle: cron ? cronDutyCycle(r, ctx, service) : 1 };
    return sum.cpuCores === 0 && sum.memoryGiB === 0 ? { requests: [], withoutRequests: [r.name] } : { requests: [request], withoutRequests: [] };
  }
  if (r.type === CNPG_CLUSTER) {
    const requests = at(r.inputs, "spec", "resources", "requests");
    const instances = num(at(r.inputs, "spec", "instances")) ?? 1;
    if (requests === undefined) return { requests: [], withoutRequests: [r.name] };
    return {
      requests: [{ ...base, workload: r.name, cpuCores: cpuCores(at(requests, "cpu") ?? "0"), memoryGiB: gibibytes(at(requests, "memory") ?? "0"), replicas: instances, dutyCycle: 1 }],
      withoutRequests: [],
    };
  }
  if (r.type === HELM_RELEASE) {
    const cost = chartCost(str(r.inputs.chart) ?? "", r.inputs.values, r.name);
    return {
      requests: cost.requests.map((c) => ({ urn: r.urn, service: undefined, workload: `${r.name}/${c.workload}`, cpuCores: c.cpuCores, memoryGiB: c.memoryGiB, replicas: c.replicas, dutyCycle: 1 })),
      withoutRequests: cost.withoutRequests.map((w) => `${r.name}/${w}`),
    };
  }
  return { requests: [], withoutRequests: [] };
}

const rates = capacityRates();
const rate = (usd: number, unit: "vCPU-hour" | "GiB-hour", what: string): Price => ({ usd, unit, what, source: `derived: ${rates.derivedFrom}`, checked: PRICES["ebs.gp3"].checked, verified: true });
const VCPU_HOUR = rate(rates.vcpuHourUsd, "vCPU-hour", "vCPU-hour of requested capacity");
const GIB_HOUR = rate(rates.gibHourUsd, "GiB-hour", "GiB-hour of requested memory");

/** Requested capacity priced as such: only on a stack that borrows its cluster. */
function capacityLines(requests: readonly PodRequest[]): CostLine[] {
  return requests.flatMap((q) => {
    const hours = q.replicas * q.dutyCycle * HOURS_PER_MONTH;
    const label = `${q.workload}: ${q.replicas} × ${round(q.cpuCores)} vCPU, ${round(q.memoryGiB)} GiB${q.dutyCycle < 1 ? `, ${round(q.dutyCycle * 24)} h a day` : ""}`;
    return [
      ...(q.cpuCores > 0 ? [line(`${label} (CPU)`, q.cpuCores * hours, VCPU_HOUR, "capacity.vcpu")] : []),
      ...(q.memoryGiB > 0 ? [line(`${label} (memory)`, q.memoryGiB * hours, GIB_HOUR, "capacity.gib")] : []),
    ];
  });
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

const volumeLine = (what: string, gib: number): CostLine => line(`${what}: ${round(gib)} GiB gp3`, gib, PRICES["ebs.gp3"], "ebs.gp3");

/** A load balancer the cluster creates for a Service: NLB through the AWS Load Balancer Controller's annotation, else a Classic LB. */
function loadBalancerLines(r: GraphResource, lb: ChartLoadBalancer, ctx: RuleContext): CostLine[] {
  const u = ctx.usage.loadBalancers?.[r.name];
  const path = `loadBalancers.${r.name}`;
  let kind: "nlb" | "clb" | "none";
  if (ctx.graph.ownsNodes()) kind = ["external", "nlb", "nlb-ip"].includes(str(lb.annotations[LB_TYPE_ANNOTATION]) ?? "") ? "nlb" : "clb";
  else {
    const host = ctx.usage.hostCluster?.loadBalancer;
    if (host === undefined) ctx.gap("hostCluster.loadBalancer");
    kind = host ?? "none";
  }
  if (kind === "none") return [];
  if (kind === "nlb") {
    const units = usageFigure(ctx, `${path}.capacityUnitsPerHour`, u?.capacityUnitsPerHour);
    return [hourly(`Network Load Balancer for the ${lb.what}`, 1, PRICES["nlb.hour"], "nlb.hour"), line(`NLCU-hours (${units} on average)`, units * HOURS_PER_MONTH, PRICES["nlb.nlcu"], "nlb.nlcu", `${path}.capacityUnitsPerHour`)];
  }
  const gib = usageFigure(ctx, `${path}.processedGiBPerMonth`, u?.processedGiBPerMonth);
  return [hourly(`Classic Load Balancer for the ${lb.what}`, 1, PRICES["clb.hour"], "clb.hour"), line("data processed", gib, PRICES["clb.processed"], "clb.processed", `${path}.processedGiBPerMonth`)];
}

const ON_NODES = "its pods run on the stack's node group, priced there; their requests share it (per-service view)";

/** Deployments, StatefulSets, CronJobs, CloudNativePG clusters: capacity (dev) and volumes. */
const workload: Rule = (r, ctx) => {
  const { requests, withoutRequests } = requestsOf(r, ctx);
  if (withoutRequests.length > 0) ctx.note(`${withoutRequests.join(", ")}: no resource requests declared, so no capacity counted`);
  const lines = ctx.graph.ownsNodes() ? [] : capacityLines(requests);
  const replicas = num(at(r.inputs, "spec", r.type === CNPG_CLUSTER ? "instances" : "replicas")) ?? 1;
  if (r.type === CNPG_CLUSTER) {
    for (const key of ["storage", "walStorage"]) {
      const size = at(r.inputs, "spec", key, "size");
      if (size !== undefined) lines.push(volumeLine(`${key} (${replicas} × ${String(size)})`, replicas * gibibytes(size)));
    }
  }
  for (const template of arr(at(r.inputs, "spec", "volumeClaimTemplates"))) {
    const size = at(template, "spec", "resources", "requests", "storage");
    lines.push(volumeLine(`claim template ${str(at(template, "metadata", "name")) ?? "?"} (${replicas} × ${String(size)})`, replicas * gibibytes(size)));
  }
  return lines.length > 0 ? { lines } : { lines, zeroReason: ctx.graph.ownsNodes() ? ON_NODES : "declares no requests or volumes" };
};

const claim: Rule = (r) => {
  const size = at(r.inputs, "spec", "resources", "requests", "storage");
  return { lines: [volumeLine(`claim ${str(at(r.inputs, "metadata", "name")) ?? r.name} (${String(size)})`, gibibytes(size, `${r.name} storage`))] };
};

const service: Rule = (r, ctx) => {
  if (str(at(r.inputs, "spec", "type")) !== "LoadBalancer") return { lines: [], zeroReason: "a ClusterIP Service: no cloud resource" };
  return { lines: loadBalancerLines(r, { what: `Service ${r.name}`, annotations: obj(at(r.inputs, "metadata", "annotations")) }, ctx) };
};

const helmRelease: Rule = (r, ctx) => {
  const chart = str(r.inputs.chart) ?? "";
  const cost = chartCost(chart, r.inputs.values, r.name);
  const { requests, withoutRequests } = requestsOf(r, ctx);
  if (withoutRequests.length > 0) ctx.note(`${withoutRequests.join(", ")}: the chart's values declare no requests, so no capacity counted`);
  const lines = [
    ...(ctx.graph.ownsNodes() ? [] : capacityLines(requests)),
    ...cost.volumes.map((v) => volumeLine(v.what, v.gib)),
    ...cost.loadBalancers.flatMap((lb) => loadBalancerLines(r, lb, ctx)),
  ];
  return lines.length > 0 ? { lines } : { lines, zeroReason: ctx.graph.ownsNodes() ? `chart ${chart}: ${ON_NODES}` : `chart ${chart}: no volumes, no load balancer, no declared requests` };
};

export const KUBERNETES_RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(WORKLOAD_KINDS.map((kind) => [kind, workload])),
  [CNPG_CLUSTER]: workload,
  "kubernetes:core/v1:PersistentVolumeClaim": claim,
  "kubernetes:core/v1:Service": service,
  [HELM_RELEASE]: helmRelease,
};

/** Pods' requests across the graph, for the per-service allocation. */
export function allRequests(resources: readonly GraphResource[], ctx: RuleContext): PodRequest[] {
  return resources.filter((r) => WORKLOAD_KINDS.includes(r.type) || r.type === CNPG_CLUSTER || r.type === HELM_RELEASE).flatMap((r) => requestsOf(r, ctx).requests);
}
