// The scavenger's parameter versions through its API: version 1 is domain.md's defaults, created and
// audited at first start; only operators write; an invalid set is refused with every problem and
// nothing is written; activating an older version is a rollback; titanctl drives the same routes.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerScavengerCommands } from "../../../services/cli/commands/scavenger.js";
import type { CliContext } from "../../../services/cli/context.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { verifyAuditChain } from "../../../services/shared/audit/index.js";
import type { Role } from "../../../services/shared/auth/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../../services/scavenger/domain/index.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { bearer, issueTokens, metricValue, startScavenger, type StartedScavenger } from "./support.js";

describe("scavenger parameter versions through the API", () => {
  let db: TestDatabase;
  let scavenger: StartedScavenger;
  let tokens: Record<Role, string>;
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));

  const inject = (method: "GET" | "POST", url: string, role: Role | null, payload?: unknown) =>
    scavenger.running.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: role ? bearer(tokens[role]) : {} });
  const count = async (table: string): Promise<number> => (await db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  const auditActions = async (): Promise<Array<{ action: string; target: string; reason: string | null }>> =>
    (await db.pool.query("SELECT action, target, reason FROM audit.events WHERE service = 'scavenger' ORDER BY seq")).rows;

  beforeAll(async () => {
    db = await withTestDatabase("scavenger_api");
    await provisionTestDatabase(db);
    tokens = await issueTokens(db, clock);
    scavenger = await startScavenger(db, clock, "scavenger-api-1");
  });

  afterAll(async () => {
    await scavenger?.running.stop();
  });

  it("creates version 1 from domain.md's defaults at first start, active, audited, and runs it", async () => {
    const res = await inject("GET", "/config/versions", "viewer");
    expect(res.statusCode).toBe(200);
    const list = res.json();
    expect(list.activeVersion).toBe(1);
    expect(list.appliedVersion).toBe(1);
    expect(list.versions).toHaveLength(1);
    expect(list.versions[0]).toMatchObject({ version: 1, active: true, createdBy: { kind: "system", id: "scavenger" } });
    const detail = (await inject("GET", "/config/versions/1", "viewer")).json();
    expect(detail.parameters).toEqual(DEFAULT_SCAVENGER_PARAMETERS);
    expect(await auditActions()).toEqual([
      { action: "config.create", target: "scavenger-config:1", reason: "first start: domain.md defaults" },
      { action: "config.activate", target: "scavenger-config:1", reason: "first start: domain.md defaults" },
    ]);
    expect(await metricValue(scavenger.running, "titan_scavenger_active_config_version_info")).toBe(1);
    expect((await scavenger.running.app.inject({ method: "GET", url: "/health/ready" })).statusCode).toBe(200);
  });

  it("refuses writes without a token (401) and from a viewer (403), writing nothing", async () => {
    const before = [await count("scavenger.config_versions"), await count("audit.events")];
    const body = { parameters: {}, reason: "try" };
    expect((await inject("POST", "/config/versions", null, body)).statusCode).toBe(401);
    expect((await inject("POST", "/config/versions", "viewer", body)).statusCode).toBe(403);
    expect((await inject("POST", "/config/versions/1/activate", null, { reason: "try" })).statusCode).toBe(401);
    expect((await inject("POST", "/config/versions/1/activate", "viewer", { reason: "try" })).statusCode).toBe(403);
    expect([await count("scavenger.config_versions"), await count("audit.events")]).toEqual(before);
  });

  it("refuses an invalid parameter set with every problem named, and writes nothing", async () => {
    const before = [await count("scavenger.config_versions"), await count("audit.events"), await count("scavenger.outbox")];
    const res = await inject("POST", "/config/versions", "operator", {
      reason: "bad on purpose",
      parameters: { maxLeverage: 50, cooldownSeconds: -1, volumeCluster: { profileBins: 1 }, quality: { volatilityWeight: 0.9 }, surprise: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
    const problem = res.json();
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/body/parameters/maxLeverage",
        "/body/parameters/cooldownSeconds",
        "/body/parameters/volumeCluster/profileBins",
        "/body/parameters/quality",
      ]),
    );
    expect(problem.errors.length).toBeGreaterThanOrEqual(5); // the unknown field `surprise` too
    expect(JSON.stringify(problem.errors)).toMatch(/surprise/);
    expect([await count("scavenger.config_versions"), await count("audit.events"), await count("scavenger.outbox")]).toEqual(before);
    // A body without a reason is refused by the schema before the parameters are even read.
    const noReason = await inject("POST", "/config/versions", "operator", { parameters: {} });
    expect(noReason.statusCode).toBe(400);
    expect(JSON.stringify(noReason.json().errors)).toMatch(/reason/);
  });

  it("creates, activates and rolls back, each audited with its reason and announced on the bus", async () => {
    const created = await inject("POST", "/config/versions", "operator", { parameters: { cooldownSeconds: 120 }, reason: "shorter cooldown" });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ version: 2, active: false, createdBy: { kind: "operator" } });
    expect(created.json().parameters).toEqual({ ...DEFAULT_SCAVENGER_PARAMETERS, cooldownSeconds: 120 });

    const activated = await inject("POST", "/config/versions/2/activate", "operator", { reason: "try it" });
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({ version: 2, previousVersion: 1, action: "activated", appliedVersion: 2 });
    expect(scavenger.instance.engine.strategy.parameters.cooldownSeconds).toBe(120);
    expect(await metricValue(scavenger.running, "titan_scavenger_active_config_version_info")).toBe(2);

    expect((await inject("POST", "/config/versions/2/activate", "operator", { reason: "again" })).statusCode).toBe(409);
    expect((await inject("POST", "/config/versions/99/activate", "operator", { reason: "nope" })).statusCode).toBe(404);
    expect((await inject("POST", "/config/versions/1/activate", "operator", {})).statusCode).toBe(400);

    const rolledBack = await inject("POST", "/config/versions/1/activate", "operator", { reason: "back to defaults" });
    expect(rolledBack.json()).toMatchObject({ version: 1, previousVersion: 2, action: "rolled-back", appliedVersion: 1 });
    // The configuration-change KPI: two applied activations; the 409 and the 404 refused (the 400 never reaches the handler).
    expect(await metricValue(scavenger.running, "titan_scavenger_config_changes_total", { outcome: "applied" })).toBe(2);
    expect(await metricValue(scavenger.running, "titan_scavenger_config_changes_total", { outcome: "refused" })).toBe(2);
    expect(await metricValue(scavenger.running, "titan_scavenger_config_changes_total", { outcome: "failed" })).toBe(0);
    expect(scavenger.instance.engine.strategy.parameters.cooldownSeconds).toBe(300);

    expect((await auditActions()).slice(-3)).toEqual([
      { action: "config.create", target: "scavenger-config:2", reason: "shorter cooldown" },
      { action: "config.activate", target: "scavenger-config:2", reason: "try it" },
      { action: "config.rollback", target: "scavenger-config:1", reason: "back to defaults" },
    ]);
    const reader = createDatabase({ url: db.url, applicationName: "scavenger-test-audit" });
    try {
      expect(await verifyAuditChain(reader)).toMatchObject({ ok: true });
    } finally {
      await reader.close();
    }
    const changes = (await db.pool.query("SELECT envelope->'payload' AS p FROM scavenger.outbox WHERE type = 'config-change' ORDER BY seq")).rows.map((r) => [r.p.action, r.p.configVersion]);
    expect(changes).toEqual([["activated", 1], ["created", 2], ["activated", 2], ["rolled-back", 1]]);
  });

  it("keeps one active version and never edits a stored one, whatever writes the table", async () => {
    await expect(db.pool.query("UPDATE scavenger.config_versions SET active = true WHERE version = 2")).rejects.toThrow(/config_versions_one_active_idx/);
    await expect(db.pool.query("UPDATE scavenger.config_versions SET parameters = '{}' WHERE version = 2")).rejects.toThrow(/immutable/);
    await expect(db.pool.query("DELETE FROM scavenger.config_versions WHERE version = 2")).rejects.toThrow(/DELETE refused/);
  });

  it("answers 404 for an unknown version and 400 for a version that is not a number", async () => {
    expect((await inject("GET", "/config/versions/42", "viewer")).statusCode).toBe(404);
    expect((await inject("GET", "/config/versions/abc", "viewer")).statusCode).toBe(400);
    const active = await inject("GET", "/config/active", "viewer");
    expect(active.json()).toMatchObject({ version: 1, active: true });
  });

  describe("titanctl config", () => {
    let proxy: Server;
    let output: string[];
    const program = (role: Role) => {
      const p = new Command().exitOverride();
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const ctx: CliContext = { apiUrl: url, stateDir: "/nonexistent", token: tokens[role], request: () => ({ headers: bearer(tokens[role]) }) };
      registerScavengerCommands(p, () => ctx);
      return (...args: string[]) => p.parseAsync(["node", "titanctl", ...args]);
    };

    beforeAll(async () => {
      // The entry point's job in this test: strip /api/scavenger and pass the rest on.
      proxy = createServer((req, res) => {
        const path = (req.url ?? "/").replace(/^\/api\/scavenger/, "");
        const upstream = httpRequest({ host: "127.0.0.1", port: scavenger.running.port, path, method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => proxy?.close(resolve));
    });

    const captured = async (run: () => Promise<unknown>): Promise<string> => {
      output = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void output.push(args.join(" ")));
      try {
        await run();
      } finally {
        spy.mockRestore();
      }
      return output.join("\n");
    };

    it("lists versions, shows one, creates from a file and activates, all through the API", async () => {
      const { writeFileSync, mkdtempSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const listed = await captured(() => program("viewer")("config", "versions"));
      expect(listed).toMatch(/^VERSION\s+CREATED/m);
      expect(listed).toMatch(/^\*1\s/m);
      expect(listed).toMatch(/\* = active \(version 1\)/);
      const shown = JSON.parse(await captured(() => program("viewer")("config", "show", "2")));
      expect(shown.parameters.cooldownSeconds).toBe(120);

      const dir = mkdtempSync(join(tmpdir(), "titanctl-"));
      const file = join(dir, "params.json");
      writeFileSync(file, JSON.stringify({ maxOpenPositions: 2 }));
      const created = await captured(() => program("operator")("config", "create", "--file", file, "--reason", "fewer positions", "--activate"));
      expect(created).toMatch(/created version 3/);
      expect(created).toMatch(/version 3 active \(was 1\)/);
      expect(scavenger.instance.engine.applied?.version).toBe(3);
      const rolled = await captured(() => program("operator")("config", "rollback", "2", "--reason", "cli rollback"));
      expect(rolled).toMatch(/rolled back to version 2 \(was 3\)/);

      writeFileSync(file, JSON.stringify({ maxOpenPositions: 0, stopLossPercent: 9 }));
      const refusal = program("operator")("config", "create", "--file", file, "--reason", "bad");
      await expect(refusal).rejects.toThrow(/maxOpenPositions[\s\S]*stopLossPercent|stopLossPercent[\s\S]*maxOpenPositions/);
      await expect(program("viewer")("config", "activate", "1", "--reason", "viewer")).rejects.toThrow(/HTTP 403/);
    });
  });
});
