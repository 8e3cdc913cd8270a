// Equity between two futures snapshots is the last snapshot plus the fills booked after it. Those fills
// are not copied into the state row: a restarted brain reads them back from the fills table, and must
// arrive at the very equity the running brain had, counting neither a fill older than the snapshot nor
// one that a newer snapshot already holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import { brainTestWorld, count, equityPayload, fillReport, metricValue, publish, startBrain, waitFor, type BrainTestWorld } from "./support.js";

describe("fills since the futures snapshot across a restart", () => {
  let world: BrainTestWorld;
  let running: RunningService<"brain"> | undefined;

  beforeAll(async () => {
    world = await brainTestWorld("brain_fill_pnl_restart");
    running = await startBrain(world.env);
  });

  afterAll(async () => {
    await running?.stop();
  });

  const equity = (brain: RunningService<"brain">) => metricValue(brain, "titan_brain_equity_usd");
  const fills = () => count(world.db, "SELECT count(*) AS n FROM brain.fills");

  it("gives a restarted brain the equity the running one had", async () => {
    const brain = running!;
    const t0 = Date.now() - 60_000;
    await publish(world.redis, "equity-snapshot", equityPayload(10_000, { tsMs: t0 }));
    await waitFor(async () => (await equity(brain)) === 10_000, 15_000, "the first snapshot");

    // A round trip after the snapshot (realised 0.02 × 1,000 = 20 USD, fees 0.7 + 0.9) and one fill stamped before it.
    await publish(world.redis, "execution-report", fillReport("buy", 0.02, 50_000, { tsMs: t0 + 1_000, fill: { fillId: "f-open", qty: 0.02, priceUsd: 50_000, feeUsd: 0.7, liquidity: "taker" } }));
    await publish(world.redis, "execution-report", fillReport("sell", 0.02, 51_000, { tsMs: t0 + 2_000, fill: { fillId: "f-close", qty: 0.02, priceUsd: 51_000, feeUsd: 0.9, liquidity: "taker" } }));
    await publish(world.redis, "execution-report", fillReport("buy", 0.01, 50_000, { tsMs: t0 - 5_000, fill: { fillId: "f-before", qty: 0.01, priceUsd: 50_000, feeUsd: 0.3, liquidity: "taker" } }));
    await waitFor(async () => (await fills()) === 3, 15_000, "three fills booked");
    const expected = 10_000 + 20 - 0.7 - 0.9;
    await waitFor(async () => Math.abs((await equity(brain)) - expected) < 1e-9, 15_000, "equity with the round trip's P&L");
    const before = await equity(brain);

    await brain.stop();
    running = await startBrain(world.env);
    expect(await equity(running)).toBe(before);

    // A newer snapshot holds the round trip: the fills before it drop out, after a restart too.
    await publish(world.redis, "equity-snapshot", equityPayload(10_018.4, { tsMs: t0 + 3_000 }));
    const after = running;
    await waitFor(async () => (await equity(after)) === 10_018.4, 15_000, "the second snapshot");
    await after.stop();
    running = await startBrain(world.env);
    expect(await equity(running)).toBe(10_018.4);
  }, 90_000);
});
