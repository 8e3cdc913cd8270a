// The pure builders behind the workloads: the flows of DESIGN.md and nothing else, secrets only as
// files, single-writer services never doubled, and Prometheus pinned to the promtool that tests the rules.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../ops/index.js";
import { IMAGES } from "../../infra/k8s/charts.js";
import { sslProtocols } from "../../infra/k8s/ingress.js";
import { networkPolicies } from "../../infra/k8s/network-policies.js";
import { workloadObjects } from "../../infra/k8s/workload-spec.js";
import { secretFilesFor } from "../../infra/secret-catalog.js";
import type { Props } from "./support.js";

const policies = networkPolicies({
  namespace: "titan",
  postgres: { kind: "cidrs", cidrs: ["10.40.48.0/20"], port: 5432 },
  redis: { kind: "cidrs", cidrs: ["10.40.48.0/20"], port: 6379 },
  pushgateway: { namespace: "monitoring", podLabels: { app: "pushgateway" }, port: 9091 },
});
const flows = (service: string) => policies.find((p) => p.name === `${service}-flows`)?.spec as Props;

describe("network policies", () => {
  it("deny everything by default and allow DNS", () => {
    expect(policies[0]).toEqual({ name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
    expect(policies[1]?.name).toBe("allow-dns");
  });

  it("let only execution reach the internet, on HTTPS, never private ranges", () => {
    for (const service of SERVICE_NAMES) {
      const internet = (flows(service).egress as Props[]).filter((e) => e.to?.[0]?.ipBlock?.cidr === "0.0.0.0/0");
      expect(internet.length, service).toBe(service === "execution" ? 1 : 0);
    }
    expect((flows("execution").egress as Props[]).at(-1)).toMatchObject({ ports: [{ port: 443 }], to: [{ ipBlock: { except: expect.arrayContaining(["10.0.0.0/8"]) } }] });
  });

  it("let only ai-quant reach the Pushgateway, and admit no client to ai-quant", () => {
    for (const service of SERVICE_NAMES) expect(JSON.stringify(flows(service).egress).includes("9091"), service).toBe(service === "ai-quant");
    expect(flows("ai-quant").ingress).toEqual([]);
  });

  it("admit the entry point only to the routed services, and Prometheus to every HTTP service", () => {
    const from = (service: string) => (flows(service).ingress as Props[]).map((i) => i.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    expect(from("console")).toEqual(["ingress-nginx", "monitoring"]);
    expect(from("brain")).toEqual(["ingress-nginx", "monitoring"]);
  });
});

describe("workload objects", () => {
  const build = (service: (typeof SERVICE_NAMES)[number], live = false) =>
    workloadObjects({ service, image: "r/titan:1", env: { TITAN_DATABASE_URL: "postgres://x@db:5432/titan" }, secretFiles: secretFilesFor(service, { liveVenue: live }), tlsSecretName: `${service}-tls` });
  const container = (spec: Props) => (spec.template ?? spec.jobTemplate.spec.template).spec.containers[0] as Props;

  it("recreates single-writer services with one replica and a stable instance id", () => {
    const brain = build("brain");
    expect(brain.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
    expect((container(brain.spec).env as Props[]).find((e) => e.name === "TITAN_INSTANCE_ID")).toEqual({ name: "TITAN_INSTANCE_ID", value: "brain" });
  });

  it("hands secrets over as files only, and exchange keys only to live execution", () => {
    for (const service of SERVICE_NAMES) {
      const env = container(build(service, true).spec).env as Props[];
      expect(env.filter((e) => /PASSWORD$|SECRET$|API_KEY$/.test(e.name))).toEqual([]);
      expect(env.some((e) => e.name === "TITAN_BYBIT_API_KEY_FILE")).toBe(service === "execution");
    }
    expect((container(build("execution", false).spec).env as Props[]).some((e) => e.name === "TITAN_BYBIT_API_KEY_FILE")).toBe(false);
  });

  it("runs ai-quant as a CronJob that never overlaps itself", () => {
    expect(build("ai-quant")).toMatchObject({ kind: "CronJob", spec: { concurrencyPolicy: "Forbid" } });
  });
});

describe("versions and TLS", () => {
  it("pins Prometheus to the promtool version that tests the rules", () => {
    const version = /version (\d+\.\d+\.\d+)/.exec(execFileSync("promtool", ["--version"], { encoding: "utf8" }))?.[1];
    expect(IMAGES.prometheus.tag).toBe(`v${version}`);
  });

  it("derives NGINX's protocols from the minimum version and refuses an unknown one", () => {
    expect(sslProtocols("TLSv1.3")).toBe("TLSv1.3");
    expect(sslProtocols("TLSv1.2")).toBe("TLSv1.2 TLSv1.3");
    expect(() => sslProtocols("SSLv3")).toThrow(/unknown minimum TLS version/);
  });
});
