// A position changed behind execution's back (directly in the simulator) is reported by the next
// reconciliation — metric and event at once — and after three mismatching cycles trading is HALTED. The
// shadow state is never rewritten; an operator can clear the halt only after a clean reconciliation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { envelopeOf, operatorToken, orderCommand, publish, shadowPositionMap, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  h = await startHarness("exec_recon", { seed: 41, rateLimits: false }, { TITAN_EXECUTION_ORDER_TYPE: "market", TITAN_EXECUTION_RECONCILE_INTERVAL: "1s" });
  ({ service, parts } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

const metric = async (name: string) => service.ctx.metrics.registry.getSingleMetricAsString(name);
const mismatchEvents = async () =>
  (await h.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM execution.outbox WHERE type = 'console-event' AND envelope->'payload'->>'topic' = 'position'")).rows[0]!.n;

describe("reconciliation with the venue", () => {
  it("reports a position changed behind its back, halts after three cycles, and resumes only after a clean one", async () => {
    const cmd = orderCommand(h, "BTCUSDT", "buy", 6_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await shadowPositionMap(h.db.pool)).BTCUSDT?.qty === 0.1, 10_000, "the BTC position");
    await until(async () => parts.reconciler.status().lastRun?.outcome === "clean", 5_000, "a clean cycle");
    const shadowBefore = await shadowPositionMap(h.db.pool);

    // Someone trades on the account by hand: the venue's position grows, the shadow state does not.
    const changedAtMs = Date.now();
    h.sim.setPosition("BTCUSDT", "long", 0.25, 60_000);
    await until(() => parts.reconciler.status().lastRun?.outcome === "mismatch", 5_000, "the next cycle to report the mismatch");
    const first = parts.reconciler.status().lastRun!;
    expect(first.finishedAtMs - changedAtMs).toBeLessThan(2_500);
    expect(first.mismatches).toEqual([{ kind: "size", subject: "position", symbol: "BTCUSDT", shadow: "long 0.1", exchange: "long 0.25" }]);
    expect(await metric("titan_execution_position_mismatches_total")).toMatch(/kind="size"[^\n]*\} [1-9]/);
    await until(async () => (await mismatchEvents()) >= 1, 2_000, "a console event for the mismatch");
    expect(parts.keeper.view().state).toBe("ACTIVE");

    await until(() => parts.keeper.view().state === "HALTED", 6_000, "the third mismatching cycle to halt trading");
    expect(parts.reconciler.status().consecutiveMismatching).toBeGreaterThanOrEqual(3);
    expect(parts.keeper.view().own.map((c) => c.cause)).toEqual(["reconciliation-mismatch"]);
    // The gauge follows once the raise is persisted (memory is first, fail-closed).
    await until(async () => /\} 2$/m.test(await metric("titan_execution_trading_state")), 5_000, "the trading-state gauge to show HALTED");
    // Never silently fixed: the shadow state still says what execution itself did.
    expect(await shadowPositionMap(h.db.pool)).toEqual(shadowBefore);

    // Entries are refused while halted; the refusal is a report.
    const blocked = orderCommand(h, "ETHUSDT", "buy", 3_000);
    await publish(h.redis, [envelopeOf("order-command", blocked)]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.order_commands WHERE client_order_id = $1 AND refusal_reason = 'trading-state'", [blocked.clientOrderId])).rowCount === 1, 5_000, "the entry to be refused");

    const token = await operatorToken(h.db);
    const auth = { authorization: `Bearer ${token}` };
    // The operator halts too while looking; a resume before a clean cycle clears nothing at all.
    expect((await service.app.inject({ method: "POST", url: "/halt", headers: auth, payload: { reason: "investigating" } })).statusCode).toBe(200);
    const early = await service.app.inject({ method: "POST", url: "/resume", headers: auth, payload: { reason: "looked at it" } });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toMatch(/clean reconciliation/);
    expect(parts.keeper.view().own.map((c) => c.cause).sort()).toEqual(["operator-halt", "reconciliation-mismatch"]);

    // The operator puts the account right; a clean cycle follows; then the halt can be cleared.
    h.sim.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const reconcile = await service.app.inject({ method: "POST", url: "/reconcile", headers: auth });
    expect(reconcile.json()).toMatchObject({ run: { outcome: "clean" } });
    const resumed = await service.app.inject({ method: "POST", url: "/resume", headers: auth, payload: { reason: "manual trade reverted" } });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ cleared: ["operator-halt", "reconciliation-mismatch"], state: "ACTIVE", own: [] });
    expect((await h.db.pool.query("SELECT 1 FROM execution.trading_causes")).rowCount).toBe(0);
    const audit = (await h.db.pool.query<{ action: string }>("SELECT action FROM audit.events WHERE service = 'execution' ORDER BY seq")).rows.map((r) => r.action);
    expect(audit).toEqual(expect.arrayContaining(["trading-state.change", "execution.resume"]));
  });
});
