// The catalogue's invariants: every alert is complete and linked to its runbook, the KPI map is whole,
// the job names match what the local stack scrapes, and the renderers agree with each other.
import { fileURLToPath } from "node:url";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { KPIS, SEVERITIES, type KpiId } from "../ops/index.js";
import { stackPorts } from "../scripts/stack/ports.js";
import { scrapeTargets } from "../scripts/stack/prometheus.js";
import { allAlerts, buildRuleGroups } from "./catalogue.js";
import { SCRAPED_SERVICES, STACK_JOBS } from "./config.js";
import { ALERT_OF_KPI } from "./groups/kpis.js";
import { prometheusRuleObjects, renderRuleFiles, ruleFileDrift } from "./render-rules.js";
import { DEFAULT_RUNBOOK_BASE_URL, runbookUrl } from "./runbook-url.js";

const RENDERED_DIR = fileURLToPath(new URL("./rendered", import.meta.url));

describe("every alert", () => {
  it.each(allAlerts().map((a) => [a.name, a] as const))("%s has severity, summary, description and its runbook link", (name, alert) => {
    expect(["critical", "warning", "info", "none"]).toContain(alert.severity);
    expect(alert.labels.severity).toBe(alert.severity);
    expect(alert.annotations.summary.length).toBeGreaterThan(10);
    expect(alert.annotations.description.length).toBeGreaterThan(alert.annotations.summary.length);
    expect(alert.annotations.runbook_url).toBe(`${DEFAULT_RUNBOOK_BASE_URL}/${name}.md`);
    if (alert.service !== undefined) expect(alert.service === "by-series" || alert.labels.service === alert.service).toBe(true);
  });

  it("has a severity the operations document defines, or is the Watchdog", () => {
    const people = new Set(Object.keys(SEVERITIES));
    expect(allAlerts().filter((a) => !people.has(a.severity)).map((a) => a.name)).toEqual(["Watchdog"]);
  });

  it("includes the seed's critical, warning and informational alerts", () => {
    const bySeverity = (s: string): string[] => allAlerts().filter((a) => a.severity === s).map((a) => a.name);
    expect(bySeverity("critical")).toEqual(expect.arrayContaining(["TitanServiceDown", "TitanCircuitBreakerActive", "TitanPositionMismatch", "TitanDatabaseDown", "TitanSecurityBreachSuspected"]));
    expect(bySeverity("warning")).toEqual(
      expect.arrayContaining(["TitanSignalLatencyHigh", "TitanHostMemoryHigh", "TitanServiceMemoryHigh", "TitanDiskSpaceLow", "TitanExchangeRateLimitApproaching", "TitanExchangeWebSocketReconnects"]),
    );
    expect(bySeverity("info")).toEqual(expect.arrayContaining(["TitanDailyTradingSummary", "TitanCpuScaleUpTrend", "TitanHostOverProvisioned"]));
  });
});

describe("the KPI map", () => {
  it("names an existing alert, or a reason, for every KPI of ops/", () => {
    const names = new Set(allAlerts().map((a) => a.name));
    for (const id of Object.keys(KPIS) as KpiId[]) {
      const entry = ALERT_OF_KPI[id];
      expect(entry, id).toBeDefined();
      if ("alert" in entry) expect(names.has(entry.alert), `${id} → ${entry.alert}`).toBe(true);
    }
  });
});

describe("job names", () => {
  it("are the ones the local stack scrapes", () => {
    const jobs = new Set(scrapeTargets(stackPorts()).map((t) => t.job));
    expect([...Object.values(STACK_JOBS), ...SCRAPED_SERVICES].filter((j) => !jobs.has(j))).toEqual([]);
  });
});

describe("runbookUrl", () => {
  it("puts the alert's page under the base, whatever trailing slashes the base has", () => {
    expect(runbookUrl("TitanServiceDown", "https://git.example.org/titan/-/blob/main/runbooks/alerts/")).toBe("https://git.example.org/titan/-/blob/main/runbooks/alerts/TitanServiceDown.md");
  });

  it("refuses a relative base and a name that is not an alert's", () => {
    expect(() => runbookUrl("TitanServiceDown", "runbooks/alerts")).toThrow(/not an absolute URL/);
    expect(() => runbookUrl("../etc/passwd")).toThrow(/not an alert name/);
  });

  it("follows the base URL given to the renderers", () => {
    const base = "https://forge.internal/titan/runbooks/alerts";
    expect(buildRuleGroups(base).flatMap((g) => g.alerts).every((a) => a.annotations.runbook_url.startsWith(`${base}/`))).toBe(true);
    expect(renderRuleFiles({ runbookBaseUrl: base }).get("titan-watchdog.yml")).toContain(`${base}/Watchdog.md`);
  });
});

describe("the rendered rule files", () => {
  it("are committed up to date (regenerate with: npx tsx alerts/render.ts)", () => {
    expect(ruleFileDrift(RENDERED_DIR)).toEqual([]);
  });

  it("hold one group per area, recording rules before alerts", () => {
    for (const [file, yaml] of renderRuleFiles()) {
      const doc = parse(yaml) as { groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string }> }> };
      expect(doc.groups).toHaveLength(1);
      expect(file).toBe(`${doc.groups[0]!.name}.yml`);
      const kinds = doc.groups[0]!.rules.map((r) => (r.record ? "record" : "alert"));
      expect(kinds.join(",")).toMatch(/^(record,)*alert(,alert)*$/);
    }
  });
});

describe("prometheusRuleObjects", () => {
  const objects = prometheusRuleObjects({ namespace: "titan-monitoring", deployment: "dev", labels: { release: "kube-prometheus-stack" } }) as Array<{
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { groups: unknown[] };
  }>;

  it("makes one PrometheusRule per group, in the namespace, with the release label", () => {
    expect(objects.map((o) => o.metadata.name)).toEqual(buildRuleGroups(undefined, "dev").map((g) => g.name));
    for (const o of objects) {
      expect(o.apiVersion).toBe("monitoring.coreos.com/v1");
      expect(o.kind).toBe("PrometheusRule");
      expect(o.metadata.namespace).toBe("titan-monitoring");
      expect(o.metadata.labels.release).toBe("kube-prometheus-stack");
    }
  });

  it("carries the groups of the plain rule files, less the alerts the deployment lacks a capability for", () => {
    const files = [...renderRuleFiles().values()].map((y) => (parse(y) as { groups: Array<{ name: string; rules: Array<{ alert?: string }> }> }).groups[0]!);
    const kept = new Set(buildRuleGroups(undefined, "dev").flatMap((g) => g.alerts.map((a) => a.name)));
    const expected = files.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === undefined || kept.has(r.alert)) })).filter((g) => g.rules.length > 0);
    expect(objects.map((o) => o.spec.groups)).toEqual(expected.map((g) => [g]));
  });

  it("validate against the prometheus-operator CRD schema (kubernetes-models)", () => {
    for (const o of objects) expect(() => new PrometheusRule(o as never).validate(), o.metadata.name).not.toThrow();
  });

  it("refuses a namespace Kubernetes would refuse", () => {
    expect(() => prometheusRuleObjects({ namespace: "Titan_Monitoring", deployment: "prod" })).toThrow(/not a valid Kubernetes namespace/);
  });
});
