// The estimate as a stack output (`pulumi stack output costEstimate`, and summary.json of the synth):
// the program's own registrations are recorded as they reach the resource monitor, the same way the
// offline synth records them, and priced once every resource the program declared is registered. A
// resource with no price shows as `unpriced` with no total (never a wrong total); the CLI and the
// tests fail on it, a deployment does not.
import * as pulumi from "@pulumi/pulumi";
import { type GraphResource, type MonitorLike, recordRegistrations } from "../synth/graph.js";
import { UnpricedResourceError, estimate } from "./estimate.js";
import { round2 } from "./model.js";
import { PRICE_REGION } from "./prices.js";
import { loadUsage, usageFileFor } from "./usage.js";

export interface StackCostOutput {
  readonly currency: "USD";
  readonly prices: string;
  readonly usage: string;
  readonly monthlyUsd?: number;
  readonly unverifiedMonthlyUsd?: number;
  readonly byComponent?: Readonly<Record<string, number>>;
  readonly usageGaps?: readonly string[];
  /** Resources the price table cannot price: the total is withheld. */
  readonly unpriced?: readonly string[];
  readonly error?: string;
}

const PRICES_NOTE = `${PRICE_REGION} on-demand, infra/cost/prices.ts`;

/** The estimate of a recorded graph, shaped for a stack output (rounded to cents). */
export function costOutput(stack: string, resources: readonly GraphResource[]): StackCostOutput {
  const usage = `infra/cost/usage/${stack}.yaml`;
  try {
    const e = estimate(resources, { stack, usage: loadUsage(usageFileFor(stack)) });
    return {
      currency: "USD", prices: PRICES_NOTE, usage,
      monthlyUsd: round2(e.monthlyUsd),
      unverifiedMonthlyUsd: round2(e.unverifiedMonthlyUsd),
      byComponent: Object.fromEntries(e.byComponent.filter((c) => c.monthlyUsd > 0).map((c) => [c.component, round2(c.monthlyUsd)])),
      usageGaps: e.usageGaps,
    };
  } catch (error) {
    if (error instanceof UnpricedResourceError) return { currency: "USD", prices: PRICES_NOTE, usage, unpriced: error.unpriced.map((u) => `${u.type} ${u.resource}: ${u.reason}`) };
    return { currency: "USD", prices: PRICES_NOTE, usage, error: (error as Error).message };
  }
}

/**
 * The SDK's chain of resource operations as it stands now: every resource constructed so far holds a
 * keep-alive on it until its registration completes (runtime/settings.js rpcKeepAlive). Internal to
 * the SDK (like getMonitor, which the synth also uses); undefined if a new SDK moves it.
 */
function registrationsSoFar(): Promise<void> | undefined {
  const g = globalThis as { asyncLocalStorage?: { getStore(): unknown }; globalStore?: unknown };
  const store = (g.asyncLocalStorage?.getStore() ?? g.globalStore) as { settings?: { rpcDone?: unknown } } | undefined;
  const done = store?.settings?.rpcDone;
  return done instanceof Promise ? done.then(() => undefined) : undefined;
}

/**
 * Call before the program declares resources; `output()` after it has declared them all. The output
 * resolves once those registrations are done (at the end of `pulumi up`, at once under the mocks).
 */
export function startCostEstimate(stack: string): { output(): pulumi.Output<StackCostOutput> } {
  const monitor = (pulumi.runtime as typeof pulumi.runtime & { getMonitor(): MonitorLike | undefined }).getMonitor();
  const recorder = monitor ? recordRegistrations(monitor) : undefined;
  return {
    output: () => {
      const settled = registrationsSoFar();
      if (!recorder || !settled) return pulumi.output<StackCostOutput>({ currency: "USD", prices: PRICES_NOTE, usage: `infra/cost/usage/${stack}.yaml`, error: "this Pulumi SDK exposes no resource monitor or operation chain to record from" });
      return pulumi.output(settled.then(() => costOutput(stack, recorder.resources())));
    },
  };
}
