// Per-service cost: each Titan service's share of the node capacity its pods request. A node's price
// is split into a CPU part and a memory part at the rates of prices.ts (capacityRates); a pod pays for
// the fraction of each it requests, times the share of the month it exists. What the platform's pods
// request is "platform"; what nobody requests is "unallocated" (headroom, per-AZ spread, daemons).
import { SERVICE_NAMES } from "../../ops/index.js";
import { type Graph, type PodRequest, type ResourceCost, NODE_GROUP, arr, at, num } from "./model.js";
import { HOURS_PER_MONTH, capacityRates, ec2Class } from "./prices.js";

export interface ServiceCost {
  readonly service: string;
  /** Requested vCPU and GiB, replicas and duty cycle included (a monthly average). */
  readonly cpuCores: number;
  readonly memoryGiB: number;
  /** Fraction of the node capacity's price (0..1); of the requested-capacity total on a borrowed cluster. */
  readonly share: number;
  readonly monthlyUsd: number;
}

export interface Allocation {
  /** "node group": shares of the stack's nodes; "requested capacity": the borrowed cluster's capacity priced per request. */
  readonly basis: "node group" | "requested capacity";
  readonly capacityMonthlyUsd: number;
  readonly capacity: { readonly vcpu: number; readonly memoryGiB: number } | undefined;
  readonly services: readonly ServiceCost[];
  readonly platformUsd: number;
  readonly unallocatedUsd: number;
}

const average = (q: PodRequest) => ({ cpu: q.cpuCores * q.replicas * q.dutyCycle, memory: q.memoryGiB * q.replicas * q.dutyCycle });

function nodeCapacity(graph: Graph, averageCount: number | undefined): { vcpu: number; memoryGiB: number; cpuWeight: number } {
  const rates = capacityRates();
  let vcpu = 0;
  let memoryGiB = 0;
  for (const group of graph.ofType(NODE_GROUP)) {
    const spec = ec2Class(String(arr(group.inputs.instanceTypes)[0]));
    const count = averageCount ?? num(at(group.inputs.scalingConfig, "desiredSize")) ?? 0;
    vcpu += spec.vcpu * count;
    memoryGiB += spec.memoryGiB * count;
  }
  const cpuUsd = vcpu * rates.vcpuHourUsd;
  const memoryUsd = memoryGiB * rates.gibHourUsd;
  return { vcpu, memoryGiB, cpuWeight: cpuUsd + memoryUsd === 0 ? 0.5 : cpuUsd / (cpuUsd + memoryUsd) };
}

export function allocate(graph: Graph, costs: readonly ResourceCost[], requests: readonly PodRequest[], averageCount: number | undefined): Allocation {
  const sumBy = (pick: (q: PodRequest) => boolean, f: (q: PodRequest) => number) => requests.filter(pick).reduce((s, q) => s + f(q), 0);
  const isService = (service: string) => (q: PodRequest) => q.service === service;
  const totals = (pick: (q: PodRequest) => boolean) => ({ cpu: sumBy(pick, (q) => average(q).cpu), memory: sumBy(pick, (q) => average(q).memory) });

  if (graph.ownsNodes()) {
    const capacityMonthlyUsd = costs.filter((c) => c.type === NODE_GROUP).reduce((s, c) => s + c.monthlyUsd, 0);
    const { vcpu, memoryGiB, cpuWeight } = nodeCapacity(graph, averageCount);
    const costOf = (t: { cpu: number; memory: number }) => capacityMonthlyUsd * (cpuWeight * (vcpu ? t.cpu / vcpu : 0) + (1 - cpuWeight) * (memoryGiB ? t.memory / memoryGiB : 0));
    const services = SERVICE_NAMES.map((service) => {
      const t = totals(isService(service));
      const monthlyUsd = costOf(t);
      return { service, cpuCores: t.cpu, memoryGiB: t.memory, share: capacityMonthlyUsd ? monthlyUsd / capacityMonthlyUsd : 0, monthlyUsd };
    });
    const platformUsd = costOf(totals((q) => q.service === undefined));
    const allocated = services.reduce((s, x) => s + x.monthlyUsd, 0) + platformUsd;
    return { basis: "node group", capacityMonthlyUsd, capacity: { vcpu, memoryGiB }, services, platformUsd, unallocatedUsd: capacityMonthlyUsd - allocated };
  }

  // A borrowed cluster: requested capacity is what the stack pays for, at the same rates its lines use.
  const rates = capacityRates();
  const usdOf = (pick: (q: PodRequest) => boolean) => {
    const t = totals(pick);
    return HOURS_PER_MONTH * (t.cpu * rates.vcpuHourUsd + t.memory * rates.gibHourUsd);
  };
  const capacityMonthlyUsd = usdOf(() => true);
  const services = SERVICE_NAMES.map((service) => {
    const t = totals(isService(service));
    const monthlyUsd = usdOf(isService(service));
    return { service, cpuCores: t.cpu, memoryGiB: t.memory, share: capacityMonthlyUsd ? monthlyUsd / capacityMonthlyUsd : 0, monthlyUsd };
  });
  return { basis: "requested capacity", capacityMonthlyUsd, capacity: undefined, services, platformUsd: usdOf((q) => q.service === undefined), unallocatedUsd: 0 };
}
