// The whole local stack, as `npm start` runs it, in a scratch state folder with every port offset so
// it never meets a developer's stack on the fixed ports: up, healthy (the AI Quant API and the backup
// scheduler among its PM2 apps), a second up that changes nothing, status, then down leaving no
// process behind.
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { daemonUrl } from "../../scripts/stack/components.js";
import { stackPorts, type StackPorts } from "../../scripts/stack/ports.js";
import { findStackProcesses, isPortFree } from "../../scripts/stack/processes.js";
import type { StackManifest } from "../../scripts/stack/state.js";
import { REPO_DIR } from "../../scripts/stack/state.js";
import { send } from "../../services/cli/http-client.js";
import { runCommand } from "../support/child-process.js";

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");
let stackDir: string;
let ports: StackPorts;
let env: NodeJS.ProcessEnv;

const run = (cmd: string, args: string[], timeoutMs: number, extraEnv: NodeJS.ProcessEnv = {}) => runCommand(cmd, args, { ...env, ...extraEnv }, timeoutMs);

const stack = (command: string, timeoutMs = 240_000) => run(TSX, ["scripts/stack.ts", command, ...(command === "up" ? ["--timeout", "180"] : [])], timeoutMs);

const get = (path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolveGet, reject) => {
    const req = request({ host: "127.0.0.1", servername: "localhost", port: ports.nginxHttps, path, ca: readFileSync(join(stackDir, "ca", "ca.crt")), agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolveGet({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });

/** A GET to one of the stack's monitoring daemons: HTTPS only, TLS 1.3, checked against the stack's CA. */
const monitoring = (daemon: "prometheus" | "pushgateway", path: string) => send(daemonUrl(ports, daemon, path), { caFile: join(stackDir, "ca", "ca.crt"), timeoutMs: 10_000 });

const allPortsFree = async (candidate: StackPorts): Promise<boolean> => (await Promise.all(Object.values(candidate).map(isPortFree))).every(Boolean);

const fingerprint = (): string =>
  ["secrets/service-token-secret", "secrets/db-password-brain", "ca/ca.crt", "ca/server.crt", "pg/postmaster.pid", "redis/redis.pid", "nginx/nginx.pid"].map((f) => readFileSync(join(stackDir, f), "utf8")).join("|");

let firstUp: { code: number; output: string };

beforeAll(async () => {
  const parent = mkdtempSync(join(inject("scratchDir"), "stack-e2e-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  stackDir = join(parent, ".titan");
  let offset: number | undefined;
  for (const candidate of [1000, 2000, 3000, 4000, 5000, 6000]) {
    if (await allPortsFree(stackPorts(candidate))) {
      offset = candidate;
      break;
    }
  }
  if (offset === undefined) throw new Error("no free port range for the stack under test");
  ports = stackPorts(offset);
  env = { ...process.env, TITAN_STACK_DIR: stackDir, TITAN_STACK_PORT_OFFSET: String(offset), TITAN_STATE_DIR: stackDir };

  // The stack runs the compiled services; TITAN_E2E_SKIP_BUILD=1 reuses a build made just before.
  if (process.env.TITAN_E2E_SKIP_BUILD !== "1") {
    const build = await run("npm", ["run", "build"], 600_000);
    expect(build.code, build.output).toBe(0);
  }
  firstUp = await stack("up");
}, 900_000);

afterAll(async () => {
  if (stackDir) await stack("down", 120_000);
}, 180_000);

describe("the local stack", () => {
  it("comes up with every component healthy and says where to find them", () => {
    expect(firstUp.code, firstUp.output).toBe(0);
    expect(firstUp.output).toMatch(/Titan is up: every component healthy after [\d.]+ s/);
    expect(firstUp.output).toContain(`https://localhost:${ports.nginxHttps}/`);
    expect(firstUp.output).toContain(`https://127.0.0.1:${ports.prometheus}/`);
  });

  it("records what runs where in stack.json", () => {
    const manifest = JSON.parse(readFileSync(join(stackDir, "stack.json"), "utf8")) as StackManifest;
    expect(manifest.state).toBe("up");
    expect(manifest.components.map((c) => c.name).sort()).toEqual(
      ["ai-quant", "ai-quant-api", "alertmanager", "backup", "brain", "console", "execution", "nginx", "node-exporter", "postgres", "postgres-exporter", "prometheus", "pushgateway", "redis", "redis-exporter", "scavenger"].sort(),
    );
    expect(manifest.components.find((c) => c.name === "brain")?.port).toBe(ports.brain);
  });

  it("serves the console and the APIs through the TLS entry point, and hides /metrics", async () => {
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/health/ready")).status).toBe(200);
    for (const prefix of ["brain", "execution", "scavenger", "quant"]) expect((await get(`/api/${prefix}/health/ready`)).status, prefix).toBe(200);
    expect((await get("/metrics")).status).toBe(404);
    expect((await get("/api/brain/metrics")).status).toBe(404);
    expect((await get("/api/quant/metrics")).status).toBe(404);
  });

  it("has Prometheus scraping every service and exporter", async () => {
    const deadline = Date.now() + 45_000;
    let health: Record<string, string> = {};
    while (Date.now() < deadline) {
      const body = JSON.parse((await monitoring("prometheus", "/api/v1/targets")).body) as { data: { activeTargets: Array<{ labels: { job: string }; health: string }> } };
      health = Object.fromEntries(body.data.activeTargets.map((t) => [t.labels.job, t.health]));
      if (Object.keys(health).length === 12 && Object.values(health).every((h) => h === "up")) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(health).toEqual({
      "ai-quant-api": "up", alertmanager: "up", backup: "up", brain: "up", console: "up", execution: "up", node: "up", postgres: "up", prometheus: "up", pushgateway: "up", redis: "up", scavenger: "up",
    });
  }, 60_000);

  it("reports every component healthy in status and in titanctl status, the AI Quant API and the backup scheduler included", async () => {
    const status = await stack("status", 60_000);
    expect(status.code, status.output).toBe(0);
    for (const app of ["ai-quant-api", "backup"]) expect(status.output).toMatch(new RegExp(`\\n${app}\\s+ok\\s+pid \\d+`));
    const titanctl = await run("node", ["bin/titanctl.mjs", "status"], 60_000, { TITAN_API_URL: `https://127.0.0.1:${ports.nginxHttps}` });
    expect(titanctl.code, titanctl.output).toBe(0);
    for (const app of ["ai-quant-api", "backup"]) expect(titanctl.output).toMatch(new RegExp(`\\n${app}\\s+healthy`));
  }, 120_000);

  it("has the backup scheduler take the first backups once the services are ready, and push their metrics", async () => {
    const ready = async (): Promise<{ lastPass: { outcome: string; ran: string[] } | null }> =>
      new Promise((resolveReady, reject) => {
        const req = request({ host: "127.0.0.1", servername: "localhost", port: ports.backup, path: "/health/ready", ca: readFileSync(join(stackDir, "ca", "ca.crt")), agent: false }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolveReady(JSON.parse(body) as { lastPass: { outcome: string; ran: string[] } | null }));
        });
        req.on("error", reject);
        req.end();
      });
    const deadline = Date.now() + 90_000;
    let lastPass = (await ready()).lastPass;
    while (lastPass === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      lastPass = (await ready()).lastPass;
    }
    // A fresh stack has no backup yet: every tier is due on the first pass.
    expect(lastPass).toMatchObject({ outcome: "succeeded", ran: ["tradingData", "configuration", "historicalAnalytics", "redis", "compliance"] });
    const pushed = (await monitoring("pushgateway", "/metrics")).body;
    expect(pushed).toMatch(/titan_backup_runs_total\{[^}]*outcome="succeeded"[^}]*tier="tradingData"[^}]*\} 1/);
  }, 120_000);

  it("reuses its state on a second up and leaves running components alone", async () => {
    const before = fingerprint();
    const again = await stack("up");
    expect(again.code, again.output).toBe(0);
    expect(again.output).not.toMatch(/started on|created/);
    expect(again.output).toMatch(/already under PM2: brain, execution, console, scavenger/);
    expect(fingerprint()).toBe(before);
  }, 300_000);

  it("stops on down leaving no process and no listening port behind", async () => {
    const down = await stack("down", 120_000);
    expect(down.code, down.output).toBe(0);
    expect(findStackProcesses(stackDir)).toEqual([]);
    expect(await allPortsFree(ports)).toBe(true);
    const again = await stack("down", 120_000);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain("Nothing was running");
  }, 300_000);
});
