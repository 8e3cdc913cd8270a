// The estimator: a pure function from a synthesised resource graph and a usage file to the monthly
// cost of every resource, of every top-level component, and of every service by its share of the node
// capacity it requests. A resource with no price (unknown type, instance class, chart) stops it with
// the complete list; nothing is ever counted as zero for want of a price.
import type { GraphResource } from "../synth/graph.js";
import { allocate, type Allocation } from "./allocation.js";
import { Graph, type PodRequest, type Priced, type ResourceCost, type RuleContext } from "./model.js";
import { HOURS_PER_MONTH, PRICE_REGION } from "./prices.js";
import { AWS_RULES } from "./rules/aws.js";
import { FREE_TYPES } from "./rules/free.js";
import { KUBERNETES_RULES, allRequests } from "./rules/kubernetes.js";
import type { Usage } from "./usage.js";

export interface ComponentCost {
  readonly component: string;
  readonly monthlyUsd: number;
  readonly resources: number;
}

export interface Estimate {
  readonly stack: string;
  readonly currency: "USD";
  readonly priceRegion: string;
  readonly hoursPerMonth: number;
  readonly monthlyUsd: number;
  /** The part of the total priced with prices not verified (prices.ts). */
  readonly unverifiedMonthlyUsd: number;
  /** Every custom resource, by URN. */
  readonly resources: readonly ResourceCost[];
  /** Most expensive first. */
  readonly byComponent: readonly ComponentCost[];
  readonly allocation: Allocation;
  readonly requests: readonly PodRequest[];
  /** Usage-file figures the estimate needed and did not get (priced at zero usage). */
  readonly usageGaps: readonly string[];
  readonly notes: readonly string[];
}

export interface Unpriced {
  readonly type: string;
  readonly resource: string;
  readonly reason: string;
}

export class UnpricedResourceError extends Error {
  constructor(readonly stackName: string, readonly unpriced: readonly Unpriced[]) {
    super(`${stackName}: ${unpriced.length} resource${unpriced.length === 1 ? "" : "s"} cannot be priced (add a rule in infra/cost/rules/ or a price in infra/cost/prices.ts; never counted as zero):\n${unpriced.map((u) => `  ${u.type} ${u.resource}: ${u.reason}`).join("\n")}`);
    this.name = "UnpricedResourceError";
  }
}

export interface EstimateOptions {
  readonly stack: string;
  readonly usage: Usage;
}

const RULES = { ...AWS_RULES, ...KUBERNETES_RULES };

/** The rule or the free-type reason for a type; undefined when the estimator knows neither. */
export const isKnownType = (type: string): boolean => type in RULES || type in FREE_TYPES;

export function estimate(resources: readonly GraphResource[], opts: EstimateOptions): Estimate {
  const graph = new Graph(resources);
  const gaps = new Set<string>();
  const notes = new Set<string>();
  const ctx: RuleContext = { graph, usage: opts.usage, gap: (path) => gaps.add(path), note: (text) => notes.add(text) };
  const unpriced: Unpriced[] = [];
  const costs: ResourceCost[] = [];

  for (const r of resources) {
    if (!r.custom) continue; // components only group their children
    const rule = RULES[r.type];
    const free = FREE_TYPES[r.type];
    let priced: Priced;
    if (rule) {
      try {
        priced = rule(r, ctx);
      } catch (error) {
        unpriced.push({ type: r.type, resource: r.name, reason: (error as Error).message });
        continue;
      }
    } else if (free !== undefined) {
      priced = { lines: [], zeroReason: free };
    } else {
      unpriced.push({ type: r.type, resource: r.name, reason: "no pricing rule and not listed as free" });
      continue;
    }
    const monthlyUsd = priced.lines.reduce((s, l) => s + l.monthlyUsd, 0);
    costs.push({
      urn: r.urn, type: r.type, name: r.name, component: graph.componentOf(r), lines: priced.lines, monthlyUsd,
      ...(priced.lines.length === 0 ? { zeroReason: priced.zeroReason ?? "no cost lines" } : {}),
    });
  }

  let requests: PodRequest[] = [];
  try {
    requests = allRequests(resources, ctx);
  } catch (error) {
    unpriced.push({ type: "(requests)", resource: "workloads", reason: (error as Error).message });
  }
  if (unpriced.length > 0) throw new UnpricedResourceError(opts.stack, unpriced);

  const byComponent = new Map<string, { monthlyUsd: number; resources: number }>();
  for (const c of costs) {
    const entry = byComponent.get(c.component) ?? { monthlyUsd: 0, resources: 0 };
    byComponent.set(c.component, { monthlyUsd: entry.monthlyUsd + c.monthlyUsd, resources: entry.resources + 1 });
  }
  const allLines = costs.flatMap((c) => c.lines);
  return {
    stack: opts.stack,
    currency: "USD",
    priceRegion: PRICE_REGION,
    hoursPerMonth: HOURS_PER_MONTH,
    monthlyUsd: allLines.reduce((s, l) => s + l.monthlyUsd, 0),
    unverifiedMonthlyUsd: allLines.filter((l) => !l.verified).reduce((s, l) => s + l.monthlyUsd, 0),
    resources: costs,
    byComponent: [...byComponent].map(([component, v]) => ({ component, ...v })).sort((a, b) => b.monthlyUsd - a.monthlyUsd || (a.component < b.component ? -1 : 1)),
    allocation: allocate(graph, costs, requests, opts.usage.nodes?.averageCount),
    requests,
    usageGaps: [...gaps].sort(),
    notes: [...notes].sort(),
  };
}
