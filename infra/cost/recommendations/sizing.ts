// Right-sizing: each service's requests against its observed p95 use per pod (Prometheus, or a saved
// answer) and against the VerticalPodAutoscaler's target. A request sized from the p95 keeps that use
// just under ops/' scale-up trigger, so the autoscaling rules and the request agree.
import { SCALING_TRIGGERS, SERVICE_NAMES } from "../../../ops/index.js";
import type { Estimate } from "../estimate.js";
import type { PodRequest } from "../model.js";
import { BYTES_PER_GIB } from "../quantities.js";
import { HOURS_PER_MONTH, capacityRates } from "../prices.js";
import { type Findings, type RecommendationKind, type Recommender, consider, merge, none, rate, recommend, usd, worthIt } from "./types.js";

const MIB = 2 ** 20;
/** Requests are rounded up to these steps, so a recommendation reads like something a person would write. */
const CPU_STEP_CORES = 0.01;
const MEMORY_STEP_MIB = 16;

const roundUp = (value: number, step: number) => Math.ceil(value / step - 1e-9) * step;

interface Target {
  readonly cpuCores: number;
  readonly memoryGiB: number;
  readonly basis: string;
}

/** What the freed capacity is worth, and when it becomes cash. */
function cashNote(estimate: Estimate): string {
  const cap = estimate.allocation.capacity;
  if (!cap) return "on a borrowed cluster the requested capacity is what the stack pays for, so the saving is cash";
  return `valued at the node price per requested vCPU and GiB; it becomes cash when the freed capacity lets the cluster autoscaler run fewer nodes (today ${cap.vcpu} vCPU / ${cap.memoryGiB} GiB of nodes, ${usd(estimate.allocation.unallocatedUsd)} a month of it unrequested)`;
}

function sizeService(kind: RecommendationKind, estimate: Estimate, service: string, pod: PodRequest, target: Target): Findings {
  const rates = capacityRates();
  const cpu = roundUp(target.cpuCores, CPU_STEP_CORES);
  const memoryMiB = roundUp((target.memoryGiB * BYTES_PER_GIB) / MIB, MEMORY_STEP_MIB);
  const currentMiB = (pod.memoryGiB * BYTES_PER_GIB) / MIB;
  const deltaUsd = pod.replicas * HOURS_PER_MONTH * ((pod.cpuCores - cpu) * rates.vcpuHourUsd + ((currentMiB - memoryMiB) * MIB / BYTES_PER_GIB) * rates.gibHourUsd);
  const change = `cpu ${Math.round(pod.cpuCores * 1000)}m → ${Math.round(cpu * 1000)}m, memory ${Math.round(currentMiB)}Mi → ${memoryMiB}Mi`;
  const assumptions = [
    target.basis,
    `${pod.replicas} replica${pod.replicas === 1 ? "" : "s"} (the minimum; autoscaled replicas scale the saving)`,
    `vCPU ${rate(rates.vcpuHourUsd)}/h and GiB ${rate(rates.gibHourUsd)}/h, ${rates.derivedFrom}`,
    cashNote(estimate),
  ];
  const id = `${kind}-${service}`;
  if (!worthIt(deltaUsd)) {
    return consider({ id, kind, title: `${service}: ${change}`, why: deltaUsd < 0 ? `the requests are below what it uses: raising them costs ${usd(-deltaUsd)} a month and avoids throttling and OOM kills` : "the requests already match its use", assumptions });
  }
  return recommend({
    id, kind, title: `Right-size ${service}: ${change}`, resources: [service], monthlySavingUsd: deltaUsd, assumptions,
    tradeOff: "less headroom for a burst before the autoscaling triggers act; a single-writer service (no replicas to add) is throttled or OOM-killed instead, so keep the limits and watch the capacity dashboard after the change",
    action: `ops/capacity.ts SERVICE_CAPACITY.${service}: cpuRequestMillicores ${Math.round(cpu * 1000)}, memoryRequestMiB ${memoryMiB}`,
  });
}

/** The always-on request of a service's pod (jobs are sized by their own run, not a steady p95). */
const steadyPod = (estimate: Estimate, service: string): PodRequest | undefined => estimate.requests.find((q) => q.service === service && q.dutyCycle === 1);

export const rightSizing: Recommender = ({ estimate, observed }) => {
  if (!observed) return none;
  const cpuTrigger = SCALING_TRIGGERS.cpu.scaleUp.ratio;
  const memoryTrigger = SCALING_TRIGGERS.memory.scaleUp.ratio;
  return merge(
    ...SERVICE_NAMES.map((service) => {
      const pod = steadyPod(estimate, service);
      if (!pod) return none;
      const use = observed.services[service];
      if (use?.cpuCoresP95 === undefined || use.memoryBytesP95 === undefined) {
        return consider({ id: `rightsizing-${service}`, kind: "rightsizing", title: `${service}: no observed use`, why: `${observed.source} has no CPU or memory series for it over ${observed.window}`, assumptions: [] });
      }
      return sizeService("rightsizing", estimate, service, pod, {
        cpuCores: use.cpuCoresP95 / cpuTrigger,
        memoryGiB: use.memoryBytesP95 / memoryTrigger / BYTES_PER_GIB,
        basis: `p95 per pod over ${observed.window} from ${observed.source}: ${(use.cpuCoresP95 * 1000).toFixed(1)}m CPU, ${(use.memoryBytesP95 / MIB).toFixed(0)} MiB; requests set so that p95 sits at the scale-up triggers of ops/ (CPU ${cpuTrigger * 100} %, memory ${memoryTrigger * 100} %)`,
      });
    }),
  );
};

export const vpaTargets: Recommender = ({ estimate, vpa }) => {
  if (!vpa) return none;
  return merge(
    ...SERVICE_NAMES.map((service) => {
      const pod = steadyPod(estimate, service);
      const targets = vpa.filter((t) => t.workload === service);
      if (!pod || targets.length === 0) return none;
      const cpuCores = targets.reduce((s, t) => s + t.cpuCores, 0);
      const memoryGiB = targets.reduce((s, t) => s + t.memoryBytes, 0) / BYTES_PER_GIB;
      return sizeService("vpa", estimate, service, pod, { cpuCores, memoryGiB, basis: `the VPA recommender's target for ${service}: ${(cpuCores * 1000).toFixed(0)}m CPU, ${(memoryGiB * 1024).toFixed(0)} MiB (its own margin included)` });
    }),
  );
};
