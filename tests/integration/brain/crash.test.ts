// The brain as a child process, SIGKILLed (services/shared/faults.ts) between a decision's commit and
// the relay's publish, again in the middle of a decision's transaction, and once more between the
// relay's XADD and its mark; restarted each time. Signals are decided in batches, so a kill takes or
// keeps a whole batch. Afterwards every signal has exactly one decision and
// at most one order command, counted in PostgreSQL and on the Redis stream (by message id, which is what
// execution's inbox dedupes on: a relay crash may repeat an entry, never create a second command).
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BRAIN_FAULT_POINTS } from "../../../services/brain/adapters/signal-handler.js";
import { BRAIN_TRANSACTION_BATCH } from "../../../services/brain/service.js";
import { MESSAGING_FAULT_POINTS } from "../../../services/shared/messaging/index.js";
import { killLeftoverChildren, spawnTsChild, type TestChild } from "../../support/child-process.js";
import { brainTestWorld, count, equityPayload, parametersFile, publish, readStream, signalPayload, waitFor, type BrainTestWorld } from "./support.js";

const SIGNALS = 60;
const spawnBrain = (env: NodeJS.ProcessEnv, faults: string): TestChild =>
  spawnTsChild("services/brain/main.ts", [], { ...process.env, ...env, TITAN_FAULT_POINTS: faults });

describe("the brain killed mid-stream", () => {
  let world: BrainTestWorld;
  const decisions = () => count(world.db, "SELECT count(*) AS n FROM brain.decisions");

  beforeAll(async () => {
    // A generous freshness limit: signals wait in the stream while the brain restarts, and must still be approved.
    world = await brainTestWorld("brain_crash", parametersFile(inject("scratchDir"), { signals: { freshnessMs: 600_000, orderCommandTtlMs: 600_000 } }));
  });

  afterAll(() => {
    killLeftoverChildren();
  });

  it("loses no signal, decides none twice and duplicates no order command", async () => {
    // 1: killed right after committing its 15th decision, before the relay could publish it.
    const first = spawnBrain(world.env, `${BRAIN_FAULT_POINTS.signalAfterCommitBeforePublish}@15`);
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.state WHERE accounts ? 'futures'")) === 1, 30_000, "the equity snapshot");
    const signals = Array.from({ length: SIGNALS }, () => signalPayload({ requestedNotionalUsd: 50 }));
    for (const signal of signals) await publish(world.redis, "signal", signal);
    expect(await first.exited, first.output()).toEqual({ code: null, signal: "SIGKILL" });
    // Signals are decided in batches (BRAIN_TRANSACTION_BATCH): the 15th decision's batch committed whole.
    const afterFirst = await decisions();
    expect(afterFirst).toBeGreaterThanOrEqual(15);
    expect(afterFirst).toBeLessThan(15 + BRAIN_TRANSACTION_BATCH);
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE published_at IS NULL AND type = 'order-command'"), "the last command committed, unpublished").toBeGreaterThanOrEqual(1);

    // 2: restarted, it publishes what was committed, skips the redelivered ones, and dies inside its 20th new
    // decision: that decision's batch is lost whole, every batch before it kept.
    const second = spawnBrain(world.env, `${BRAIN_FAULT_POINTS.signalBeforeCommit}@20`);
    expect(await second.exited, second.output()).toEqual({ code: null, signal: "SIGKILL" });
    const afterSecond = await decisions();
    expect(afterSecond).toBeGreaterThanOrEqual(afterFirst);
    expect(afterSecond).toBeLessThan(afterFirst + 20);

    // 3: the relay dies between XADD and marking its third batch published: that batch goes out twice.
    const third = spawnBrain(world.env, `${MESSAGING_FAULT_POINTS.relayAfterXaddBeforeMarkPublished}@3`);
    expect(await third.exited, third.output()).toEqual({ code: null, signal: "SIGKILL" });

    // 4: no faults: it finishes the stream, including the decision whose transaction died with process 2.
    const last = spawnBrain(world.env, "");
    await waitFor(async () => (await decisions()) === SIGNALS, 30_000, `${SIGNALS} decisions`);
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE published_at IS NULL")) === 0, 15_000, "the outbox drained");
    last.process.kill("SIGTERM");
    expect(await last.exited, last.output()).toEqual({ code: 0, signal: null });

    // PostgreSQL: one decision per signal, all approved, one order command each in the outbox.
    const ids = signals.map((s) => s.signalId);
    expect(await count(world.db, "SELECT count(DISTINCT signal_id) AS n FROM brain.decisions WHERE signal_id = ANY($1) AND outcome = 'approved'", [ids])).toBe(SIGNALS);
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.outbox WHERE type = 'order-command'")).toBe(SIGNALS);
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.inbox WHERE stream = 'titan:signals'")).toBe(SIGNALS);

    // Redis: every signal's command is on titan:orders under one message id; repeats are the same message.
    const orders = await readStream(world.redis, "order-command");
    const idsBySignal = new Map<string, Set<string>>();
    for (const o of orders) idsBySignal.set(o.payload.signalId, (idsBySignal.get(o.payload.signalId) ?? new Set()).add(o.id));
    expect([...idsBySignal.keys()].sort()).toEqual([...ids].sort());
    expect([...idsBySignal.values()].every((set) => set.size === 1)).toBe(true);
    expect(new Set(orders.map((o) => o.payload.clientOrderId)).size).toBe(SIGNALS);
    const decided = await readStream(world.redis, "decision");
    expect(new Set(decided.map((d) => d.id)).size).toBe(SIGNALS);
    const pending = (await world.redis.xpending("titan:signals", "brain")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    console.log(
      `crash test: ${SIGNALS} signals, 3 SIGKILLs; decisions ${await decisions()}, distinct order commands on titan:orders ${idsBySignal.size} ` +
        `(${orders.length} stream entries: ${orders.length - SIGNALS} repeated by the relay crash), decisions on titan:decisions ${decided.length} entries / ${new Set(decided.map((d) => d.id)).size} distinct`,
    );
  });
});
