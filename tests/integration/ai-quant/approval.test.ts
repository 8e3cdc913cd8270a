// The operator's path, end to end, through titanctl and the entry point's routes: a run started by hand
// runs the job (a child process, as in production) over a tape execution's writer recorded, and writes a
// proposal; a viewer may read it but not decide; approval makes a real scavenger create and activate the
// proposed version, which it runs at once; `config rollback` restores the old version; the approval, the
// version's creation and activation, and the rollback are all in the audit log, and the chain holds.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { storeProposal } from "../../../services/ai-quant/adapters/proposal-store.js";
import { childProcessLauncher } from "../../../services/ai-quant/adapters/run-launcher.js";
import { createQuantApi } from "../../../services/ai-quant/api.js";
import { loadQuantSettings } from "../../../services/ai-quant/domain/quant-settings.js";
import { optimiseRun } from "../../../services/ai-quant/optimise.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import pino from "pino";
import { judge } from "../../../services/ai-quant/domain/acceptance.js";
import { buildProposal } from "../../../services/ai-quant/domain/proposal.js";
import { runWalkForward } from "../../../services/ai-quant/domain/walk-forward.js";
import { registerProposalsCommands } from "../../../services/cli/commands/proposals.js";
import { registerQuantCommands } from "../../../services/cli/commands/quant.js";
import { registerScavengerCommands } from "../../../services/cli/commands/scavenger.js";
import type { CliContext } from "../../../services/cli/context.js";
import { TapeWriter } from "../../../services/execution/market-data/tape/writer.js";
import type { MarketEvent } from "../../../services/execution/market-data/events.js";
import { verifyAuditChain } from "../../../services/shared/audit/index.js";
import type { Role } from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { migrateService, roleFor } from "../../../services/shared/db/provision.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { repoRoot } from "../../support/child-process.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { issueTokens, startScavenger, type StartedScavenger } from "../scavenger/support.js";
import { CURRENT, DAY_MS, EDGE, T0, scenario, scenarioTape } from "./scenario.js";

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function recordTape(dir: string, days: number): Promise<void> {
  const tape = scenarioTape(1, EDGE, days);
  const writer = new TapeWriter({ dir, clock: new ManualClock(T0) });
  let batch: MarketEvent[] = [];
  for (let row = 0; row < tape.tsMs.length; row++) {
    const t = tape.tsMs[row] as number;
    batch.push({
      type: "market-trade",
      payload: { version: 1, venue: "paper", marketType: "linear", symbol: tape.symbols[tape.symbolIndex[row] as number] as string, venueTsMs: t, tsMs: t, tradeId: `t${row}`, side: tape.sideSign[row] === 1 ? "buy" : "sell", priceUsd: tape.priceUsd[row] as number, qty: tape.qty[row] as number },
    });
    if (batch.length === 20_000) {
      writer.record(batch);
      batch = [];
    }
  }
  writer.record(batch);
  await writer.close();
}

describe("AI Quant proposals, from a run by hand to the scavenger and back", () => {
  const clock = new ManualClock(Date.now());
  let db: TestDatabase;
  let quantDb: Database;
  let scavenger: StartedScavenger;
  let quant: RunningService<"ai-quant">;
  let tokens: Record<Role, string>;
  let proxy: Server;
  let proposalId = "";

  beforeAll(async () => {
    db = await withTestDatabase("aiquant_api");
    await provisionTestDatabase(db);
    const executionUrl = new URL(db.url);
    executionUrl.username = roleFor("execution");
    await migrateService("execution", executionUrl.toString());
    tokens = await issueTokens(db, clock);
    scavenger = await startScavenger(db, clock, "aiq-scavenger");
    // The ai-quant role's read access comes from the owners' own migrations (execution and scavenger 0003).
    const tapeDir = mkdtempSync(join(tmpdir(), "aiq-tape-"));
    await recordTape(tapeDir, 5);
    const env: NodeJS.ProcessEnv = { ...serviceEnv("ai-quant", db), TITAN_INSTANCE_ID: "aiq-api", TITAN_TAPE_DIR: tapeDir, TITAN_SCAVENGER_URL: `http://127.0.0.1:${scavenger.running.port}` };
    quant = await runService(createQuantApi({ env, launcher: (ctx) => childProcessLauncher(ctx.logger, { env, nodeArgs: ["--import", "tsx"], cwd: repoRoot }) }), { env, clock });
    const quantUrl = new URL(env.TITAN_DATABASE_URL as string);
    quantDb = createDatabase({ url: quantUrl.toString(), applicationName: "aiq-test" });
    // The entry point's job here: /api/quant/ to the ai-quant API, /api/scavenger/ to the scavenger.
    proxy = createServer((req, res) => {
      const url = req.url ?? "/";
      const [port, path] = url.startsWith("/api/quant/") ? [quant.port, url.slice("/api/quant".length)] : [scavenger.running.port, url.replace(/^\/api\/scavenger/, "")];
      const upstream = httpRequest({ host: "127.0.0.1", port, path, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await quantDb?.close();
    await quant?.stop();
    await scavenger?.running.stop();
  });

  const titanctl = (role: Role) => {
    const program = new Command().exitOverride();
    const ctx: CliContext = { apiUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, stateDir: "/nonexistent", token: tokens[role], request: () => ({ headers: { authorization: `Bearer ${tokens[role]}` } }) };
    registerScavengerCommands(program, () => ctx);
    registerQuantCommands(program, () => ctx);
    registerProposalsCommands(program, () => ctx);
    return async (...args: string[]): Promise<string> => {
      const output: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void output.push(parts.join(" ")));
      try {
        await program.parseAsync(["node", "titanctl", ...args]);
      } finally {
        spy.mockRestore();
      }
      return output.join("\n");
    };
  };
  const auditActions = async () =>
    (await db.pool.query<{ service: string; action: string; target: string; actor_kind: string }>("SELECT service, action, target, actor_kind FROM audit.events ORDER BY seq")).rows;

  /** A proposal computed against `base` on another seed's data, stored as the job would store it. */
  const storedAgainst = async (base: number, seed: number) => {
    const { settings, inputs, period } = scenario(seed, EDGE, 1);
    const wf = runWalkForward(CURRENT, inputs, period, settings);
    const draft = buildProposal(CURRENT, base, wf, judge(wf, settings.acceptance), settings, { source: "synthetic", symbols: ["TRAPUSDT"], tapeTrades: 1, recordedKlines: 0, live: null, fees: "settings", notes: [] });
    expect(await storeProposal(quantDb, draft, null, clock)).toBe(true);
    return draft.proposalId;
  };

  it("refuses to apply a proposal made against a version that is no longer active, and lets an operator reject it", async () => {
    // The version the planted data set is built for: the daily-level trap at 5x.
    const file = join(mkdtempSync(join(tmpdir(), "aiq-params-")), "params.json");
    writeFileSync(file, JSON.stringify({ dailyLevel: { leverage: 5 } }));
    expect(await titanctl("operator")("config", "create", "--file", file, "--reason", "the planted data set's version", "--activate")).toMatch(/version 2 active \(was 1\)/);
    const stale = await storedAgainst(1, 5);
    await expect(titanctl("operator")("proposals", "approve", stale, "--reason", "too late")).rejects.toThrow(/HTTP 409: the scavenger runs version 2, but the proposal was made against version 1/);
    expect(await titanctl("operator")("proposals", "reject", stale, "--reason", "made against an old version")).toMatch(/rejected/);
    await expect(titanctl("operator")("proposals", "reject", stale, "--reason", "twice")).rejects.toThrow(/HTTP 409: proposal .* is rejected, not pending/);
  }, 30_000);

  it("runs the job by hand over the recorded tape and writes a proposal", async () => {
    const output = await titanctl("operator")("quant", "run", "--reason", "acceptance test", "--from", day(T0 + DAY_MS), "--to", day(T0 + 5 * DAY_MS), "--seed", "1");
    expect(output).toMatch(/run [0-9a-f-]{36} started/);
    expect(output).toMatch(/succeeded: proposal ([0-9a-f-]{36}): stopLossPercent 1 → 0\.\d+, takeProfitPercent 3 → 2\.\d+/);
    proposalId = /proposal ([0-9a-f-]{36})/.exec(output)?.[1] as string;

    const runs = await titanctl("viewer")("quant", "runs");
    expect(runs.split("\n")[1]).toMatch(/manual\s+\S+\s+\d+ s\s+succeeded\s+proposal/);
    expect(await titanctl("viewer")("proposals", "list", "--status", "pending")).toMatch(new RegExp(`^${proposalId}\\s+pending\\s+\\S+\\s+v2\\s+\\+`, "m"));
    // The job wrote it with its bus message; the API process's relay publishes it.
    const outbox = await db.pool.query("SELECT envelope->'payload'->>'proposalId' AS id, envelope->'payload'->>'status' AS status FROM quant.outbox WHERE type = 'proposal' ORDER BY seq");
    expect(outbox.rows.at(-1)).toEqual({ id: proposalId, status: "pending" });
  }, 60_000);

  it("shows the proposal with its reasoning and writes its equity plot", async () => {
    const svgFile = join(mkdtempSync(join(tmpdir(), "aiq-svg-")), "equity.svg");
    const shown = await titanctl("viewer")("proposals", "show", proposalId, "--svg", svgFile);
    expect(shown).toMatch(/^proposal .*: pending/);
    expect(shown).toMatch(/Walk-forward over 3 fold\(s\)/);
    expect(shown).toMatch(/proposed: return \+/);
    expect(readFileSync(svgFile, "utf8")).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    await expect(titanctl("viewer")("proposals", "approve", proposalId, "--reason", "viewer")).rejects.toThrow(/HTTP 403/);
    await expect(titanctl("viewer")("quant", "run", "--reason", "viewer")).rejects.toThrow(/HTTP 403/);
  });

  it("approve → the scavenger runs the new version; rollback restores the old one; all audited", async () => {
    const before = scavenger.instance.engine.strategy.parameters;
    const proposed = (await quantDb.query<{ content_json: string }>("proposal", "SELECT content_json FROM proposals WHERE proposal_id = $1", [proposalId])).rows[0]!;
    const parameters = JSON.parse(proposed.content_json).proposedParameters;

    expect(await titanctl("operator")("proposals", "approve", proposalId, "--reason", "beats the current version out of sample")).toMatch(/approved: scavenger version 3 is active \(was 2\)/);
    expect(scavenger.instance.engine.applied?.version).toBe(3);
    expect(scavenger.instance.engine.strategy.parameters).toEqual(parameters);
    expect(scavenger.instance.engine.strategy.parameters.takeProfitPercent).not.toBe(before.takeProfitPercent);
    const version3 = (await scavenger.running.app.inject({ method: "GET", url: "/config/versions/3", headers: { authorization: `Bearer ${tokens.viewer}` } })).json();
    expect(version3).toMatchObject({ proposalId, createdBy: { kind: "operator" } });
    await expect(titanctl("operator")("proposals", "approve", proposalId, "--reason", "again")).rejects.toThrow(/HTTP 409: proposal .* is approved, not pending/);

    expect(await titanctl("operator")("config", "rollback", "2", "--reason", "back to the version before the proposal")).toMatch(/rolled back to version 2 \(was 3\)/);
    expect(scavenger.instance.engine.applied?.version).toBe(2);
    expect(scavenger.instance.engine.strategy.parameters).toEqual(before);
    expect(await titanctl("viewer")("proposals", "show", proposalId)).toMatch(/approved \(applied as scavenger version 3\)/);

    const actions = (await auditActions()).filter((a) => a.service === "ai-quant" || (a.service === "scavenger" && a.target !== "scavenger-config:1"));
    expect(actions.map((a) => `${a.service} ${a.action} ${a.target.replace(/[0-9a-f-]{36}/, "<id>")} ${a.actor_kind}`)).toEqual([
      "scavenger config.create scavenger-config:2 operator",
      "scavenger config.activate scavenger-config:2 operator",
      "ai-quant proposal.reject quant-proposal:<id> operator",
      "ai-quant quant.run quant-run:<id> operator",
      "scavenger config.create scavenger-config:3 operator",
      "scavenger config.activate scavenger-config:3 operator",
      "ai-quant proposal.approve quant-proposal:<id> operator",
      "scavenger config.rollback scavenger-config:2 operator",
    ]);
    const approval = await db.pool.query("SELECT reason, after FROM audit.events WHERE action = 'proposal.approve'");
    expect(approval.rows[0]).toEqual({ reason: "beats the current version out of sample", after: { status: "approved", configVersion: 3, previousVersion: 2 } });
    expect(await verifyAuditChain(quantDb)).toMatchObject({ ok: true });
  }, 30_000);

  it("supersedes an older pending proposal when a newer one is stored", async () => {
    const older = await storedAgainst(2, 6);
    const newer = await storedAgainst(2, 7);
    const statuses = await quantDb.query<{ proposal_id: string; status: string }>("statuses", "SELECT proposal_id, status FROM proposals WHERE proposal_id = ANY($1)", [[older, newer, proposalId]]);
    expect(Object.fromEntries(statuses.rows.map((r) => [r.proposal_id, r.status]))).toEqual({ [older]: "superseded", [newer]: "pending", [proposalId]: "approved" });
  }, 30_000);

  it("answers bad input with a clear 4xx and changes nothing", async () => {
    const before = (await db.pool.query("SELECT (SELECT count(*) FROM quant.job_runs)::int AS runs, (SELECT count(*) FROM audit.events)::int AS events")).rows[0];
    const call = (method: "GET" | "POST", url: string, role: Role | null, payload?: object) =>
      quant.app.inject({ method, url, ...(payload ? { payload } : {}), headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} });
    const badDay = await call("POST", "/runs", "operator", { reason: "bad day", from: "2026-02-30" });
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().detail).toMatch(/--from: 2026-02-30 is not a calendar day/);
    expect((await call("POST", "/runs", "operator", { from: "2026-01-01" })).statusCode).toBe(400);
    expect((await call("GET", "/proposals/not-a-uuid", "viewer")).statusCode).toBe(400);
    expect((await call("GET", "/proposals/00000000-0000-4000-8000-000000000000", "viewer")).statusCode).toBe(404);
    expect((await call("POST", `/proposals/${proposalId}/approve`, "operator", {})).statusCode).toBe(400);
    expect((await call("POST", `/proposals/${proposalId}/reject`, null, { reason: "anonymous" })).statusCode).toBe(401);
    expect((await db.pool.query("SELECT (SELECT count(*) FROM quant.job_runs)::int AS runs, (SELECT count(*) FROM audit.events)::int AS events")).rows[0]).toEqual(before);
  });

  it("runs on execution's synthetic market when asked to, and says why it proposes nothing on two hours of it", async () => {
    const metrics = new ServiceMetrics("ai-quant", { defaultMetrics: false });
    const deps = { db: quantDb, clock, logger: pino({ level: "silent" }), metrics };
    const period = { fromMs: Date.UTC(2026, 0, 20, 10), toMs: Date.UTC(2026, 0, 20, 12) };
    const settings = loadQuantSettings({ walkForward: { folds: 1, warmupMs: 3_600_000 }, search: { randomTrials: 4, refineTrials: 4 } });
    const progress: number[] = [];
    const result = await optimiseRun(deps, { period, data: "synthetic", tapeDir: "/nonexistent", symbols: ["SOLUSDT"], settings, dataSeed: 3 }, { runId: "00000000-0000-4000-8000-00000000aaaa", progress: (f) => progress.push(f) });
    expect(result.outcome).toBe("succeeded");
    expect(result.detail).toMatch(/^no proposal: .*min-trades: \d+ trades in sample, \d+ out of sample; at least 20 each are needed/);
    expect(result.figures?.tapeTrades).toBeGreaterThan(10_000);
    expect(progress.at(-1)).toBeGreaterThan(0.9);
  }, 60_000);
});
