// The real stacks: dev and prod, synthesised under mocks, price with no unknown type and no usage gap,
// and the costEstimate stack output is the same estimate the CLI prints.
import { beforeAll, describe, expect, it } from "vitest";
import { synthStack, type SynthResult } from "../synth/synth-stack.js";
import { estimate, isKnownType, type Estimate } from "./estimate.js";
import { round2 } from "./model.js";
import { loadUsage, usageFileFor } from "./usage.js";

const synths: Partial<Record<"dev" | "prod", SynthResult>> = {};
const estimates: Partial<Record<"dev" | "prod", Estimate>> = {};

beforeAll(async () => {
  for (const stack of ["dev", "prod"] as const) {
    synths[stack] = await synthStack(stack);
    estimates[stack] = estimate(synths[stack].resources, { stack, usage: loadUsage(usageFileFor(stack)) });
  }
}, 180_000);

describe.each(["dev", "prod"] as const)("the %s stack", (stack) => {
  it("has a pricing rule or a free-type reason for every custom resource type", () => {
    const types = [...new Set((synths[stack] as SynthResult).resources.filter((r) => r.custom).map((r) => r.type))];
    expect(types.filter((t) => !isKnownType(t))).toEqual([]);
  });

  it("prices completely: a positive total, every usage figure given, every resource accounted for", () => {
    const e = estimates[stack] as Estimate;
    expect(e.monthlyUsd).toBeGreaterThan(0);
    expect(e.usageGaps).toEqual([]);
    expect(e.resources.length).toBe((synths[stack] as SynthResult).resources.filter((r) => r.custom).length);
    // A zero is explained: a free type's reason, or lines that say why they come to nothing (Cognito's free tier).
    for (const r of e.resources) if (r.monthlyUsd === 0) expect(r.zeroReason ?? r.lines.map((l) => l.what).join("; "), r.name).toMatch(/\S/);
  });

  it("publishes the same estimate as the costEstimate stack output", () => {
    const e = estimates[stack] as Estimate;
    expect((synths[stack] as SynthResult).outputs.costEstimate).toEqual({
      currency: "USD",
      prices: "us-east-1 on-demand, infra/cost/prices.ts",
      usage: `infra/cost/usage/${stack}.yaml`,
      monthlyUsd: round2(e.monthlyUsd),
      unverifiedMonthlyUsd: round2(e.unverifiedMonthlyUsd),
      byComponent: Object.fromEntries(e.byComponent.filter((c) => c.monthlyUsd > 0).map((c) => [c.component, round2(c.monthlyUsd)])),
      usageGaps: [],
    });
  });
});

describe("what the stacks cost", () => {
  it("prod owns its nodes and shares them by request; dev prices the capacity its pods request on a borrowed cluster", () => {
    expect(estimates.prod?.allocation.basis).toBe("node group");
    expect(estimates.dev?.allocation.basis).toBe("requested capacity");
    for (const e of [estimates.prod, estimates.dev] as Estimate[]) {
      const services = e.allocation.services;
      expect(services.map((s) => s.service)).toEqual(["brain", "execution", "console", "scavenger", "ai-quant"]);
      for (const s of services) expect(s.monthlyUsd, `${e.stack} ${s.service}`).toBeGreaterThan(0);
      // ai-quant runs an hour a night: a small fraction of an always-on service.
      expect((services.find((s) => s.service === "ai-quant")?.monthlyUsd ?? 0) * 10).toBeLessThan(services.find((s) => s.service === "brain")?.monthlyUsd ?? 0);
    }
  });

  it("puts the database, the cluster and the network at the top of prod, with nothing at a negative cost", () => {
    const prod = estimates.prod as Estimate;
    expect(prod.byComponent.slice(0, 3).map((c) => c.component)).toEqual(["database", "cluster", "network"]);
    expect(prod.resources.every((r) => r.monthlyUsd >= 0)).toBe(true);
    expect(prod.monthlyUsd).toBeGreaterThan((estimates.dev as Estimate).monthlyUsd);
  });
});
