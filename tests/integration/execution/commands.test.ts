// Bad input and silence: a malformed command is dead-lettered with its reason and changes nothing; an
// order for a symbol the venue does not list is refused with a report; when the brain's heartbeat stops,
// the dead-man switch restricts trading to REDUCING, and heartbeats lift it again.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamOf } from "../../../services/shared/contracts/index.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { envelopeOf, orderCommand, publish, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  h = await startHarness("exec_commands", { seed: 61, rateLimits: false }, { TITAN_EXECUTION_DEADMAN_TIMEOUT: "2s" });
  ({ service, parts } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

describe("commands execution refuses", () => {
  it("dead-letters a malformed order command with its reason, and records nothing else", async () => {
    const good = envelopeOf("order-command", orderCommand(h, "BTCUSDT", "buy", 1_000));
    const broken = { ...good, id: randomUUID(), payload: { ...(good.payload as object), notionalUsd: -5 } };
    await h.redis.xadd(streamOf("order-command"), "*", ...encodeEntryFields(broken as typeof good));
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.dead_letters WHERE message_id = $1", [broken.id])).rowCount === 1, 10_000, "the dead letter");
    const letter = (await h.db.pool.query<{ reason_class: string; reason: string }>("SELECT reason_class, reason FROM execution.dead_letters WHERE message_id = $1", [broken.id])).rows[0];
    expect(letter?.reason_class).toBe("malformed");
    expect(letter?.reason).toMatch(/notionalUsd/);
    expect((await h.db.pool.query("SELECT 1 FROM execution.order_commands")).rowCount).toBe(0);
    const stream = await h.redis.xrange("titan:dead-letter", "-", "+");
    expect(stream.some(([, fields]) => fields.join(" ").includes(broken.id))).toBe(true);
  });

  it("refuses an order for an unknown symbol with a rejected execution report, and never sends it", async () => {
    const cmd = { ...orderCommand(h, "BTCUSDT", "buy", 1_000), symbol: "DOGEUSDT" };
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.order_commands WHERE client_order_id = $1", [cmd.clientOrderId])).rowCount === 1, 10_000, "the command to be handled");
    const row = (await h.db.pool.query<{ status: string; refusal_reason: string }>("SELECT status, refusal_reason FROM execution.order_commands WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
    expect(row).toEqual({ status: "refused", refusal_reason: "unknown-symbol" });
    const report = (await h.db.pool.query<{ payload: { status: string; rejectReason: string; symbol: string } }>("SELECT envelope->'payload' AS payload FROM execution.outbox WHERE type = 'execution-report' AND envelope->'payload'->>'clientOrderId' = $1", [cmd.clientOrderId])).rows[0];
    expect(report?.payload).toMatchObject({ status: "rejected", symbol: "DOGEUSDT", rejectReason: expect.stringMatching(/^unknown-symbol: /) });
    expect((h.sim.state().ordersPerOrderLinkId as Record<string, number>)[cmd.clientOrderId]).toBeUndefined();
  });
});

describe("the dead-man switch", () => {
  it("goes REDUCING without the brain's heartbeat and lifts when heartbeats return", async () => {
    await until(() => parts.keeper.has("heartbeat-missing"), 5_000, "the dead-man switch to trip");
    expect(parts.keeper.view().state).toBe("REDUCING");
    // A heartbeat claiming to be the brain's from another sender is not the brain's: it lifts nothing.
    const forged = envelopeOf("heartbeat", { version: 1, service: "brain", instanceId: "brain-1", sequence: 1, startedAtMs: Date.now() - 1_000, tradingState: "ACTIVE", tsMs: Date.now() }, "console");
    await publish(h.redis, [forged]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.inbox WHERE message_id = $1", [forged.id])).rowCount === 1, 5_000, "the forged heartbeat consumed");
    expect(parts.keeper.has("heartbeat-missing")).toBe(true);
    const beat = envelopeOf("heartbeat", { version: 1, service: "brain", instanceId: "brain-1", sequence: 1, startedAtMs: Date.now() - 1_000, tradingState: "ACTIVE", tsMs: Date.now() });
    await publish(h.redis, [beat]);
    await until(() => !parts.keeper.has("heartbeat-missing"), 5_000, "the heartbeat to lift it");
    expect(parts.keeper.view().state).toBe("ACTIVE");
    const published = (await h.db.pool.query<{ state: string }>("SELECT envelope->'payload'->>'state' AS state FROM execution.outbox WHERE type = 'trading-state' ORDER BY seq")).rows.map((r) => r.state);
    expect(published).toEqual(["REDUCING", "ACTIVE"]);
  });

  it("enforces the brain's published state, ignoring an older publication", async () => {
    const state = (sequence: number, s: "ACTIVE" | "HALTED") =>
      envelopeOf("trading-state", {
        version: 1,
        state: s,
        causes: s === "HALTED" ? [{ cause: "breaker-hard", state: "HALTED", raisedBy: { kind: "service", id: "brain" }, raisedAtMs: Date.now(), detail: "drawdown 16 %" }] : [],
        publishedBy: "brain",
        sequence,
        tsMs: Date.now(),
      });
    await publish(h.redis, [state(10, "HALTED"), state(9, "ACTIVE")]);
    await until(() => parts.keeper.view().state === "HALTED", 5_000, "the brain's HALTED to be enforced");
    await new Promise((r) => setTimeout(r, 300));
    expect(parts.keeper.view()).toMatchObject({ state: "HALTED", brain: [{ cause: "breaker-hard" }] });
    await publish(h.redis, [state(11, "ACTIVE")]);
    await until(() => parts.keeper.view().state === "ACTIVE", 5_000, "the brain's ACTIVE");
  });
});
