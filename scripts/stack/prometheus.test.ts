import { describe, expect, it } from "vitest";
import { stackPorts } from "./ports.js";
import { renderPrometheusConfig } from "./prometheus.js";

const parse = (text: string): Record<string, unknown> => JSON.parse(text.replace(/^#.*$/gm, "")) as Record<string, unknown>;

interface ScrapeConfig {
  job_name: string;
  scheme?: string;
  tls_config?: Record<string, string>;
  honor_labels?: boolean;
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}

describe("the Prometheus config of the local stack", () => {
  const config = parse(renderPrometheusConfig({ ports: stackPorts(), ruleDirs: ["/repo/alerts/rendered"], caFile: "/state/ca/ca.crt" }));
  const jobs = new Map((config.scrape_configs as ScrapeConfig[]).map((c) => [c.job_name, c]));

  it("scrapes every service on its own port, labelled with the service", () => {
    for (const [service, port] of [["brain", 3100], ["execution", 3002], ["console", 3001], ["scavenger", 8081]] as const) {
      expect(jobs.get(service)?.static_configs).toEqual([{ targets: [`127.0.0.1:${port}`], labels: { service } }]);
    }
  });

  it("scrapes the AI Quant API as the ai-quant service, and the backup scheduler, each on its own port", () => {
    expect(jobs.get("ai-quant-api")?.static_configs).toEqual([{ targets: ["127.0.0.1:3003"], labels: { service: "ai-quant" } }]);
    expect(jobs.get("backup")?.static_configs).toEqual([{ targets: ["127.0.0.1:3004"] }]);
  });

  it("scrapes every target (services, exporters, itself, Alertmanager, the Pushgateway) over TLS 1.3 only, checking certificates against the stack's CA", () => {
    expect(jobs.size).toBe(12);
    for (const [job, scrape] of jobs) {
      expect(scrape, job).toMatchObject({ scheme: "https", tls_config: { ca_file: "/state/ca/ca.crt", min_version: "TLS13" } });
      expect(scrape.tls_config?.insecure_skip_verify, job).toBeUndefined();
    }
  });

  it("scrapes every exporter, itself, Alertmanager and the Pushgateway (keeping pushed labels)", () => {
    const targets = (job: string): string[] | undefined => jobs.get(job)?.static_configs[0]?.targets;
    expect(targets("node")).toEqual(["127.0.0.1:9100"]);
    expect(targets("postgres")).toEqual(["127.0.0.1:9187"]);
    expect(targets("redis")).toEqual(["127.0.0.1:9121"]);
    expect(targets("prometheus")).toEqual(["127.0.0.1:9090"]);
    expect(targets("alertmanager")).toEqual(["127.0.0.1:9093"]);
    expect(targets("pushgateway")).toEqual(["127.0.0.1:9091"]);
    expect(jobs.get("pushgateway")?.honor_labels).toBe(true);
    expect(jobs.size).toBe(12);
  });

  it("loads rendered alert rules by glob and alerts the local Alertmanager over TLS 1.3", () => {
    expect(config.rule_files).toEqual(["/repo/alerts/rendered/*.yml", "/repo/alerts/rendered/*.yaml"]);
    expect(config.alerting).toEqual({ alertmanagers: [{ scheme: "https", tls_config: { ca_file: "/state/ca/ca.crt", min_version: "TLS13" }, static_configs: [{ targets: ["127.0.0.1:9093"] }] }] });
  });

  it("follows the port offset", () => {
    const moved = parse(renderPrometheusConfig({ ports: stackPorts(1000), ruleDirs: [], caFile: "/state/ca/ca.crt" }));
    const targets = (moved.scrape_configs as ScrapeConfig[]).flatMap((c) => c.static_configs[0]!.targets);
    expect(targets).toContain("127.0.0.1:4100");
    expect(targets).toContain("127.0.0.1:10187");
  });
});
