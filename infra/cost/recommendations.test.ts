// Recommendations over the real prod stack, with a saved Prometheus answer (from the local stack) and a
// saved VPA list: every one states its saving, assumptions, trade-off and where to change it, and the
// figures are pinned against hand calculations.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { synthStack } from "../synth/synth-stack.js";
import type { GraphResource } from "../synth/graph.js";
import { estimate, type Estimate } from "./estimate.js";
import { parseObserved, parseVpaList } from "./observed.js";
import { recommend, type Findings } from "./recommendations/index.js";
import { PRIMARY, resource } from "./testing.js";
import { loadUsage, usageFileFor, type Usage } from "./usage.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const observed = parseObserved(fixture("observed-prometheus.json"), "fixtures/observed-prometheus.json");
const vpa = parseVpaList(fixture("vpa.json"), "fixtures/vpa.json");

let resources: readonly GraphResource[];
let usage: Usage;
let prod: Estimate;
let findings: Findings;

beforeAll(async () => {
  resources = (await synthStack("prod")).resources;
  usage = loadUsage(usageFileFor("prod"));
  prod = estimate(resources, { stack: "prod", usage });
  findings = recommend({ estimate: prod, resources, usage, observed, vpa });
}, 120_000);

const saving = (id: string) => findings.recommendations.find((r) => r.id === id)?.monthlySavingUsd;

describe("every recommendation", () => {
  it("states a positive monthly saving, its assumptions, its trade-off and where to make the change", () => {
    expect(findings.recommendations.length).toBeGreaterThanOrEqual(10);
    for (const r of findings.recommendations) {
      expect(Number.isFinite(r.monthlySavingUsd) && r.monthlySavingUsd > 0, r.id).toBe(true);
      expect(r.assumptions.length, r.id).toBeGreaterThan(0);
      for (const a of r.assumptions) expect(a, r.id).toMatch(/\S{3}/);
      expect(r.tradeOff, r.id).toMatch(/\S{3}/);
      expect(r.action, r.id).toMatch(/\S{3}/);
      expect(r.resources.length, r.id).toBeGreaterThan(0);
    }
    expect(findings.recommendations.map((r) => r.monthlySavingUsd)).toEqual([...findings.recommendations.map((r) => r.monthlySavingUsd)].sort((a, b) => b - a));
  });

  it("covers each kind the issue asks for, and says why when a check finds nothing", () => {
    const kinds = new Set([...findings.recommendations, ...findings.considered].map((r) => r.kind));
    expect([...kinds].sort()).toEqual(["commitment", "graviton", "idle", "lifecycle", "nat", "rightsizing", "spot", "vpa"]);
    for (const c of findings.considered) expect(c.why, c.id).toMatch(/\S{3}/);
  });
});

describe("the figures", () => {
  it("Graviton: 3 nodes × (m6i.large 0.096 − m6g.large 0.077) $/h × 730 h", () => {
    expect(saving("graviton-cluster-nodes")).toBeCloseTo(3 * (0.096 - 0.077) * 730, 6); // 41.61
    expect(findings.considered.find((c) => c.id === "graviton-cluster-admin-host")?.why).toBe("already arm64");
  });

  it("commitments: 27 % of the node baseline, 31 % of each RDS instance, 29 % of the cache nodes", () => {
    expect(saving("savings-plan-nodes")).toBeCloseTo(3 * 0.096 * 0.27 * 730, 6);
    expect(saving("reserved-database-primary")).toBeCloseTo(2 * 0.159 * 0.31 * 730, 6);
    expect(saving("reserved-database-standby")).toBeCloseTo(0.159 * 0.31 * 730, 6);
    expect(saving("reserved-cache-redis")).toBeCloseTo(2 * 0.065 * 0.29 * 730, 6);
  });

  it("NAT: two gateways and their addresses less the cross-AZ traffic the shared one adds", () => {
    // 150 GiB through NAT; two thirds of it would cross an AZ at 0.02 $/GB.
    expect(saving("nat-shared")).toBeCloseTo(2 * (0.045 + 0.005) * 730 - 150 * (2 / 3) * 0.02, 6); // 71.00
    // S3 writes (2 + 3 + 30 + 60 GiB a month: trade records, trade tape, backups, logs) leave the NAT's 0.045 $/GB for a free gateway endpoint.
    expect(saving("nat-s3-endpoint")).toBeCloseTo(95 * 0.045, 6);
  });

  it("right-sizing from the saved Prometheus answer: requests that put p95 at the scale-up triggers", () => {
    // brain p95: 14.50m CPU → / 0.7 = 20.7m → 30m; 120,190,976 B = 114.6 MiB → / 0.8 = 143.3 → 144 MiB.
    const brain = findings.recommendations.find((r) => r.id === "rightsizing-brain");
    expect(brain?.title).toBe("Right-size brain: cpu 500m → 30m, memory 256Mi → 144Mi");
    expect(brain?.monthlySavingUsd).toBeCloseTo(730 * ((0.5 - 0.03) * 0.037 + ((256 - 144) / 1024) * 0.00275), 6); // 12.91
    expect(brain?.action).toBe("ops/capacity.ts SERVICE_CAPACITY.brain: cpuRequestMillicores 30, memoryRequestMiB 144");
    expect(brain?.assumptions.join(" ")).toContain("fixtures/observed-prometheus.json");
  });

  it("VPA: its targets, and a request below the target is flagged as a cost, not a saving", () => {
    // brain: target 63m, 262144k (250 MiB) → 70m, 256Mi.
    expect(saving("vpa-brain")).toBeCloseTo(730 * (0.5 - 0.07) * 0.037, 6);
    // execution: 100m, 300Mi → 304Mi against 500m, 384Mi.
    expect(saving("vpa-execution")).toBeCloseTo(730 * ((0.5 - 0.1) * 0.037 + ((384 - 304) / 1024) * 0.00275), 6);
    const consoleRaise = findings.considered.find((c) => c.id === "vpa-console");
    expect(consoleRaise?.why).toMatch(/below what it uses: raising them costs \$\d+\.\d\d a month/);
    expect(findings.considered.some((c) => c.id === "vpa-scavenger") || findings.recommendations.some((r) => r.id === "vpa-scavenger")).toBe(false);
  });

  it("idle: the admin host outside its 20 active hours, the near-idle internal load balancer", () => {
    expect(saving("idle-cluster-admin-host")).toBeCloseTo(0.0042 * (730 - 20), 6);
    expect(saving("idle-ingress-internal")).toBeCloseTo(0.0225 * 730, 6);
    expect(findings.recommendations.some((r) => r.id === "idle-ingress-public")).toBe(false);
  });

  it("spot for the nightly job: nothing to save while it fits in the nodes' idle capacity", () => {
    const spot = findings.considered.find((c) => c.id === "spot-ai-quant");
    expect(spot?.why).toMatch(/fits in the on-demand nodes' idle capacity/);
  });
});

describe("spot when the job does not fit", () => {
  it("saves the spot discount on the node the job would add each night", () => {
    const graph = [
      resource("aws:eks/nodeGroup:NodeGroup", "nodes", { instanceTypes: ["m6i.large"], diskSize: 20, scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 3 } }, { provider: PRIMARY }),
      resource("kubernetes:apps/v1:Deployment", "busy", { spec: { replicas: 1, template: { spec: { containers: [{ resources: { requests: { cpu: "1500m", memory: "1Gi" } } }] } } } }),
      resource("kubernetes:batch/v1:CronJob", "quant", {
        metadata: { labels: { "app.kubernetes.io/name": "ai-quant", "app.kubernetes.io/part-of": "titan" } },
        spec: { schedule: "0 0 * * *", jobTemplate: { spec: { template: { spec: { containers: [{ resources: { requests: { cpu: "1", memory: "1Gi" } } }] } } } } },
      }),
    ];
    const u: Usage = { jobs: { "ai-quant": { runHoursPerDay: 2 } } };
    const f = recommend({ estimate: estimate(graph, { stack: "t", usage: u }), resources: graph, usage: u });
    const spot = f.recommendations.find((r) => r.id === "spot-ai-quant");
    expect(spot?.monthlySavingUsd).toBeCloseTo(0.096 * 0.6 * 2 * (365 / 12), 6); // 3.50
    expect(spot?.tradeOff).toMatch(/reclaim/);
  });
});
