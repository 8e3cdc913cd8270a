// A service started with missing or invalid variables exits non-zero and names each problem.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const start = (service: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", `services/${service}/main.ts`], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });

describe("a service with bad configuration", () => {
  it.each(["brain", "execution", "console", "scavenger", "ai-quant"])("%s exits 1 naming every missing variable, one per line", (service) => {
    const res = start(service, {});
    expect(res.status).toBe(1);
    const lines = res.stderr.trim().split("\n");
    expect(lines.some((l) => l.includes("TITAN_DATABASE_URL"))).toBe(true);
    expect(lines.some((l) => l.includes("TITAN_REDIS_URL"))).toBe(true);
    expect(lines.some((l) => l.includes("TITAN_SERVICE_TOKEN_SECRET"))).toBe(true);
    for (const line of lines) expect(line).toMatch(/^[a-z-]+: config: TITAN_[A-Z_]+/);
  });

  it("refuses production without the service's TLS certificate, before connecting anywhere", () => {
    const res = start("execution", { TITAN_ENV: "production", TITAN_DATABASE_URL: "postgres://titan_execution@127.0.0.1:1/titan", TITAN_REDIS_URL: "rediss://127.0.0.1:1", TITAN_SERVICE_TOKEN_SECRET: "x".repeat(40) });
    expect(res.status).toBe(1);
    expect(res.stderr.trim()).toBe("execution: config: TITAN_TLS_CERT_FILE, TITAN_TLS_KEY_FILE: are required with TITAN_ENV=production (the service listens with HTTPS only, TLS 1.3)");
  });

  it("names an invalid value together with the missing ones", () => {
    const res = start("brain", { TITAN_HTTP_PORT: "not-a-port", TITAN_DATABASE_URL: "mysql://x", TITAN_SERVICE_TOKEN_SECRET: "s3cr3t-val" });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("TITAN_HTTP_PORT");
    expect(res.stderr).toContain("TITAN_DATABASE_URL");
    expect(res.stderr).toContain("TITAN_SERVICE_TOKEN_SECRET");
    expect(res.stderr).toContain("TITAN_REDIS_URL");
    expect(res.stderr).not.toContain("s3cr3t-val");
  });
});
