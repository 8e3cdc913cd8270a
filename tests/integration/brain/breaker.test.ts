// Losses booked from execution reports on the bus trip the HARD breaker: the brain publishes a flatten
// command and HALTED in the same transaction, keeps it across a restart, and only an operator with a
// reason can reset it — audited. A reset while the condition still holds is refused.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import {
  bearer,
  brainTestWorld,
  count,
  equityPayload,
  fillReport,
  metricValue,
  parametersFile,
  publish,
  readStream,
  signalPayload,
  startBrain,
  waitFor,
  type BrainTestWorld,
} from "./support.js";

describe("the HARD breaker through the bus", () => {
  let world: BrainTestWorld;
  let brain: RunningService<"brain">;
  const get = async (url: string) => (await brain.app.inject({ method: "GET", url, headers: bearer(world.tokens.viewer) })).json() as Record<string, unknown>;
  const reset = (headers: Record<string, string>, payload: unknown) => brain.app.inject({ method: "POST", url: "/breaker/reset", headers, payload: payload as object });
  const decisionOf = async (signalId: string) => {
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = $1", [signalId])) === 1, 15_000, "the decision");
    return (await world.db.pool.query("SELECT outcome, reason FROM brain.decisions WHERE signal_id = $1", [signalId])).rows[0] as { outcome: string; reason: string | null };
  };

  beforeAll(async () => {
    // SOFT's 30-minute cooldown shortened to 2 s, so the clock's own reset can be watched.
    world = await brainTestWorld("brain_breaker", parametersFile(inject("scratchDir"), { breaker: { softCooldownMs: 2_000 } }));
    brain = await startBrain(world.env);
  });

  afterAll(async () => {
    await brain?.stop();
  });

  it("trips HARD on a 20 % loss booked from execution reports: flatten and HALTED on the bus, audited", async () => {
    await publish(world.redis, "equity-snapshot", equityPayload(1_000));
    await waitFor(async () => (await get("/status")).equity !== undefined && ((await get("/status")).equity as { equityUsd: number }).equityUsd === 1_000, 10_000, "equity 1,000");
    await publish(world.redis, "execution-report", fillReport("buy", 0.1, 60_000));
    await publish(world.redis, "execution-report", fillReport("sell", 0.1, 58_000, { fill: { fillId: "loss-close", qty: 0.1, priceUsd: 58_000, feeUsd: 0.5, liquidity: "taker" } }));
    await waitFor(async () => (await readStream(world.redis, "control-command")).length === 1, 15_000, "the flatten command");

    const [flatten] = await readStream(world.redis, "control-command");
    expect(flatten?.payload).toMatchObject({ command: "flatten", issuedBy: { kind: "service", id: "brain" }, reason: expect.stringMatching(/circuit breaker HARD: daily drawdown 20\.05 %/) });
    await waitFor(async () => (await readStream(world.redis, "trading-state")).some((e) => e.payload.state === "HALTED"), 10_000, "HALTED on the bus");
    const halted = (await readStream(world.redis, "trading-state")).find((e) => e.payload.state === "HALTED");
    expect(halted?.payload.causes).toEqual([expect.objectContaining({ cause: "breaker-hard", state: "HALTED", raisedBy: { kind: "service", id: "brain" } })]);
    const events = await readStream(world.redis, "breaker-event");
    expect(events.map((e) => `${e.payload.breaker}-${e.payload.action}-${e.payload.trigger}`)).toEqual(["HARD-trip-daily-drawdown"]);
    expect(events[0]?.payload.figures).toMatchObject({ equityUsd: 799.5, startOfDayEquityUsd: 1_000 });

    expect(await get("/trading-state")).toMatchObject({ state: "HALTED", causes: [{ cause: "breaker-hard" }] });
    expect(await get("/breaker")).toMatchObject({ active: "HARD", hard: { trigger: "daily-drawdown" } });
    const { rows: audit } = await world.db.pool.query("SELECT actor_kind, actor_id, action, target FROM audit.events WHERE service = 'brain' AND action IN ('breaker.trip', 'trading-state.change') ORDER BY seq");
    expect(audit).toEqual([
      { actor_kind: "service", actor_id: "brain", action: "breaker.trip", target: "breaker:HARD" },
      { actor_kind: "service", actor_id: "brain", action: "trading-state.change", target: "trading-state:brain" },
    ]);
    expect(await metricValue(brain, "titan_brain_breaker_trips_total", { type: "HARD" })).toBe(1);
    expect(await metricValue(brain, "titan_brain_trading_state")).toBe(2);
    expect(await metricValue(brain, "titan_brain_trading_state_cause_info", { cause: "breaker-hard" })).toBe(1);
    // A trade recorded for phase performance, and the same report again changes nothing.
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.phase_trades WHERE pnl_usd < 0")).toBe(1);
    const version = await count(world.db, "SELECT version AS n FROM brain.state");
    await publish(world.redis, "execution-report", fillReport("sell", 0.1, 58_000, { fill: { fillId: "loss-close", qty: 0.1, priceUsd: 58_000, feeUsd: 0.5, liquidity: "taker" } }));
    const marker = signalPayload();
    await publish(world.redis, "signal", marker);
    expect(await decisionOf(marker.signalId)).toEqual({ outcome: "vetoed", reason: "breaker-active" });
    expect(await count(world.db, "SELECT version AS n FROM brain.state")).toBe(version);
  });

  it("stays tripped across a restart and announces HALTED again", async () => {
    await brain.stop();
    brain = await startBrain(world.env);
    expect(await get("/breaker")).toMatchObject({ active: "HARD" });
    expect(await get("/trading-state")).toMatchObject({ state: "HALTED" });
    await waitFor(async () => (await readStream(world.redis, "trading-state")).filter((e) => e.payload.state === "HALTED").length === 2, 10_000, "HALTED announced on start");
    const sequences = (await readStream(world.redis, "trading-state")).map((e) => e.payload.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect((await get("/status")).equity).toMatchObject({ equityUsd: 799.5, startOfDayEquityUsd: 1_000 });
  });

  it("refuses a reset without a principal, with too weak a role, or without a reason", async () => {
    expect((await reset({}, { reason: "x" })).statusCode).toBe(401);
    expect((await reset(bearer(world.tokens.viewer), { reason: "x" })).statusCode).toBe(403);
    const missing = await reset(bearer(world.tokens.operator), {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/reason/);
    expect((await reset(bearer(world.tokens.operator), { reason: "   " })).statusCode).toBe(400);
    expect((await reset(bearer(world.tokens.operator), { reason: "ok", extra: 1 })).statusCode).toBe(400);
    expect(await metricValue(brain, "titan_brain_auth_failures_total", { reason: "missing_credentials", route: "/breaker/reset" })).toBe(1);
  });

  it("refuses a reset while the drawdown still holds, then an operator's reset with a reason clears it, audited", async () => {
    const early = await reset(bearer(world.tokens.operator), { reason: "looked at it" });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toMatch(/HARD condition still holds/);
    expect((await reset(bearer(world.tokens.operator), { reason: "x", falsePositive: "yes" })).statusCode).toBe(400);
    expect(await get("/breaker")).toMatchObject({ active: "HARD" });

    await publish(world.redis, "equity-snapshot", equityPayload(1_000)); // the loss was covered by a deposit
    await waitFor(async () => ((await get("/status")).equity as { equityUsd: number }).equityUsd === 1_000, 10_000, "equity back at 1,000");
    expect(await metricValue(brain, "titan_brain_breaker_false_positives_total")).toBe(0);
    const ok = await reset(bearer(world.tokens.operator), { reason: "loss reviewed, deposit covered it", falsePositive: true });
    expect(ok.statusCode).toBe(200);
    expect(await metricValue(brain, "titan_brain_breaker_false_positives_total")).toBe(1); // the operator's verdict counts for the KPI
    expect(ok.json()).toMatchObject({ active: null, hard: null });
    expect(await get("/trading-state")).toMatchObject({ state: "ACTIVE", causes: [] });

    const { rows } = await world.db.pool.query("SELECT actor_kind, action, target, reason FROM audit.events WHERE service = 'brain' AND action = 'breaker.reset'");
    expect(rows).toEqual([{ actor_kind: "operator", action: "breaker.reset", target: "breaker:HARD", reason: "loss reviewed, deposit covered it" }]);
    await waitFor(async () => (await readStream(world.redis, "trading-state")).at(-1)?.payload.state === "ACTIVE", 10_000, "ACTIVE on the bus");
    expect((await readStream(world.redis, "breaker-event")).map((e) => `${e.payload.breaker}-${e.payload.action}-${e.payload.actor.kind}`)).toEqual(["HARD-trip-service", "HARD-reset-operator"]);

    const signal = signalPayload();
    await publish(world.redis, "signal", signal);
    expect(await decisionOf(signal.signalId)).toEqual({ outcome: "approved", reason: null });
  });

  it("trips SOFT after three losing trades (REDUCING, entries vetoed) and lets the clock reset it", async () => {
    for (let i = 0; i < 3; i++) {
      await publish(world.redis, "execution-report", fillReport("buy", 0.01, 60_000));
      await publish(world.redis, "execution-report", fillReport("sell", 0.01, 59_900));
    }
    await waitFor(async () => (await readStream(world.redis, "trading-state")).at(-1)?.payload.state === "REDUCING", 10_000, "REDUCING on the bus");
    expect((await readStream(world.redis, "trading-state")).at(-1)?.payload.causes).toEqual([expect.objectContaining({ cause: "breaker-soft", state: "REDUCING", clearsAtMs: expect.any(Number) })]);
    const vetoed = signalPayload();
    await publish(world.redis, "signal", vetoed);
    expect(await decisionOf(vetoed.signalId)).toEqual({ outcome: "vetoed", reason: "breaker-active" });
    expect(await readStream(world.redis, "control-command")).toHaveLength(1); // SOFT flattens nothing

    await waitFor(async () => (await readStream(world.redis, "trading-state")).at(-1)?.payload.state === "ACTIVE", 10_000, "the cooldown to clear SOFT");
    expect((await readStream(world.redis, "breaker-event")).slice(-2).map((e) => `${e.payload.breaker}-${e.payload.action}-${e.payload.trigger}-${e.payload.actor.kind}`)).toEqual([
      "SOFT-trip-consecutive-losses-service",
      "SOFT-reset-cooldown-elapsed-system",
    ]);
    expect(await metricValue(brain, "titan_brain_breaker_trips_total", { type: "SOFT" })).toBe(1);
    expect(await count(world.db, "SELECT count(*) AS n FROM audit.events WHERE service = 'brain' AND action = 'breaker.reset' AND target = 'breaker:SOFT' AND actor_kind = 'system'")).toBe(1);
  });
});
