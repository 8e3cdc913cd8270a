// The brain fails closed visibly when Redis goes: its own `dependency-unavailable` cause (REDUCING, as
// domain.md leaves it to the service that sees the outage and as execution chooses for Redis) shows in
// its metrics and API, is audited, clears by itself when Redis answers again, and while it is held no
// signal is approved. Real Redis stopped and started; the PostgreSQL outage is in tests/integration/faults.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import { bearer, brainTestWorld, count, equityPayload, metricValue, parametersFile, publish, readStream, signalPayload, startBrain, waitFor, type BrainTestWorld } from "./support.js";

/** Rounds of the watch every 100 ms: the test waits on the outage, not on the default half second. */
const FAST_WATCH = { intervalMs: 100 } as const;

const tradingState = async (brain: RunningService<"brain">) => ({
  value: await metricValue(brain, "titan_brain_trading_state"),
  dependencyCause: await metricValue(brain, "titan_brain_trading_state_cause_info", { cause: "dependency-unavailable" }),
});

const auditEvents = async (world: BrainTestWorld, reasonLike: string) =>
  (
    await world.db.pool.query<{ reason: string; after: Record<string, unknown> }>(
      "SELECT reason, after FROM audit.events WHERE service = 'brain' AND action = 'trading-state.change' AND reason LIKE $1 ORDER BY seq",
      [reasonLike],
    )
  ).rows;

describe("the brain during a Redis outage", () => {
  let world: BrainTestWorld;
  let brain: RunningService<"brain"> | undefined;

  beforeAll(async () => {
    // Signals stay fresh for a minute: a veto must come from the trading state, not from a consumer still reconnecting.
    world = await brainTestWorld("brain_dependency", parametersFile(inject("scratchDir"), { signals: { freshnessMs: 60_000, orderCommandTtlMs: 60_000 } }), { redisAppendOnly: true });
  });

  afterAll(async () => {
    await brain?.stop();
  });

  const decision = async (signalId: string) => {
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = $1", [signalId])) === 1, 20_000, `signal ${signalId} decided`);
    return (await world.db.pool.query<{ outcome: string; reason: string | null; detail: string | null }>("SELECT outcome, reason, detail FROM brain.decisions WHERE signal_id = $1", [signalId])).rows[0]!;
  };

  it("reports REDUCING (dependency-unavailable: redis) in metrics and API, audits it, and clears by itself when Redis is back; decisions resume", async () => {
    const running = (brain = await startBrain(world.env, { dependencyWatch: FAST_WATCH }));
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => (await metricValue(running, "titan_brain_equity_usd")) === 10_000, 15_000, "the equity snapshot");
    expect(await tradingState(running)).toEqual({ value: 0, dependencyCause: 0 });

    const stoppedAt = Date.now(); // before the stop command: the server is gone by the time it returns
    await world.stopRedis();
    await waitFor(async () => (await tradingState(running)).value === 1, 10_000, "the brain to report REDUCING");
    const reportMs = Date.now() - stoppedAt;
    expect(await tradingState(running)).toEqual({ value: 1, dependencyCause: 1 });
    const view = await running.app.inject({ method: "GET", url: "/trading-state", headers: bearer(world.tokens.viewer) });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ state: "REDUCING", causes: [{ cause: "dependency-unavailable", state: "REDUCING", dependency: "redis", raisedBy: { kind: "service", id: "brain" } }] });
    const status = await running.app.inject({ method: "GET", url: "/status", headers: bearer(world.tokens.viewer) });
    expect(status.json().tradingState).toMatchObject({ state: "REDUCING" });
    // PostgreSQL is up: the raise is in the audit log during the outage already.
    await waitFor(async () => (await auditEvents(world, "redis unavailable%")).length === 1, 10_000, "the raise in the audit log");
    expect((await auditEvents(world, "redis unavailable%"))[0]!.reason).toBe("redis unavailable: ACTIVE → REDUCING");
    // No beat leaves without Redis, which execution's dead-man switch is meant to see.
    await waitFor(async () => (await metricValue(running, "titan_brain_heartbeats_total", { outcome: "failed" })) > 0, 10_000, "a heartbeat failing");

    const backAt = Date.now(); // before the start command, which returns once the test's own client is back
    await world.startRedis();
    await waitFor(async () => (await tradingState(running)).value === 0, 20_000, "the brain to report ACTIVE again");
    const clearMs = Date.now() - backAt;
    expect(await tradingState(running)).toEqual({ value: 0, dependencyCause: 0 });
    const [cleared] = await auditEvents(world, "redis is back%");
    expect(cleared?.reason).toBe("redis is back: REDUCING → ACTIVE");
    expect(cleared?.after).toMatchObject({ state: "ACTIVE", cause: "dependency-unavailable", dependency: "redis" });
    expect(Number(cleared?.after.downForMs)).toBeGreaterThan(0);

    const signal = signalPayload({ requestedNotionalUsd: 100 });
    await publish(world.redis, "signal", signal);
    expect(await decision(signal.signalId)).toMatchObject({ outcome: "approved" });
    process.stdout.write(`\nbrain, Redis stopped: REDUCING reported ${(reportMs / 1000).toFixed(2)} s after the stop command, cleared ${(clearMs / 1000).toFixed(2)} s after Redis was started again\n`);
    await running.stop();
    brain = undefined;
  }, 90_000);

  it("vetoes a signal on the trading state while its cause is held, even once it can read again, and its heartbeat says REDUCING", async () => {
    // A policy that never clears: the cause stays held after Redis is back, so a signal can reach the decision.
    const running = (brain = await startBrain(world.env, { dependencyWatch: { ...FAST_WATCH, policy: { failuresToRaise: 2, answersToClear: Number.MAX_SAFE_INTEGER } } }));
    await world.stopRedis();
    await waitFor(async () => (await tradingState(running)).value === 1, 10_000, "the brain to report REDUCING");
    await world.startRedis();
    const backAtMs = Date.now();

    const signal = signalPayload({ requestedNotionalUsd: 100 });
    await publish(world.redis, "signal", signal);
    const vetoed = await decision(signal.signalId);
    expect(vetoed).toMatchObject({ outcome: "vetoed", reason: "trading-state", detail: "trading is REDUCING: no new entries" });
    await waitFor(async () => (await readStream(world.redis, "decision")).some((e) => e.payload.signalId === signal.signalId), 10_000, "the veto on titan:decisions");
    expect((await readStream(world.redis, "order-command")).some((e) => e.payload.signalId === signal.signalId)).toBe(false);
    await waitFor(
      async () => (await readStream(world.redis, "heartbeat")).some((e) => e.payload.service === "brain" && e.payload.tsMs >= backAtMs && e.payload.tradingState === "REDUCING"),
      10_000,
      "a heartbeat saying REDUCING",
    );
  }, 90_000);
});
