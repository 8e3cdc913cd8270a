// When the venue's pushes are lost, polling brings the reports; when the venue is gone altogether,
// trading goes REDUCING fail-closed, and comes back by itself once the venue answers again and a
// reconciliation has come out clean.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { envelopeOf, orderCommand, publish, shadowPositionMap, simPositionMap, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  h = await startHarness("exec_outage", { seed: 71, rateLimits: false }, { TITAN_EXECUTION_RECONCILE_INTERVAL: "1s", TITAN_EXECUTION_VENUE_FAILURES_BEFORE_REDUCING: "2", TITAN_EXECUTION_POST_ONLY_TIMEOUT: "60s" });
  ({ service, parts } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

describe("losing the venue", () => {
  it("records a fill the private stream never delivered, by polling", async () => {
    const cmd = orderCommand(h, "BTCUSDT", "buy", 6_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(() => parts.shadow.order(cmd.clientOrderId)?.status === "new", 10_000, "the resting order");
    // The stream is cut the moment the fill happens, and again whenever it comes back, for 2.5 s.
    h.sim.inject.dropWebSockets("private");
    h.sim.setPrice("BTCUSDT", 59_900, 1, "sell");
    const cutting = setInterval(() => h.sim.inject.dropWebSockets("private"), 20);
    try {
      await until(() => parts.shadow.order(cmd.clientOrderId)?.status === "filled", 10_000, "the fill through polling");
    } finally {
      clearInterval(cutting);
    }
    const fill = (await h.db.pool.query<{ source: string }>("SELECT source FROM execution.fills WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
    expect(fill?.source).toBe("poll");
    expect(await shadowPositionMap(h.db.pool)).toEqual(simPositionMap(h.sim));
    expect(await service.ctx.metrics.registry.getSingleMetricAsString("titan_execution_exchange_websocket_reconnects_total")).toMatch(/\} [1-9]\d*$/m);
  });

  it("goes REDUCING while the venue is down, refuses entries, and recovers after a clean reconciliation", async () => {
    const restart = h.sim.inject.restart({ downtimeMs: 4_000 });
    await until(() => parts.keeper.has("dependency-unavailable", "venue"), 5_000, "the venue cause");
    expect(parts.keeper.view().state).toBe("REDUCING");
    const cmd = orderCommand(h, "ETHUSDT", "buy", 3_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.order_commands WHERE client_order_id = $1 AND status = 'refused'", [cmd.clientOrderId])).rowCount === 1, 10_000, "the entry to be refused");
    await restart;
    await until(() => !parts.keeper.has("dependency-unavailable", "venue"), 15_000, "the venue cause to clear");
    expect(parts.keeper.view().state).toBe("ACTIVE");
    expect(parts.reconciler.status().lastCleanAtMs).toBeGreaterThan(Date.now() - 15_000);
    expect(await service.ctx.metrics.registry.getSingleMetricAsString("titan_execution_venue_errors_total")).toMatch(/code="/);
  });
});
