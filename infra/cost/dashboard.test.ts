// The Grafana cost panels end to end: the CLI's gauges pushed to a real Pushgateway, scraped by a real
// Prometheus, and every query of the cost dashboard answering with the estimate's own figures.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COST_DASHBOARD_UID, buildCostDashboard, panelsOf } from "../../dashboards/index.js";
import { estimate } from "./estimate.js";
import { COST_METRICS, costExposition, pushEstimate } from "./pushgateway.js";
import { recommend } from "./recommendations/index.js";
import { PRIMARY, component, resource } from "./testing.js";
import type { Usage } from "./usage.js";

const cluster = component("titan:aws:Cluster", "cluster");
const graph = [
  cluster,
  resource("aws:eks/cluster:Cluster", "cluster-eks", {}, { parent: cluster, provider: PRIMARY }),
  resource("aws:eks/nodeGroup:NodeGroup", "cluster-nodes", { instanceTypes: ["m6i.large"], diskSize: 20, scalingConfig: { minSize: 2, desiredSize: 2, maxSize: 3 } }, { parent: cluster, provider: PRIMARY }),
  resource("aws:ec2/natGateway:NatGateway", "nat", {}, { provider: PRIMARY }),
  resource("kubernetes:apps/v1:Deployment", "brain", {
    metadata: { labels: { "app.kubernetes.io/name": "brain", "app.kubernetes.io/part-of": "titan" } },
    spec: { template: { spec: { containers: [{ resources: { requests: { cpu: "500m", memory: "256Mi" } } }] } } },
  }),
];
const usage: Usage = { network: { natProcessedGiBPerMonth: 10 } };
const e = estimate(graph, { stack: "costtest", usage });
const findings = recommend({ estimate: e, resources: graph, usage });

let dir: string;
const children: ChildProcess[] = [];
let pushgateway: string;
let prometheus: string;

const start = (command: string, args: string[]) => {
  const child = spawn(command, args, { stdio: "ignore" });
  child.on("error", () => undefined); // shows as a readiness timeout naming the binary
  children.push(child);
};

async function ready(url: string, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready at ${url} (scripts/install-dependencies.sh installs it)`);
}

/** An instant query's samples as label set → value. */
async function query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const url = new URL("/api/v1/query", prometheus);
  url.searchParams.set("query", expr);
  const body = (await (await fetch(url)).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${JSON.stringify(body)}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "titan-cost-dashboard-"));
  const [pgPort, promPort] = [await getPort(), await getPort()];
  pushgateway = `http://127.0.0.1:${pgPort}`;
  prometheus = `http://127.0.0.1:${promPort}`;
  writeFileSync(join(dir, "prometheus.yml"), `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs: [{ targets: ["127.0.0.1:${pgPort}"] }]\n`);
  start("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${pgPort}`]);
  start("prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  await Promise.all([ready(`${pushgateway}/-/ready`, "prometheus-pushgateway"), ready(`${prometheus}/-/ready`, "prometheus")]);
}, 40_000);

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the cost dashboard", () => {
  const dashboard = buildCostDashboard({ datasourceUid: "titan-prometheus" }).json;
  const panels = panelsOf(dashboard);

  it("is a stable, read-only Titan dashboard whose every panel names its datasource, unit, description and query", () => {
    expect(dashboard.uid).toBe(COST_DASHBOARD_UID);
    expect(dashboard.editable).toBe(false);
    expect(dashboard.tags).toEqual(["titan", "cost"]);
    expect(panels.map((p) => p.title)).toEqual(["Estimated monthly cost", "At unverified prices", "Recommended savings", "Estimate age", "By component", "By service", "Estimated monthly cost over time"]);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "titan-prometheus" });
      expect(p.fieldConfig?.defaults?.unit, p.title).toMatch(/^(currencyUSD|s)$/);
      expect(p.description, p.title).toMatch(/\S/);
      expect((p.targets as { expr?: string }[])[0]?.expr, p.title).toMatch(/titan_cost_/);
    }
  });

  it("shows what the CLI pushed: the total, each component and service, the savings and the estimate's age", async () => {
    const pushedAt = Math.floor(Date.now() / 1000) - 3600;
    await pushEstimate(pushgateway, e, findings, pushedAt);
    const deadline = Date.now() + 20_000;
    while ((await query(COST_METRICS.total)).length === 0 && Date.now() < deadline) await sleep(200);
    const expr = (title: string) => ((panels.find((p) => p.title === title)?.targets ?? []) as unknown as { expr: string }[])[0]?.expr.replace(/\$stack/g, "costtest") ?? "";

    expect((await query(expr("Estimated monthly cost")))[0]?.value).toBeCloseTo(e.monthlyUsd, 3);
    expect((await query(expr("At unverified prices")))[0]?.value).toBeCloseTo(e.unverifiedMonthlyUsd, 3);
    expect((await query(expr("Recommended savings")))[0]?.value).toBeCloseTo(findings.recommendations.reduce((s, r) => s + r.monthlySavingUsd, 0), 3);
    const age = (await query(expr("Estimate age")))[0]?.value ?? 0;
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3700);
    const components = await query(expr("By component"));
    expect(components.map((c) => [c.metric.component, c.value])).toEqual(e.byComponent.map((c) => [c.component, Math.round(c.monthlyUsd * 10_000) / 10_000]));
    const services = await query(expr("By service"));
    expect(services.find((s) => s.metric.service === "brain")?.value).toBeCloseTo(e.allocation.services[0]?.monthlyUsd ?? NaN, 3);
  }, 40_000);

  it("pushes a stack's estimate as one group, replaced on the next push", () => {
    const text = costExposition(e, findings, 1_800_000_000);
    expect(text).toContain(`${COST_METRICS.total}{stack="costtest"} ${Math.round(e.monthlyUsd * 10_000) / 10_000}`);
    expect(text).toContain(`${COST_METRICS.component}{stack="costtest",component="cluster"}`);
    expect(text).toContain(`${COST_METRICS.timestamp}{stack="costtest"} 1800000000`);
    expect(text.endsWith("\n")).toBe(true);
  });
});
