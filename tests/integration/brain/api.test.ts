// The brain's API and titanctl commands: manual override (admin, audited, one at a time, at most 24 h),
// phase registration, the treasury sweep it causes, status for the console, heartbeats, market data
// for the price history, OpenAPI. titanctl runs against the brain through a proxy that strips
// /api/brain like the NGINX entry point does.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerBrainCommands } from "../../../services/cli/commands/brain.js";
import { cliContext } from "../../../services/cli/context.js";
import { SAMPLE_PAYLOADS } from "../../../services/shared/contracts/samples.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import { bearer, brainTestWorld, count, equityPayload, publish, readStream, signalPayload, startBrain, waitFor, type BrainTestWorld } from "./support.js";

const MIN = 60_000;
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("the brain's API and titanctl", () => {
  let world: BrainTestWorld;
  let brain: RunningService<"brain">;
  let proxy: Server;
  let apiUrl = "";
  const call = (method: "GET" | "POST" | "DELETE", url: string, token: string | null, payload?: object) =>
    brain.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });

  /** Runs titanctl's brain commands in-process and returns what they printed. */
  const titanctl = async (token: string, ...args: string[]): Promise<string> => {
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      const program = new Command().exitOverride();
      registerBrainCommands(program, () => cliContext({ TITAN_API_URL: apiUrl, TITAN_TOKEN: token, TITAN_STATE_DIR: "/nonexistent" }));
      await program.parseAsync(["node", "titanctl", ...args]);
    } finally {
      log.mockRestore();
    }
    return lines.join("\n");
  };

  beforeAll(async () => {
    world = await brainTestWorld("brain_api", { TITAN_BRAIN_RISK_SNAPSHOT_INTERVAL: "1s" });
    brain = await startBrain(world.env);
    proxy = createServer((req, res) => {
      const path = (req.url ?? "/").replace(/^\/api\/brain/, "") || "/";
      const upstream = request({ host: "127.0.0.1", port: brain.port, path, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await brain?.stop();
  });

  it("sets an override (admin only, weights summing to 1, at most 24 h, one at a time), audited", async () => {
    const body = { weights: { 1: 0.5, 2: 0, 3: 0.5 }, hours: 2, reason: "hold half in reserve during the migration" };
    expect((await call("POST", "/override", null, body)).statusCode).toBe(401);
    expect((await call("POST", "/override", world.tokens.operator, body)).statusCode).toBe(403);
    const badSum = await call("POST", "/override", world.tokens.admin, { ...body, weights: { 1: 0.5, 2: 0.3, 3: 0.1 } });
    expect(badSum.statusCode).toBe(400);
    expect(badSum.json().detail).toMatch(/weights: must sum to 1 ± 0.001, got 0.9/);
    expect((await call("POST", "/override", world.tokens.admin, { ...body, hours: 25 })).statusCode).toBe(400);
    expect((await call("POST", "/override", world.tokens.admin, { ...body, weights: { 1: 1.5, 2: -0.5, 3: 0 } })).statusCode).toBe(400);

    const set = await call("POST", "/override", world.tokens.admin, body);
    expect(set.statusCode).toBe(201);
    expect(set.json()).toMatchObject({ weights: { 1: 0.5, 2: 0, 3: 0.5 }, setBy: { kind: "operator" }, reason: body.reason });
    expect(set.json().expiresAtMs - set.json().setAtMs).toBe(2 * 60 * MIN);
    expect((await call("POST", "/override", world.tokens.admin, body)).statusCode).toBe(409);
    const allocation = (await call("GET", "/allocation", world.tokens.viewer)).json();
    expect(allocation).toMatchObject({ source: "override", weights: { 1: 0.5, 2: 0, 3: 0.5 }, allocated: { 1: 0.5, 2: 0, 3: 0 }, reserveWeight: 0.5, registeredPhases: [1] });
    const { rows } = await world.db.pool.query("SELECT actor_kind, action, reason FROM audit.events WHERE service = 'brain' AND action = 'override.set'");
    expect(rows).toEqual([{ actor_kind: "operator", action: "override.set", reason: body.reason }]);
  });

  it("sweeps the futures balance above 1.2 × target to spot with a transfer command, recorded and audited", async () => {
    // Target = E × (w1 + w2) = 10,000 × 0.5; the balance is 10,000 > 1.2 × 5,000, so 5,000 moves.
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => (await readStream(world.redis, "control-command")).some((c) => c.payload.command === "transfer"), 10_000, "the transfer command");
    const transfer = (await readStream(world.redis, "control-command")).find((c) => c.payload.command === "transfer");
    expect(transfer?.payload).toMatchObject({ command: "transfer", amountUsd: 5_000, fromAccount: "futures", toAccount: "spot", venue: "paper", asset: "USDT", issuedBy: { kind: "service", id: "brain" } });
    const treasury = (await call("GET", "/treasury", world.tokens.viewer)).json();
    expect(treasury).toMatchObject({ highWatermarkUsd: 10_000, operations: [{ amountUsd: 5_000, trigger: "daily", targetUsd: 5_000 }] });
    expect(await count(world.db, "SELECT count(*) AS n FROM audit.events WHERE service = 'brain' AND action = 'treasury.transfer'")).toBe(1);
  });

  it("clears the override (admin, with a reason), and says so when there is none", async () => {
    expect((await call("DELETE", "/override", world.tokens.admin)).statusCode).toBe(400);
    expect((await call("DELETE", "/override?reason=%20%20", world.tokens.admin)).statusCode).toBe(400);
    const cleared = await call("DELETE", "/override?reason=migration%20done", world.tokens.admin);
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ weights: { 1: 0.5, 2: 0, 3: 0.5 }, reason: "hold half in reserve during the migration" });
    expect((await call("DELETE", "/override?reason=again", world.tokens.admin)).statusCode).toBe(404);
    expect((await call("GET", "/allocation", world.tokens.viewer)).json()).toMatchObject({ source: "sigmoid", override: null, tier: { name: "MEDIUM", leverageCap: 5 } });
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.overrides WHERE ended_at_ms IS NOT NULL AND end_reason = 'migration done'")).toBe(1);
  });

  it("registers a phase (admin only, once); its signals are then sized instead of vetoed", async () => {
    const before = (await call("GET", "/phases", world.tokens.viewer)).json() as { phases: Array<{ phase: number; registered: boolean }> };
    expect(before.phases.map((p) => [p.phase, p.registered])).toEqual([[1, true], [2, false], [3, false]]);
    const body = { phase: 2, reason: "hunter goes live" };
    expect((await call("POST", "/phases", world.tokens.operator, body)).statusCode).toBe(403);
    expect((await call("POST", "/phases", world.tokens.admin, { phase: 4, reason: "x" })).statusCode).toBe(400);
    const registered = await call("POST", "/phases", world.tokens.admin, body);
    expect(registered.statusCode).toBe(201);
    expect(registered.json()).toMatchObject({ phase: 2, name: "hunter", registered: true, allocated: 0.8 });
    expect((await call("POST", "/phases", world.tokens.admin, body)).statusCode).toBe(409);
    const signal = signalPayload({ phase: 2, requestedNotionalUsd: 300 });
    await publish(world.redis, "signal", signal);
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = $1 AND outcome = 'approved'", [signal.signalId])) === 1, 10_000, "phase 2 approval");
    expect(await count(world.db, "SELECT count(*) AS n FROM audit.events WHERE service = 'brain' AND action = 'phase.register'")).toBe(2); // phase 1 at start, phase 2 now
  });

  it("keeps a bounded price history from market data, for known symbols only", async () => {
    const t0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    for (let i = 0; i < 3; i++) {
      const kline = SAMPLE_PAYLOADS["market-kline"];
      await publish(world.redis, "market-kline", { ...kline, symbol: "ETHUSDT", openTsMs: t0 + i * MIN, closeTsMs: t0 + (i + 1) * MIN - 1, closePriceUsd: 3_000 + i, venueTsMs: t0 + (i + 1) * MIN, tsMs: t0 + (i + 1) * MIN });
    }
    await publish(world.redis, "market-trade", { ...SAMPLE_PAYLOADS["market-trade"], symbol: "ETHUSDT", priceUsd: 3_010, venueTsMs: Date.now(), tsMs: Date.now() });
    await publish(world.redis, "market-trade", { ...SAMPLE_PAYLOADS["market-trade"], symbol: "DOGEUSDT", priceUsd: 0.1, venueTsMs: Date.now(), tsMs: Date.now() });
    await publish(world.redis, "market-ticker", { ...SAMPLE_PAYLOADS["market-ticker"], marketType: "spot", symbol: "BTCUSDT", venueTsMs: Date.now(), tsMs: Date.now() });
    await waitFor(async () => (await call("GET", "/status", world.tokens.viewer)).json().priceHistoryPoints.ETHUSDT === 4, 10_000, "4 ETH prices");
    const status = (await call("GET", "/status", world.tokens.viewer)).json();
    expect(status.priceHistoryPoints).toEqual({ BTCUSDT: 0, ETHUSDT: 4, SOLUSDT: 0 });
    expect(status).toMatchObject({ tradingState: { state: "ACTIVE" }, breaker: { active: null }, equity: { equityUsd: 10_000 }, allocation: { registeredPhases: [1, 2] } });
  });

  it("beats a heartbeat every second on titan:heartbeats, with its trading state", async () => {
    await waitFor(async () => (await readStream(world.redis, "heartbeat")).length >= 2, 5_000, "two heartbeats");
    const beats = await readStream(world.redis, "heartbeat");
    expect(beats[0]?.payload).toMatchObject({ service: "brain", instanceId: "brain-brain_api", tradingState: "ACTIVE", sequence: 0 });
    expect(beats.map((b) => b.payload.sequence)).toEqual(beats.map((_, i) => i));
    // Straight to Redis: heartbeats never pass through (and never grow) the outbox.
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE type = 'heartbeat'")).toBe(0);
  });

  it("records risk snapshots and describes its routes in OpenAPI", async () => {
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.risk_snapshots")) >= 1, 10_000, "a risk snapshot");
    const docs = await brain.app.inject({ method: "GET", url: "/docs/json" });
    expect(docs.statusCode).toBe(200);
    const paths = Object.keys(docs.json().paths as object);
    expect(paths).toEqual(expect.arrayContaining(["/status", "/decisions", "/allocation", "/trading-state", "/breaker", "/breaker/reset", "/override", "/phases", "/treasury"]));
  });

  it("answers titanctl's breaker, state, override and decisions commands through the entry point's path", async () => {
    expect(await titanctl(world.tokens.viewer, "breaker", "status")).toMatch(/^breaker: not tripped\n {2}equity 10000\.00 USD/);
    expect(await titanctl(world.tokens.viewer, "state")).toMatch(/^trading state: ACTIVE \(sequence \d+\)\n {2}no restricting causes$/);
    expect(await titanctl(world.tokens.viewer, "decisions", "--limit", "5", "--outcome", "approved")).toMatch(/^DECIDED\s+OUTCOME\s+REASON.*\n.*approved\s+-\s+2\s+BTCUSDT\s+long\s+300\.00\s+300\.00/);
    await expect(titanctl(world.tokens.operator, "breaker", "reset", "--reason", "nothing to reset")).rejects.toThrow(/HTTP 409: the breaker is not tripped/);
    await expect(titanctl(world.tokens.operator, "override", "set", "--weights", "1=1", "--hours", "1", "--reason", "x")).rejects.toThrow(/HTTP 403/);
    expect(await titanctl(world.tokens.admin, "override", "set", "--weights", "1=0.7,2=0.3", "--hours", "1", "--reason", "cli test")).toMatch(/^override set: weights \{"1":0.7,"2":0.3,"3":0\} until /);
    expect(await titanctl(world.tokens.admin, "override", "clear", "--reason", "cli test done")).toMatch(/override cleared/);
    await expect(titanctl(world.tokens.admin, "override", "set", "--weights", "1=0.7,4=0.3", "--hours", "1", "--reason", "x")).rejects.toThrow(/'4=0.3' is not <phase>=<weight>/);
    await expect(titanctl(world.tokens.viewer, "decisions", "--limit", "0")).rejects.toThrow(/--limit: must be an integer in \(0, 500\]/);

    // The real binary, from source, with the registration line in titanctl.ts (not spawnSync: this process serves the API).
    const run = await promisify(execFile)(process.execPath, ["bin/titanctl.mjs", "state"], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, TITANCTL_FROM_SOURCE: "1", TITAN_API_URL: apiUrl, TITAN_TOKEN: world.tokens.viewer, TITAN_STATE_DIR: "/nonexistent" },
      encoding: "utf8",
    });
    expect(run.stdout).toMatch(/^trading state: ACTIVE/);
  });

  it("restores an active override, registered phases and equity after a restart", async () => {
    const body = { weights: { 1: 0.6, 2: 0.4, 3: 0 }, hours: 3, reason: "survives a restart" };
    expect((await call("POST", "/override", world.tokens.admin, body)).statusCode).toBe(201);
    await brain.stop();
    brain = await startBrain(world.env);
    expect((await call("GET", "/allocation", world.tokens.viewer)).json()).toMatchObject({
      source: "override",
      override: { weights: body.weights, reason: body.reason },
      allocated: { 1: 0.6, 2: 0.4, 3: 0 },
      registeredPhases: [1, 2],
      equityUsd: 10_000,
    });
  });
});
