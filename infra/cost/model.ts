// The estimator's vocabulary: a cost line (quantity × unit price), a resource's cost, the pods'
// requested capacity, and the graph lookups every pricing rule shares. Plain data, no I/O.
import type { GraphResource, Json } from "../synth/graph.js";
import { HOURS_PER_MONTH, type Price } from "./prices.js";
import type { Usage } from "./usage.js";

export interface CostLine {
  readonly what: string;
  readonly quantity: number;
  /** The unit of `quantity`, the same as the price's. */
  readonly unit: string;
  readonly unitUsd: number;
  readonly priceKey: string;
  readonly verified: boolean;
  readonly monthlyUsd: number;
  /** The usage-file path the quantity comes from, when it does. */
  readonly usagePath?: string;
}

export interface ResourceCost {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Name of the top-level component the resource sits under, or "(stack)". */
  readonly component: string;
  readonly lines: readonly CostLine[];
  readonly monthlyUsd: number;
  /** Why the resource costs nothing itself (free type, or priced elsewhere). */
  readonly zeroReason?: string;
}

/** Capacity a workload asks the scheduler for: what the node price is shared by. */
export interface PodRequest {
  readonly urn: string;
  readonly workload: string;
  /** The Titan service it runs, or undefined for the platform (charts, data services). */
  readonly service: string | undefined;
  readonly cpuCores: number;
  readonly memoryGiB: number;
  readonly replicas: number;
  /** Share of the month the pods exist: 1 for Deployments, run hours / 24 for a daily CronJob. */
  readonly dutyCycle: number;
}

export const round2 = (usd: number): number => Math.round(usd * 100) / 100;

/** A line from a quantity in the price's own unit (request counts already divided into "1k requests" and the like). */
export function line(what: string, quantity: number, price: Price, priceKey: string, usagePath?: string): CostLine {
  if (!Number.isFinite(quantity) || quantity < 0) throw new Error(`cost line '${what}': quantity must be a number >= 0, got ${quantity}`);
  return {
    what,
    quantity,
    unit: price.unit,
    unitUsd: price.usd,
    priceKey,
    verified: price.verified,
    monthlyUsd: quantity * price.usd,
    ...(usagePath ? { usagePath } : {}),
  };
}

/** `count` of something billed by the hour, all month. */
export const hourly = (what: string, count: number, price: Price, priceKey: string, hours = HOURS_PER_MONTH): CostLine => line(`${what} (${count} × ${hours} h)`, count * hours, price, priceKey);

export const str = (value: Json | undefined): string | undefined => (typeof value === "string" ? value : undefined);
export const num = (value: Json | undefined): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : undefined);
export const obj = (value: Json | undefined): { readonly [key: string]: Json } => (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {});
export const arr = (value: Json | undefined): readonly Json[] => (Array.isArray(value) ? value : []);
/** A nested value by path: at(values, "controller", "service", "type"). */
export const at = (value: Json | undefined, ...path: string[]): Json | undefined => path.reduce<Json | undefined>((v, key) => (v !== null && typeof v === "object" && !Array.isArray(v) ? v[key] : undefined), value);

/** The resource graph with the lookups rules need. */
export class Graph {
  readonly byUrn: ReadonlyMap<string, GraphResource>;

  constructor(readonly resources: readonly GraphResource[]) {
    this.byUrn = new Map(resources.map((r) => [r.urn, r]));
  }

  ofType(type: string): GraphResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The top-level component a resource belongs to (its own name when it is one), "(stack)" otherwise. */
  componentOf(r: GraphResource): string {
    let current = r;
    while (current.parent !== undefined && this.byUrn.has(current.parent)) current = this.byUrn.get(current.parent) as GraphResource;
    return current === r && r.custom ? "(stack)" : current.name;
  }

  /** Whether the stack owns its Kubernetes nodes (a managed node group) or borrows a cluster's. */
  ownsNodes(): boolean {
    return this.resources.some((r) => r.type === NODE_GROUP);
  }
}

export const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

/** What every pricing rule receives. */
export interface RuleContext {
  readonly graph: Graph;
  readonly usage: Usage;
  /** A usage figure the file does not give: the line is priced at zero usage and the gap is reported. */
  gap(path: string): void;
  note(text: string): void;
}

/** The figure at `path` of the usage file, or 0 with the gap recorded. */
export function usageFigure(ctx: RuleContext, path: string, value: number | undefined): number {
  if (value === undefined) {
    ctx.gap(path);
    return 0;
  }
  return value;
}

export interface Priced {
  readonly lines: readonly CostLine[];
  /** For a resource with no line: why it costs nothing itself. */
  readonly zeroReason?: string;
}

export type Rule = (r: GraphResource, ctx: RuleContext) => Priced;
