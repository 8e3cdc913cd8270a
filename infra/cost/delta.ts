// The cost delta of a change: two estimates of one stack (base and head) compared resource by
// resource (by URN) and line by line, so a reviewer sees "db.m6g.large → db.m7g.large: +$13.14".
import type { ComponentCost, Estimate } from "./estimate.js";
import type { CostLine, ResourceCost } from "./model.js";

export interface LineChange {
  readonly what: string;
  readonly baseUsd: number;
  readonly headUsd: number;
}

export interface ResourceDelta {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly component: string;
  readonly change: "added" | "removed" | "changed";
  readonly baseUsd: number;
  readonly headUsd: number;
  readonly deltaUsd: number;
  /** Lines that appeared, vanished or changed amount. */
  readonly lines: readonly LineChange[];
}

export interface StackDelta {
  readonly stack: string;
  /** Undefined when that side has no such stack (a new stack, or a base without a synth). */
  readonly baseUsd: number | undefined;
  readonly headUsd: number | undefined;
  readonly deltaUsd: number;
  /** Cost-bearing resources whose monthly cost moved, largest movement first. */
  readonly resources: readonly ResourceDelta[];
  readonly components: readonly { readonly component: string; readonly baseUsd: number; readonly headUsd: number; readonly deltaUsd: number }[];
  /** Resources added or removed that cost nothing themselves. */
  readonly freeResourcesAdded: number;
  readonly freeResourcesRemoved: number;
}

/** Half a cent: below it a movement is rounding, not a change. */
const EPSILON_USD = 0.005;

function lineChanges(base: readonly CostLine[], head: readonly CostLine[]): LineChange[] {
  const sum = (lines: readonly CostLine[]) => lines.reduce((m, l) => m.set(l.what, (m.get(l.what) ?? 0) + l.monthlyUsd), new Map<string, number>());
  const b = sum(base);
  const h = sum(head);
  const whats = [...new Set([...b.keys(), ...h.keys()])];
  return whats
    .map((what) => ({ what, baseUsd: b.get(what) ?? 0, headUsd: h.get(what) ?? 0 }))
    .filter((c) => !b.has(c.what) || !h.has(c.what) || Math.abs(c.headUsd - c.baseUsd) >= EPSILON_USD);
}

function componentDeltas(base: readonly ComponentCost[], head: readonly ComponentCost[]) {
  const names = [...new Set([...base, ...head].map((c) => c.component))];
  return names
    .map((component) => {
      const baseUsd = base.find((c) => c.component === component)?.monthlyUsd ?? 0;
      const headUsd = head.find((c) => c.component === component)?.monthlyUsd ?? 0;
      return { component, baseUsd, headUsd, deltaUsd: headUsd - baseUsd };
    })
    .filter((c) => Math.abs(c.deltaUsd) >= EPSILON_USD)
    .sort((a, b) => Math.abs(b.deltaUsd) - Math.abs(a.deltaUsd));
}

export function diffEstimates(stack: string, base: Estimate | undefined, head: Estimate | undefined): StackDelta {
  const baseBy = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
  const headBy = new Map((head?.resources ?? []).map((r) => [r.urn, r]));
  const urns = [...new Set([...baseBy.keys(), ...headBy.keys()])];
  const resources: ResourceDelta[] = [];
  let freeResourcesAdded = 0;
  let freeResourcesRemoved = 0;
  for (const urn of urns) {
    const b = baseBy.get(urn);
    const h = headBy.get(urn);
    const any = (h ?? b) as ResourceCost;
    const baseUsd = b?.monthlyUsd ?? 0;
    const headUsd = h?.monthlyUsd ?? 0;
    const change = b === undefined ? "added" : h === undefined ? "removed" : "changed";
    const lines = lineChanges(b?.lines ?? [], h?.lines ?? []);
    if (change !== "changed" && baseUsd === 0 && headUsd === 0) {
      if (change === "added") freeResourcesAdded++;
      else freeResourcesRemoved++;
      continue;
    }
    if (change === "changed" && Math.abs(headUsd - baseUsd) < EPSILON_USD && lines.length === 0) continue;
    resources.push({ urn, type: any.type, name: any.name, component: any.component, change, baseUsd, headUsd, deltaUsd: headUsd - baseUsd, lines });
  }
  resources.sort((x, y) => Math.abs(y.deltaUsd) - Math.abs(x.deltaUsd) || (x.urn < y.urn ? -1 : 1));
  return {
    stack,
    baseUsd: base?.monthlyUsd,
    headUsd: head?.monthlyUsd,
    deltaUsd: (head?.monthlyUsd ?? 0) - (base?.monthlyUsd ?? 0),
    resources,
    components: componentDeltas(base?.byComponent ?? [], head?.byComponent ?? []),
    freeResourcesAdded,
    freeResourcesRemoved,
  };
}
