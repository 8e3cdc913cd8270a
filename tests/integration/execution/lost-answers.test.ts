// With the simulator's duplicate check switched off, a blind retry of a create whose answer was lost
// would make a second order. Execution looks the order up by its client id first, so it never does; the
// same holds for gateway timeouts that carried the order out, and for rate-limit refusals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import { envelopeOf, orderCommand, publish, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;

beforeAll(async () => {
  // This file is about lost answers, not about going REDUCING: on a busy machine the injected faults plus
  // slow answers would otherwise count as a venue outage and refuse the entries it is waiting for.
  h = await startHarness("exec_lost", { seed: 31, duplicateCheck: false }, { TITAN_EXECUTION_ORDER_TYPE: "market", TITAN_EXECUTION_VENUE_FAILURES_BEFORE_REDUCING: "1000" });
  ({ service } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

const settled = async (n: number) => (await h.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM execution.order_commands WHERE status = 'submitted'")).rows[0]!.n === n;

describe("a create whose answer never came", () => {
  it("gives exactly one order per command though the venue would accept a second", async () => {
    expect((h.sim.state().duplicateCheck as { enabled: boolean }).enabled).toBe(false);
    h.sim.inject.responseLost({ path: "/v5/order/create", count: 4 });
    h.sim.inject.timeout({ path: "/v5/order/create", processed: true, count: 2 });
    h.sim.inject.timeout({ path: "/v5/order/create", processed: false, count: 1 });
    h.sim.inject.rateLimit({ path: "/v5/order/create", count: 2 });
    const commands = Array.from({ length: 10 }, (_, i) => orderCommand(h, i % 2 ? "ETHUSDT" : "BTCUSDT", i % 3 ? "buy" : "sell", 1_500));
    await publish(h.redis, commands.map((c) => envelopeOf("order-command", c)));
    await until(() => settled(10), 55_000, "every command to be acknowledged");

    const fired = (h.sim.state().faults as { fired: Record<string, number> }).fired;
    expect(fired).toMatchObject({ "response-lost": 4, timeout: 3, "rate-limit": 2 });
    const perLinkId = h.sim.state().ordersPerOrderLinkId as Record<string, number>;
    expect(commands.map((c) => perLinkId[c.clientOrderId])).toEqual(commands.map(() => 1));
    // Each lost answer was followed by a lookup, and the order it found was recorded as the command's.
    const rows = (await h.db.pool.query<{ client_order_id: string; venue_order_id: string; submit_attempts: number }>("SELECT client_order_id, venue_order_id, submit_attempts FROM execution.order_commands")).rows;
    const simOrders = h.sim.state().orders as unknown as Array<{ orderLinkId: string; orderId: string }>;
    for (const row of rows) expect(row.venue_order_id).toBe(simOrders.find((o) => o.orderLinkId === row.client_order_id)?.orderId);
    expect(rows.filter((r) => r.submit_attempts > 1).length).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
