// The brain handles a burst of portfolio messages in shared transactions (BRAIN_TRANSACTION_BATCH):
// each message builds on the state the one before it wrote in the same transaction, without reloading
// it from PostgreSQL, and memory adopts it only after the commit. Every fill counts once; the state row
// is written once per transaction; a fill of an order the brain decided gets its phase without a lookup.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import { xaddAll } from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf } from "../../../services/shared/contracts/index.js";
import { brainTestWorld, count, equityPayload, fillReport, metricValue, publish, readStream, signalPayload, startBrain, waitFor, type BrainTestWorld } from "./support.js";

const FILLS = 60;

const QTY = 0.001;

describe("a burst of fills in batched transactions", () => {
  let world: BrainTestWorld;
  let brain: RunningService<"brain">;

  beforeAll(async () => {
    world = await brainTestWorld("brain_batch");
    brain = await startBrain(world.env);
    await publish(world.redis, "equity-snapshot", equityPayload(10_000));
    await waitFor(async () => (await metricValue(brain, "titan_brain_equity_usd")) === 10_000, 15_000, "the equity snapshot");
  });

  afterAll(async () => {
    await brain?.stop();
  });

  it("books each fill once, builds each on the last within a transaction and never reloads the state", async () => {
    const versionBefore = await count(world.db, "SELECT version AS n FROM brain.state");
    const loadsBefore = await metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "brain_state_load" });
    const commitsBefore = await metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "commit" });
    const reports = Array.from({ length: FILLS }, () => fillReport("buy", QTY, 50_000));
    // One pipeline: the brain's next read finds the whole burst.
    await xaddAll(world.redis, streamOf("execution-report"), reports.map((payload) => makeEnvelope("execution-report", payload, { source: "execution", clock: systemClock })));

    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.fills")) === FILLS, 15_000, `${FILLS} fills booked`);
    await waitFor(async () => (await count(world.db, "SELECT version AS n FROM brain.state")) === versionBefore + FILLS, 15_000, "one state version per fill");
    const qty = Number((await world.db.pool.query<{ qty: string }>("SELECT positions->'BTCUSDT'->>'qty' AS qty FROM brain.state")).rows[0]?.qty);
    expect(qty).toBeCloseTo(FILLS * QTY, 9);
    await waitFor(async () => (await metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "commit" })) > commitsBefore, 5_000, "a commit");
    expect(await metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "brain_state_load" })).toBe(loadsBefore);
    const commits = (await metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "commit" })) - commitsBefore;
    expect(commits).toBeLessThan(FILLS / 2); // batched: far fewer commits than fills
  });

  it("books nothing for a fill delivered again under new message ids, and writes the state row once per transaction", async () => {
    const statements = (statement: string) => metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement });
    const [savesBefore, commitsBefore] = [await statements("brain_state_save"), await statements("commit")];
    const reports = Array.from({ length: FILLS }, () => fillReport("buy", QTY, 50_000));
    const send = () => xaddAll(world.redis, streamOf("execution-report"), reports.map((payload) => makeEnvelope("execution-report", payload, { source: "execution", clock: systemClock })));
    const fillsBefore = await count(world.db, "SELECT count(*) AS n FROM brain.fills");
    await send();
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.fills")) === fillsBefore + FILLS, 15_000, `${FILLS} more fills booked`);
    await waitFor(async () => (await statements("commit")) > commitsBefore, 5_000, "a commit");
    const version = await count(world.db, "SELECT version AS n FROM brain.state");
    const qty = async () => Number((await world.db.pool.query<{ qty: string }>("SELECT positions->'BTCUSDT'->>'qty' AS qty FROM brain.state")).rows[0]?.qty);
    const qtyAfterFirst = await qty();
    const saves = (await statements("brain_state_save")) - savesBefore;
    const commits = (await statements("commit")) - commitsBefore;
    expect(saves).toBeGreaterThan(0);
    expect(saves).toBeLessThanOrEqual(commits); // one UPDATE per transaction, not one per fill
    expect(saves).toBeLessThan(FILLS / 2);

    // The same reports again, each in a new envelope (new message ids: the inbox lets them through).
    const inboxBefore = await count(world.db, "SELECT count(*) AS n FROM brain.inbox WHERE stream = $1", [streamOf("execution-report")]);
    await send();
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.inbox WHERE stream = $1", [streamOf("execution-report")])) === inboxBefore + FILLS, 15_000, "the copies consumed");
    expect(await count(world.db, "SELECT count(*) AS n FROM brain.fills")).toBe(fillsBefore + FILLS);
    expect(await count(world.db, "SELECT version AS n FROM brain.state")).toBe(version);
    expect(await qty()).toBe(qtyAfterFirst);
  });

  it("decides signals while fills commit beside them without reading the state row again", async () => {
    const loads = () => metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "brain_state_load" });
    const loadsBefore = await loads();
    const decisionsBefore = await count(world.db, "SELECT count(*) AS n FROM brain.decisions");
    const fillsBefore = await count(world.db, "SELECT count(*) AS n FROM brain.fills");
    // The two consumers run their own transactions: a signal's lock often finds a version whose after-commit hook has not run yet.
    for (let i = 0; i < 40; i++) {
      await publish(world.redis, "execution-report", fillReport("buy", QTY, 50_000));
      await publish(world.redis, "signal", signalPayload({ requestedNotionalUsd: 5 }));
    }
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.decisions")) === decisionsBefore + 40, 15_000, "40 decisions");
    await waitFor(async () => (await count(world.db, "SELECT count(*) AS n FROM brain.fills")) === fillsBefore + 40, 15_000, "40 fills");
    expect(await loads()).toBe(loadsBefore);
  });

  it("books a fill of an order it decided with the signal's phase, and one of an order it did not with none", async () => {
    const lookups = () => metricCount(brain.ctx.metrics, "titan_brain_db_statement_duration_seconds", { statement: "brain_order_phase" });
    const signal = signalPayload({ requestedNotionalUsd: 50 });
    await publish(world.redis, "signal", signal);
    await waitFor(async () => (await readStream(world.redis, "order-command")).some((o) => o.payload.signalId === signal.signalId), 15_000, "the order command");
    const order = (await readStream(world.redis, "order-command")).find((o) => o.payload.signalId === signal.signalId);
    const lookupsBefore = await lookups();
    const decided = fillReport("buy", QTY, 50_000, { clientOrderId: order?.payload.clientOrderId as string });
    const external = fillReport("sell", QTY, 50_000);
    await publish(world.redis, "execution-report", decided);
    await publish(world.redis, "execution-report", external);
    const phaseOf = async (fillId: string) => (await world.db.pool.query<{ phase: number | null }>("SELECT phase FROM brain.fills WHERE fill_id = $1", [fillId])).rows[0]?.phase;
    await waitFor(async () => (await phaseOf(external.fill?.fillId as string)) !== undefined, 15_000, "both fills booked");
    expect(await phaseOf(decided.fill?.fillId as string)).toBe(signal.phase);
    expect(await phaseOf(external.fill?.fillId as string)).toBeNull();
    // The decided order's phase came from memory; only the unknown order was looked up.
    expect((await lookups()) - lookupsBefore).toBe(1);
  });
});
