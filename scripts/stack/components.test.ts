import { describe, expect, it } from "vitest";
import { daemonUrl, stackComponents, statusTargets } from "./components.js";
import { stackPorts } from "./ports.js";
import { stackLayout } from "./state.js";

const layout = stackLayout("/srv/titan/.titan", "/srv/titan");

describe("the stack catalogue", () => {
  const components = stackComponents(layout, stackPorts(), { brain: 0, "ai-quant": 4 });

  it("names every component once, with its pid file and log inside the stack folder", () => {
    expect(components.map((c) => c.name)).toEqual([
      "postgres", "redis", "prometheus", "alertmanager", "pushgateway", "node-exporter", "postgres-exporter", "redis-exporter", "nginx",
      "brain", "execution", "console", "scavenger", "ai-quant", "ai-quant-api", "backup",
    ]);
    for (const c of components) {
      expect(c.pidFile.startsWith(`${layout.root}/`), c.name).toBe(true);
      expect(c.logFile.startsWith(`${layout.root}/`), c.name).toBe(true);
    }
    expect(components.find((c) => c.name === "brain")?.pidFile).toBe(`${layout.root}/pm2/pids/brain-0.pid`);
  });

  it("probes every component except the nightly job", () => {
    expect(components.filter((c) => !c.probe).map((c) => c.name)).toEqual(["ai-quant"]);
  });

  it("waits for the AI Quant API and the backup scheduler on their own HTTPS listeners", () => {
    const ports = stackPorts();
    expect(components.find((c) => c.name === "ai-quant-api")).toMatchObject({ kind: "service", port: ports.aiQuantApi, healthUrl: `https://127.0.0.1:${ports.aiQuantApi}/health/ready`, url: "https://localhost:8443/api/quant/" });
    // Not a "service": a restore restarts the services and waits for them, not for the scheduler.
    expect(components.find((c) => c.name === "backup")).toMatchObject({ kind: "scheduler", port: ports.backup, healthUrl: `https://127.0.0.1:${ports.backup}/health/ready` });
  });

  it("sends humans to the services through the TLS entry point", () => {
    expect(components.find((c) => c.name === "console")?.url).toBe("https://localhost:8443/");
    expect(components.find((c) => c.name === "execution")?.url).toBe("https://localhost:8443/api/execution/");
    expect(components.find((c) => c.name === "nginx")?.healthUrl).toBe("https://127.0.0.1:8443/healthz");
  });

  it("reaches every service, PostgreSQL and Redis over TLS, checked against the stack's CA", () => {
    for (const service of ["brain", "execution", "console", "scavenger"]) {
      expect(components.find((c) => c.name === service)?.healthUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/health\/ready$/);
    }
    expect(components.find((c) => c.name === "redis")?.url).toBe("rediss://127.0.0.1:56379");
  });

  it("reaches every monitoring daemon over HTTPS only, in the catalogue and in titanctl's targets", () => {
    const daemons = components.filter((c) => c.kind === "monitoring");
    expect(daemons.map((c) => [c.name, c.url, c.healthUrl])).toEqual([
      ["prometheus", "https://127.0.0.1:9090/", "https://127.0.0.1:9090/-/ready"],
      ["alertmanager", "https://127.0.0.1:9093/", "https://127.0.0.1:9093/-/ready"],
      ["pushgateway", "https://127.0.0.1:9091/", "https://127.0.0.1:9091/-/ready"],
      ["node-exporter", "https://127.0.0.1:9100/", "https://127.0.0.1:9100/metrics"],
      ["postgres-exporter", "https://127.0.0.1:9187/", "https://127.0.0.1:9187/metrics"],
      ["redis-exporter", "https://127.0.0.1:9121/", "https://127.0.0.1:9121/metrics"],
    ]);
    expect(daemonUrl(stackPorts(1000), "prometheus", "/api/v1/targets")).toBe("https://127.0.0.1:10090/api/v1/targets");
    const targets = statusTargets(layout, stackPorts());
    expect(targets.filter((t) => daemons.some((d) => d.name === t.name)).map((t) => t.url)).toEqual(daemons.map((d) => d.healthUrl));
    // No component of the stack is reached over plain HTTP.
    expect([...components.flatMap((c) => [c.url, c.healthUrl]), ...targets.map((t) => t.url)].filter((u) => u?.startsWith("http:"))).toEqual([]);
  });

  it("gives titanctl a login as a service role (password from its file) and each service's readiness", () => {
    const targets = statusTargets(layout, stackPorts(1000));
    expect(targets.find((t) => t.name === "postgres")).toEqual({
      name: "postgres",
      kind: "postgres",
      url: `postgres://titan_console@127.0.0.1:56432/titan?sslmode=verify-full&sslrootcert=${encodeURIComponent(`${layout.root}/ca/ca.crt`)}`,
      passwordFile: `${layout.root}/secrets/db-password-console`,
      critical: true,
    });
    expect(targets.find((t) => t.name === "brain")).toEqual({ name: "brain", kind: "http", url: "https://127.0.0.1:4100/health/ready", critical: true });
    expect(targets.find((t) => t.name === "redis")).toEqual({ name: "redis", kind: "redis", url: "rediss://127.0.0.1:57379", critical: true });
    expect(targets.find((t) => t.name === "scavenger")?.critical).toBe(false);
    expect(targets.find((t) => t.name === "ai-quant-api")).toEqual({ name: "ai-quant-api", kind: "http", url: "https://127.0.0.1:4003/health/ready", critical: false });
    expect(targets.find((t) => t.name === "backup")).toEqual({ name: "backup", kind: "http", url: "https://127.0.0.1:4004/health/ready", critical: false });
    expect(new Set(targets.map((t) => t.name)).size).toBe(targets.length);
  });
});
