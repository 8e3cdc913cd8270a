// A batch of signals decided in one transaction writes its decisions in ONE statement, with the same
// guarantees as one at a time: one decision and at most one order command per signal id, a copy of a
// decided signal (in the same batch or an earlier transaction) rejected as a duplicate with nothing
// published, messages in signal order, and a failed batch replayed one by one deciding correctly.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Brain } from "../../../services/brain/adapters/brain.js";
import { decideSignal } from "../../../services/brain/adapters/signal-handler.js";
import { loadBrainSettings } from "../../../services/brain/config.js";
import { publishInTransaction } from "../../../services/shared/bus.js";
import { systemClock } from "../../../services/shared/clock.js";
import { flushBeforeCommit } from "../../../services/shared/db/database.js";
import { makeEnvelope, streamOf, type EnvelopeOf } from "../../../services/shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../../services/shared/contracts/samples.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import { xaddAll } from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { brainTestWorld, count, equityPayload, metricValue, publish, signalPayload, startBrain, waitFor, type BrainTestWorld } from "./support.js";

const BATCH = 12;

const signalMessage = (signal = signalPayload({ requestedNotionalUsd: 50 })): EnvelopeOf<"signal"> => makeEnvelope("signal", signal, { source: "scavenger", clock: systemClock });

describe("decisions of a batch written in one statement", () => {
  let world: BrainTestWorld;
  let running: RunningService<"brain">;
  /** A second Brain over the running service's context: the tests hand it signals in transactions of their own. */
  let brain: Brain;

  const statements = (statement: string) => metricCount(running.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement });
  const decisionsOf = (ids: readonly string[]) => count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = ANY($1::uuid[])", [ids]);
  /** The outbox rows about these signals, in enqueue order: [type, signalId]. */
  const outboxOf = async (ids: readonly string[]): Promise<Array<[string, string]>> => {
    const { rows } = await world.db.pool.query<{ type: string; signal_id: string }>(
      "SELECT type, envelope->'payload'->>'signalId' AS signal_id FROM brain.outbox WHERE envelope->'payload'->>'signalId' = ANY($1) ORDER BY seq",
      [ids],
    );
    return rows.map((r) => [r.type, r.signal_id]);
  };
  const rejections = async (ids: readonly string[]) =>
    (await world.db.pool.query<{ message_id: string; reason: string }>("SELECT message_id, reason FROM brain.signal_rejections WHERE signal_id = ANY($1::uuid[])", [ids])).rows;
  const decideInOneTransaction = (messages: readonly EnvelopeOf<"signal">[]) =>
    brain.db.transaction(async (tx) => {
      for (const message of messages) await decideSignal(brain, message, tx);
    });

  beforeAll(async () => {
    world = await brainTestWorld("brain_decision_batch");
    running = await startBrain(world.env);
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => (await metricValue(running, "titan_brain_equity_usd")) === 10_000, 15_000, "the equity snapshot");
    brain = new Brain(running.ctx, loadBrainSettings(world.env));
    await brain.init();
  });

  afterAll(async () => {
    await running?.stop();
  });

  it("writes N distinct signals' decisions with one INSERT and announces each, decision then order, in signal order", async () => {
    const messages = Array.from({ length: BATCH }, () => signalMessage());
    const ids = messages.map((m) => m.payload.signalId);
    const insertsBefore = await statements("brain_decision_insert");
    const locksBefore = await statements("brain_state_lock_share");
    const decidedBefore = await metricCount(running.ctx.metrics, "titan_brain_decisions_total", { outcome: "approved" });

    await decideInOneTransaction(messages);

    expect(await decisionsOf(ids)).toBe(BATCH);
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.decisions WHERE signal_id = ANY($1::uuid[]) AND outcome = 'approved'", [ids])).toBe(BATCH);
    expect((await statements("brain_decision_insert")) - insertsBefore).toBe(1);
    expect((await statements("brain_state_lock_share")) - locksBefore).toBe(0); // the INSERT took the share lock
    expect(await outboxOf(ids)).toEqual(ids.flatMap((id) => [["decision", id], ["order-command", id]]));
    expect(await rejections(ids)).toEqual([]);
    // The metrics stay per signal, counted at the commit.
    expect((await metricCount(running.ctx.metrics, "titan_brain_decisions_total", { outcome: "approved" })) - decidedBefore).toBe(BATCH);
  });

  it("decides two copies of one signal in one batch once: one decision, one order command, one duplicate rejection", async () => {
    const signal = signalPayload({ requestedNotionalUsd: 50 });
    const other = signalMessage();
    const first = signalMessage(signal);
    const second = signalMessage(signal);
    const ids = [signal.signalId, other.payload.signalId];

    await decideInOneTransaction([first, other, second]);

    const { rows } = await world.db.pool.query<{ message_id: string }>("SELECT message_id FROM brain.decisions WHERE signal_id = $1", [signal.signalId]);
    expect(rows).toEqual([{ message_id: first.id }]); // the first copy in batch order wins
    expect(await decisionsOf(ids)).toBe(2);
    expect(await outboxOf(ids)).toEqual([
      ["decision", signal.signalId],
      ["order-command", signal.signalId],
      ["decision", other.payload.signalId],
      ["order-command", other.payload.signalId],
    ]);
    expect(await rejections(ids)).toEqual([{ message_id: second.id, reason: "duplicate" }]);
  });

  it("rejects a signal decided in an earlier transaction as a duplicate and publishes nothing for it", async () => {
    const signal = signalPayload({ requestedNotionalUsd: 50 });
    await decideInOneTransaction([signalMessage(signal)]);
    const outboxBefore = await outboxOf([signal.signalId]);
    expect(outboxBefore).toHaveLength(2);
    const fresh = signalMessage();
    const again = signalMessage(signal);

    await decideInOneTransaction([again, fresh]);

    expect(await decisionsOf([signal.signalId])).toBe(1);
    expect(await outboxOf([signal.signalId])).toEqual(outboxBefore);
    expect(await rejections([signal.signalId])).toEqual([{ message_id: again.id, reason: "duplicate" }]);
    // The rest of the batch is unaffected.
    expect(await outboxOf([fresh.payload.signalId])).toEqual([
      ["decision", fresh.payload.signalId],
      ["order-command", fresh.payload.signalId],
    ]);
  });

  it("leaves nothing of a batch that failed, and decides its signals when they are replayed one by one", async () => {
    const messages = Array.from({ length: 3 }, () => signalMessage());
    const ids = messages.map((m) => m.payload.signalId);
    const poison = new Error("a poison message further in the batch");
    await expect(
      brain.db.transaction(async (tx) => {
        for (const message of messages) await decideSignal(brain, message, tx);
        throw poison;
      }),
    ).rejects.toBe(poison);
    expect(await decisionsOf(ids)).toBe(0);
    expect(await outboxOf(ids)).toEqual([]);

    const insertsBefore = await statements("brain_decision_insert");
    for (const message of messages) await decideInOneTransaction([message]);

    expect(await decisionsOf(ids)).toBe(3);
    expect((await statements("brain_decision_insert")) - insertsBefore).toBe(3);
    expect(await outboxOf(ids)).toEqual(ids.flatMap((id) => [["decision", id], ["order-command", id]]));
    expect(await rejections(ids)).toEqual([]);
  });

  it("decides a batch again on the state its INSERT locked when the state moved after its memory was read", async () => {
    const stateVersion = () => count(world.db, "SELECT version AS n FROM brain.state");
    const memoryVersion = brain.state.version;
    expect(memoryVersion).toBe(await stateVersion()); // this Brain is up to date so far
    // The running service books a new equity: the row moves on; this Brain's memory does not know yet.
    await publish(world.redis, "equity-snapshot", equityPayload(20_000));
    await waitFor(async () => (await metricValue(running, "titan_brain_equity_usd")) === 20_000, 15_000, "the new equity");
    expect(await stateVersion()).toBeGreaterThan(memoryVersion);
    expect(brain.state.version).toBe(memoryVersion);

    const messages = Array.from({ length: 3 }, () => signalMessage());
    const ids = messages.map((m) => m.payload.signalId);
    const insertsBefore = await statements("brain_decision_insert");
    await decideInOneTransaction(messages);

    // Decided on the locked state (20,000), not on memory's (10,000): the first INSERT wrote nothing.
    const { rows } = await world.db.pool.query<{ equity: number }>("SELECT (risk->>'equityUsd')::float8 AS equity FROM brain.decisions WHERE signal_id = ANY($1::uuid[])", [ids]);
    expect(rows.map((r) => r.equity)).toEqual([20_000, 20_000, 20_000]);
    expect((await statements("brain_decision_insert")) - insertsBefore).toBe(2);
    expect(await outboxOf(ids)).toEqual(ids.flatMap((id) => [["decision", id], ["order-command", id]]));
    expect(brain.state.version).toBe(await stateVersion()); // and memory caught up with what the lock found
  });

  it("holds the state row's share lock from the decisions' INSERT to COMMIT: no state change can commit in between", async () => {
    const message = signalMessage();
    const writer = await world.db.pool.connect();
    try {
      await brain.db.transaction(async (tx) => {
        await decideSignal(brain, message, tx);
        await flushBeforeCommit(tx); // the decisions' INSERT runs now; COMMIT comes after the checks below
        await writer.query("SET lock_timeout = '300ms'");
        await expect(writer.query("UPDATE brain.state SET version = version WHERE id = 1")).rejects.toThrow(/lock timeout/);
      });
      // Committed: the row is free again.
      await writer.query("UPDATE brain.state SET version = version WHERE id = 1");
    } finally {
      writer.release();
    }
    expect(await decisionsOf([message.payload.signalId])).toBe(1);
  });

  it("writes the decisions' messages even when the outbox's own hook was registered earlier in the transaction", async () => {
    const messages = [signalMessage(), signalMessage()];
    const ids = messages.map((m) => m.payload.signalId);
    const heartbeat = { ...SAMPLE_PAYLOADS.heartbeat, instanceId: `decision-batch-${randomUUID()}`, tsMs: Date.now() };
    await brain.db.transaction(async (tx) => {
      // Enqueued first: the outbox registers its before-commit hook ahead of the decisions' hook.
      await publishInTransaction(tx, "heartbeat", heartbeat, { source: "brain", clock: systemClock });
      for (const message of messages) await decideSignal(brain, message, tx);
    });

    expect(await decisionsOf(ids)).toBe(2);
    expect(await outboxOf(ids)).toEqual(ids.flatMap((id) => [["decision", id], ["order-command", id]]));
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE envelope->'payload'->>'instanceId' = $1", [heartbeat.instanceId])).toBe(1);
  });

  it("through the stream consumer: a burst of signals is decided with far fewer INSERTs than signals", async () => {
    const signals = Array.from({ length: 40 }, () => signalPayload({ requestedNotionalUsd: 50 }));
    const ids = signals.map((s) => s.signalId);
    const insertsBefore = await statements("brain_decision_insert");
    // One pipeline: the consumer's next read finds the whole burst and decides it in batches.
    await xaddAll(world.redis, streamOf("signal"), signals.map((payload) => makeEnvelope("signal", payload, { source: "scavenger", clock: systemClock })));

    await waitFor(async () => (await decisionsOf(ids)) === signals.length, 15_000, `${signals.length} decisions`);
    await waitFor(async () => (await outboxOf(ids)).length === 2 * signals.length, 5_000, "their messages");
    const inserts = (await statements("brain_decision_insert")) - insertsBefore;
    expect(inserts).toBeGreaterThanOrEqual(1);
    expect(inserts).toBeLessThan(signals.length / 2);
    const types = new Map<string, string[]>();
    for (const [type, id] of await outboxOf(ids)) types.set(id, [...(types.get(id) ?? []), type]);
    expect([...types.values()].every((t) => t.join() === "decision,order-command")).toBe(true);
  });
});
