// A signal on the bus becomes exactly one decision and, when approved, exactly one order command on the
// bus, with its stop loss and take profits; a repeated signal is decided once; a stale one is vetoed
// with its reason; bad input is refused with a reason and a metric and changes no state.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientOrderIdFor, deterministicUuid } from "../../../services/brain/domain/index.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import { brainTestWorld, count, equityPayload, metricValue, publish, readStream, signalPayload, startBrain, waitFor, bearer, type BrainTestWorld } from "./support.js";

describe("signal → decision → order command", () => {
  let world: BrainTestWorld;
  let brain: RunningService<"brain">;
  const decided = (signalId: string) => waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = $1", [signalId])) === 1, 15_000, `signal ${signalId} decided`);
  const stateVersion = async () => count(world.db, "SELECT version AS n FROM brain.state");

  beforeAll(async () => {
    world = await brainTestWorld("brain_signals");
    brain = await startBrain(world.env);
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => brain.ctx.metrics.registry.getSingleMetric("titan_brain_equity_usd") !== undefined && (await metricValue(brain, "titan_brain_equity_usd")) === 10_000, 15_000, "the equity snapshot");
  });

  afterAll(async () => {
    await brain?.stop();
  });

  it("approves a fresh signal and publishes its decision and order command, stop loss and take profits attached", async () => {
    const signal = signalPayload({ requestedNotionalUsd: 250 });
    const sent = await publish(world.redis, "signal", signal);
    await decided(signal.signalId);
    const decisionId = deterministicUuid("decision", signal.signalId);
    await waitFor(async () => (await readStream(world.redis, "order-command")).some((e) => e.payload.signalId === signal.signalId), 10_000, "the order command on titan:orders");

    const decisions = (await readStream(world.redis, "decision")).filter((e) => e.payload.signalId === signal.signalId);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ id: decisionId, source: "brain", causationId: sent.id, correlationId: signal.signalId, payload: { outcome: "approved", authorisedNotionalUsd: 250 } });
    const orders = (await readStream(world.redis, "order-command")).filter((e) => e.payload.signalId === signal.signalId);
    expect(orders).toHaveLength(1);
    expect(orders[0]?.payload).toMatchObject({
      decisionId,
      clientOrderId: clientOrderIdFor(signal.signalId),
      symbol: "BTCUSDT",
      side: "buy",
      notionalUsd: 250,
      reduceOnly: false,
      stopLossPriceUsd: signal.stopLossPriceUsd,
      takeProfits: signal.takeProfits,
      entryZone: signal.entryZone,
    });
    const { rows } = await world.db.pool.query("SELECT outcome, client_order_id, command_id, authorised_notional_usd FROM brain.decisions WHERE signal_id = $1", [signal.signalId]);
    expect(rows).toEqual([{ outcome: "approved", client_order_id: clientOrderIdFor(signal.signalId), command_id: orders[0]?.id, authorised_notional_usd: 250 }]);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "approved", reason: "approved" })).toBeGreaterThanOrEqual(1);
  });

  it("decides a signal once, whether its message is redelivered or the strategy sends it again", async () => {
    const signal = signalPayload();
    const first = await publish(world.redis, "signal", signal);
    await publish(world.redis, "signal", signal); // a second message carrying the same signal
    await world.redis.xadd("titan:signals", "*", ...encodeEntryFields(first)); // the same message again
    await decided(signal.signalId);
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.signal_rejections WHERE signal_id = $1", [signal.signalId])) === 1, 10_000, "the duplicate to be rejected");
    const orders = (await readStream(world.redis, "order-command")).filter((e) => e.payload.signalId === signal.signalId);
    expect(orders).toHaveLength(1);
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE type = 'order-command' AND envelope->'payload'->>'signalId' = $1", [signal.signalId])).toBe(1);
    const { rows } = await world.db.pool.query("SELECT reason FROM brain.signal_rejections WHERE signal_id = $1", [signal.signalId]);
    expect(rows).toEqual([{ reason: "duplicate" }]);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "rejected", reason: "duplicate" })).toBe(1);
  });

  it("vetoes a stale signal with its reason and sends no order", async () => {
    const signal = signalPayload({ tsMs: Date.now() - 10_000 });
    await publish(world.redis, "signal", signal);
    await decided(signal.signalId);
    const { rows } = await world.db.pool.query("SELECT outcome, reason, detail, command_id FROM brain.decisions WHERE signal_id = $1", [signal.signalId]);
    expect(rows[0]).toMatchObject({ outcome: "vetoed", reason: "stale", command_id: null });
    expect(rows[0].detail).toMatch(/ms old; the limit is 2000 ms/);
    await waitFor(async () => (await readStream(world.redis, "decision")).some((e) => e.payload.signalId === signal.signalId), 10_000, "the veto on titan:decisions");
    expect((await readStream(world.redis, "order-command")).some((e) => e.payload.signalId === signal.signalId)).toBe(false);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "vetoed", reason: "stale" })).toBe(1);
  });

  it("refuses bad input with a reason and a metric, changes no state, and keeps consuming", async () => {
    const versionBefore = await stateVersion();
    const decisionsBefore = await count(world.db, "SELECT count(*) AS n FROM brain.decisions");
    // Malformed: breaks the contract, so the consumer dead-letters it with the reason before the brain sees it.
    const malformedId = randomUUID();
    const malformed = { id: malformedId, type: "signal", version: 1, source: "scavenger", tsMs: Date.now(), payload: { ...signalPayload(), side: "up" } };
    await world.redis.xadd("titan:signals", "*", "id", malformedId, "env", JSON.stringify(malformed));
    // Well-formed but for a symbol the brain does not know, or with its stop on the wrong side.
    const unknown = signalPayload({ symbol: "DOGEUSDT" });
    await publish(world.redis, "signal", unknown);
    const upsideDown = signalPayload({ stopLossPriceUsd: 70_000 });
    await publish(world.redis, "signal", upsideDown);
    // A phase that is not registered gets a veto decision (reason recorded), and no order.
    const phase2 = signalPayload({ phase: 2 });
    await publish(world.redis, "signal", phase2);
    // The consumer is still alive: a good signal afterwards is approved.
    const good = signalPayload();
    await publish(world.redis, "signal", good);
    await decided(good.signalId);

    const { rows: dead } = await world.db.pool.query("SELECT reason_class, reason FROM brain.dead_letters WHERE message_id = $1", [malformedId]);
    expect(dead).toEqual([{ reason_class: "malformed", reason: expect.stringMatching(/payload\.side/) }]);
    const { rows: rejected } = await world.db.pool.query("SELECT signal_id, reason, detail FROM brain.signal_rejections WHERE signal_id = ANY($1) ORDER BY reason", [[unknown.signalId, upsideDown.signalId]]);
    expect(rejected).toEqual([
      { signal_id: upsideDown.signalId, reason: "invalid-signal", detail: expect.stringMatching(/stopLossPriceUsd: a long stop must be below the entry zone/) },
      { signal_id: unknown.signalId, reason: "unknown-symbol", detail: "symbol DOGEUSDT is not known to the brain" },
    ]);
    const { rows: vetoed } = await world.db.pool.query("SELECT outcome, reason, command_id FROM brain.decisions WHERE signal_id = $1", [phase2.signalId]);
    expect(vetoed).toEqual([{ outcome: "vetoed", reason: "phase-not-registered", command_id: null }]);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "rejected", reason: "unknown-symbol" })).toBe(1);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "rejected", reason: "invalid-signal" })).toBe(1);
    expect(await metricValue(brain, "titan_brain_decisions_total", { outcome: "vetoed", reason: "phase-not-registered" })).toBe(1);
    expect(await metricValue(brain, "titan_brain_messages_dead_lettered_total", { reason_class: "malformed" })).toBe(1);
    // Nothing but the two decisions (phase 2's veto, the good one) was written; the brain's state did not move.
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.decisions")).toBe(decisionsBefore + 2);
    expect(await stateVersion()).toBe(versionBefore);
    expect(await metricValue(brain, "titan_brain_orders_outside_risk_limits_total")).toBe(0);
  });

  it("serves decisions newest first, paged and filtered, to a viewer", async () => {
    const headers = bearer(world.tokens.viewer);
    const first = await brain.app.inject({ method: "GET", url: "/decisions?limit=2", headers });
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as { decisions: Array<{ decisionId: string; decidedAtMs: number }>; nextCursor: string | null };
    expect(page1.decisions).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const second = (await brain.app.inject({ method: "GET", url: `/decisions?limit=2&cursor=${page1.nextCursor}`, headers })).json() as typeof page1;
    expect(second.decisions.map((d) => d.decisionId)).not.toContain(page1.decisions[0]?.decisionId);
    expect(second.decisions[0]!.decidedAtMs).toBeLessThanOrEqual(page1.decisions[1]!.decidedAtMs);
    const vetoes = (await brain.app.inject({ method: "GET", url: "/decisions?outcome=vetoed&limit=50", headers })).json() as { decisions: Array<{ outcome: string; reason: string }> };
    expect(vetoes.decisions.map((d) => d.reason).sort()).toEqual(["phase-not-registered", "stale"]);
    expect((await brain.app.inject({ method: "GET", url: "/decisions?limit=0", headers })).statusCode).toBe(400);
    expect((await brain.app.inject({ method: "GET", url: "/decisions?outcome=maybe", headers })).statusCode).toBe(400);
    expect((await brain.app.inject({ method: "GET", url: "/decisions" })).statusCode).toBe(401);
  });

  it("measures signal processing: signal timestamp to committed order command, paced and in a burst", async () => {
    const buckets = async (): Promise<Map<string, number>> => {
      const { values } = await brain.ctx.metrics.registry.getSingleMetric("titan_brain_signal_processing_seconds")!.get();
      return new Map(values.filter((v) => v.labels.le !== undefined && v.labels.outcome === "approved").map((v) => [String(v.labels.le), v.value]));
    };
    const quantiles = (before: Map<string, number>, after: Map<string, number>) => {
      const delta = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
      const total = delta.find(([le]) => le === "+Inf")?.[1] ?? 0;
      const q = (p: number) => delta.find(([, n]) => n >= p * total)?.[0];
      return { total, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
    };
    const run = async (n: number, gapMs: number) => {
      const ids: string[] = [];
      const before = await buckets();
      const startedMs = Date.now();
      for (let i = 0; i < n; i++) {
        const signal = signalPayload({ requestedNotionalUsd: 10 });
        ids.push(signal.signalId);
        await publish(world.redis, "signal", signal);
        if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      }
      // Every signal is decided; on a busy machine some may wait past the staleness limit and be vetoed as stale.
      await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = ANY($1)", [ids])) === n, 90_000, `${n} decisions`);
      const approved = await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = ANY($1) AND outcome = 'approved'", [ids]);
      const vetoedOtherwise = await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = ANY($1) AND outcome = 'vetoed' AND reason <> 'stale'", [ids]);
      return { ...quantiles(before, await buckets()), elapsedMs: Date.now() - startedMs, approved, vetoedOtherwise };
    };
    const paced = await run(100, 10);
    const burst = await run(300, 0);
    console.log(
      `signal processing (signal tsMs → committed order command; histogram bucket upper bounds, seconds): ` +
        `paced ~${Math.round((100 * 1000) / paced.elapsedMs)}/s: p50 ≤ ${paced.p50}, p95 ≤ ${paced.p95}, p99 ≤ ${paced.p99}; ` +
        `burst of 300 as fast as published: p50 ≤ ${burst.p50}, p95 ≤ ${burst.p95}, p99 ≤ ${burst.p99}, all decided in ${burst.elapsedMs} ms (${Math.round((300 * 1000) / burst.elapsedMs)}/s)`,
    );
    // The histogram counts exactly the approvals, and nothing was refused for any reason but age.
    for (const r of [paced, burst]) {
      expect(r.total).toBe(r.approved);
      expect(r.vetoedOtherwise).toBe(0);
    }
    expect(paced.approved).toBeGreaterThan(0);
  }, 240_000);
});
