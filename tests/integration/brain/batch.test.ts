// The brain handles a burst of portfolio messages in shared transactions (BRAIN_TRANSACTION_BATCH):
// each message builds on the state the one before it wrote in the same transaction, without reloading
// it from PostgreSQL, and memory adopts it only after the commit. Every fill counts once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import { xaddAll } from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf } from "../../../services/shared/contracts/index.js";
import { brainTestWorld, count, equityPayload, fillReport, metricValue, publish, startBrain, waitFor, type BrainTestWorld } from "./support.js";

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
});
