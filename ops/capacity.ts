// Capacity: the seed's scaling triggers ("Resource Scaling Triggers"), its minimum host, and the
// per-service resources the workloads request. Autoscaling, PDBs, requests and limits read these.
import type { ServiceName } from "./services.js";
import { type Provenance, HOUR_SECONDS, MINUTE_SECONDS, decision, design, seed } from "./provenance.js";

export interface ScalingTrigger {
  /** Utilisation as a ratio 0..1. */
  readonly ratio: number;
  /** How long the condition must hold, in seconds. */
  readonly sustainedSeconds: number;
  readonly provenance: Provenance;
}

const TRIGGERS = "Capacity Planning: Resource Scaling Triggers";

export const SCALING_TRIGGERS = {
  cpu: {
    scaleUp: { ratio: 0.7, sustainedSeconds: 15 * MINUTE_SECONDS, provenance: seed(`${TRIGGERS}: CPU scale up >70% for 15 minutes`) },
    scaleDown: { ratio: 0.3, sustainedSeconds: HOUR_SECONDS, provenance: seed(`${TRIGGERS}: CPU scale down <30% for 1 hour`) },
  },
  memory: {
    scaleUp: { ratio: 0.8, sustainedSeconds: 5 * MINUTE_SECONDS, provenance: seed(`${TRIGGERS}: Memory scale up >80% for 5 minutes`) },
    scaleDown: { ratio: 0.5, sustainedSeconds: 2 * HOUR_SECONDS, provenance: seed(`${TRIGGERS}: Memory scale down <50% for 2 hours`) },
  },
  network: {
    scaleUp: { ratio: 0.8, sustainedSeconds: 10 * MINUTE_SECONDS, provenance: seed(`${TRIGGERS}: Network scale up >80% bandwidth for 10 minutes`) },
  },
  storage: {
    /** Free space below this raises an alert. */
    alertFreeRatio: { ratio: 0.2, sustainedSeconds: 0, provenance: seed(`${TRIGGERS}: Storage alert <20% free space`) },
    /** Free space below this grows the volume. */
    scaleUpFreeRatio: { ratio: 0.1, sustainedSeconds: 0, provenance: seed(`${TRIGGERS}: Storage scale up <10% free space`) },
  },
} as const satisfies Record<string, Record<string, ScalingTrigger>>;

/** The seed's smallest host for the whole system ("Infrastructure Requirements"). */
export const MINIMUM_HOST = { cpuCores: 4, memoryGiB: 8, diskGiB: 100, provenance: seed("Prerequisites: Minimum 4 CPU cores, 8GB RAM, 100GB SSD") } as const;

export interface ServiceCapacity {
  /** Requests are what the scheduler reserves; limits what the container may use. */
  readonly cpuRequestMillicores: number;
  readonly cpuLimitMillicores: number;
  readonly memoryRequestMiB: number;
  readonly memoryLimitMiB: number;
  /** Single-writer services run one active replica (leader election); the rest scale out. */
  readonly scaling: { readonly kind: "single-writer" } | { readonly kind: "horizontal"; readonly minReplicas: number; readonly maxReplicas: number } | { readonly kind: "job" };
  /** Pods that may be unavailable during voluntary disruption (PDB). */
  readonly maxUnavailable: number;
  readonly provenance: Provenance;
}

const SIZING = decision("sized from measured idle RSS (~100–150 MB) with room for load; DESIGN targets ≤150 MB idle");

export const SERVICE_CAPACITY: Readonly<Record<ServiceName, ServiceCapacity>> = {
  brain: { cpuRequestMillicores: 500, cpuLimitMillicores: 1000, memoryRequestMiB: 256, memoryLimitMiB: 512, scaling: { kind: "single-writer" }, maxUnavailable: 0, provenance: SIZING },
  execution: { cpuRequestMillicores: 500, cpuLimitMillicores: 1000, memoryRequestMiB: 384, memoryLimitMiB: 768, scaling: { kind: "single-writer" }, maxUnavailable: 0, provenance: SIZING },
  console: { cpuRequestMillicores: 250, cpuLimitMillicores: 1000, memoryRequestMiB: 256, memoryLimitMiB: 512, scaling: { kind: "horizontal", minReplicas: 2, maxReplicas: 6 }, maxUnavailable: 1, provenance: SIZING },
  scavenger: { cpuRequestMillicores: 500, cpuLimitMillicores: 1000, memoryRequestMiB: 256, memoryLimitMiB: 512, scaling: { kind: "single-writer" }, maxUnavailable: 0, provenance: SIZING },
  "ai-quant": { cpuRequestMillicores: 1000, cpuLimitMillicores: 2000, memoryRequestMiB: 1024, memoryLimitMiB: 2048, scaling: { kind: "job" }, maxUnavailable: 0, provenance: SIZING },
};

/** Resident memory budgets from the original runbook (DESIGN.md, performance targets) and our idle target. */
export const MEMORY_BUDGETS = {
  idleTargetMiB: { value: 150, provenance: design("Performance targets: service memory (RSS, idle) ≤ 150 MB each") },
  brainMaxMiB: { value: 200, provenance: design("Performance targets: the original's runbook budgeted brain < 200 MB") },
  executionMaxMiB: { value: 300, provenance: design("Performance targets: the original's runbook budgeted execution < 300 MB") },
} as const;
