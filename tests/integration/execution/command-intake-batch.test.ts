// A batch of order commands taken in one transaction writes its rows in ONE statement, with the same
// guarantees as one at a time: one row and at most one venue order per command id and per client order
// id, a replayed command (in the table or earlier in the batch) changing nothing, a refusal reported
// once, and a failed batch replayed one by one taking each command correctly.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, type EnvelopeOf, type OrderCommand } from "../../../services/shared/contracts/index.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { insertCommand } from "../../../services/execution/adapters/store.js";
import { metricCount } from "../../support/metrics.js";
import { envelopeOf, orderCommand, publish, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  h = await startHarness("exec_intake_batch", { seed: 83, rateLimits: false });
  ({ service, parts } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

const BATCH = 12;
/** Long enough for the submit loop (it wakes on an enqueue at once) to have sent anything enqueued. */
const QUIET_MS = 1_500;

const message = (command: OrderCommand): EnvelopeOf<"order-command"> => makeEnvelope("order-command", command, { source: "brain", clock: systemClock });
const buy = (over: Partial<OrderCommand> = {}): OrderCommand => orderCommand(h, "BTCUSDT", "buy", 1_000, over);
const unknownSymbol = (): OrderCommand => buy({ symbol: "DOGEUSDT" });

const inserts = () => metricCount(service.ctx.metrics, "titan_execution_db_statement_duration_seconds", { statement: "execution_insert_commands" });
const refusedCount = () => metricCount(service.ctx.metrics, "titan_execution_orders_total", { outcome: "refused" });
const intakeInOneTransaction = (messages: readonly EnvelopeOf<"order-command">[]) =>
  parts.db.transaction(async (tx) => {
    for (const m of messages) await parts.orders.handleCommand(m, tx);
  });

const rowsOf = async (clientOrderIds: readonly string[]) =>
  (
    await h.db.pool.query<{ command_id: string; client_order_id: string; message_id: string; status: string; refusal_reason: string | null; has_plan: boolean }>(
      "SELECT command_id::text, client_order_id, message_id::text, status, refusal_reason, plan IS NOT NULL AS has_plan FROM execution.order_commands WHERE client_order_id = ANY($1) ORDER BY received_at_ms, client_order_id",
      [clientOrderIds],
    )
  ).rows;
const refusalReports = async (clientOrderId: string) =>
  (await h.db.pool.query("SELECT 1 FROM execution.outbox WHERE type = 'execution-report' AND envelope->'payload'->>'clientOrderId' = $1", [clientOrderId])).rowCount ?? 0;
/** How many create requests the venue saw for the order. */
const venueOrders = (clientOrderId: string): number => (h.sim.state().ordersPerOrderLinkId as Record<string, number>)[clientOrderId] ?? 0;
const submitted = async (clientOrderIds: readonly string[]) => (await rowsOf(clientOrderIds)).every((r) => r.status === "submitted");

describe("order commands of a batch written in one statement", () => {
  it("writes N distinct commands with one INSERT and sends each to the venue once", async () => {
    const commands = Array.from({ length: BATCH }, () => buy());
    const ids = commands.map((c) => c.clientOrderId);
    const before = await inserts();

    await intakeInOneTransaction(commands.map(message));

    expect((await inserts()) - before).toBe(1);
    const rows = await rowsOf(ids);
    expect(rows).toHaveLength(BATCH);
    expect(rows.every((r) => r.has_plan && r.refusal_reason === null)).toBe(true);
    await until(() => submitted(ids), 15_000, "every command submitted");
    expect(ids.map(venueOrders)).toEqual(ids.map(() => 1));
  });

  it("takes two copies of one command in a batch once, and drops another command for the same order", async () => {
    const command = buy();
    const first = message(command);
    const copy = message(command);
    const sameOrder = message({ ...command, commandId: randomUUID() });
    const other = buy();
    const before = await inserts();

    await intakeInOneTransaction([first, copy, message(other), sameOrder]);

    expect((await inserts()) - before).toBe(1);
    const rows = await rowsOf([command.clientOrderId]);
    // The first copy in batch order is the one written.
    expect(rows.map((r) => [r.command_id, r.message_id])).toEqual([[command.commandId, first.id]]);
    await until(() => submitted([command.clientOrderId, other.clientOrderId]), 15_000, "both orders submitted");
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(venueOrders(command.clientOrderId)).toBe(1);
    expect(venueOrders(other.clientOrderId)).toBe(1);
  });

  it("does nothing at all for a command already in the table: no refusal report, no submit", async () => {
    const pending = buy();
    const refused = unknownSymbol();
    // Written as intake would, but without the after-commit enqueue: only a second intake could send it.
    await parts.db.transaction(async (tx) => {
      await insertCommand(tx, { command: pending, messageId: randomUUID(), symbol: "BTCUSDT", status: "pending", plan: null, receivedAtMs: Date.now() });
      await insertCommand(tx, { command: refused, messageId: randomUUID(), symbol: "DOGEUSDT", status: "refused", plan: null, refusalReason: "unknown-symbol", refusalDetail: "seeded", receivedAtMs: Date.now() });
    });
    const fresh = buy();
    const refusedBefore = await refusedCount();

    await intakeInOneTransaction([message(pending), message(refused), message(fresh)]);

    // Both seeded in one millisecond, perhaps: by client id, not by row order.
    const statuses = Object.fromEntries((await rowsOf([pending.clientOrderId, refused.clientOrderId])).map((r) => [r.client_order_id, r.status]));
    expect(statuses).toEqual({ [pending.clientOrderId]: "pending", [refused.clientOrderId]: "refused" });
    expect(await refusalReports(refused.clientOrderId)).toBe(0);
    expect((await refusedCount()) - refusedBefore).toBe(0);
    await until(() => submitted([fresh.clientOrderId]), 15_000, "the new command in the same batch submitted");
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(venueOrders(pending.clientOrderId)).toBe(0);
    expect((await rowsOf([pending.clientOrderId]))[0]?.status).toBe("pending");
  });

  it("records a refused command, reports it once and counts it once, even sent twice in the batch", async () => {
    const refused = unknownSymbol();
    const fresh = buy();
    const refusedBefore = await refusedCount();

    await intakeInOneTransaction([message(refused), message(fresh), message(refused)]);

    expect(await rowsOf([refused.clientOrderId])).toEqual([
      expect.objectContaining({ command_id: refused.commandId, status: "refused", refusal_reason: "unknown-symbol", has_plan: false }),
    ]);
    expect(await refusalReports(refused.clientOrderId)).toBe(1);
    expect((await refusedCount()) - refusedBefore).toBe(1);
    await until(() => submitted([fresh.clientOrderId]), 15_000, "the other command submitted");
    expect(venueOrders(refused.clientOrderId)).toBe(0);
  });

  it("leaves nothing of a batch that failed, and takes its commands when they are replayed one by one", async () => {
    const commands = Array.from({ length: 3 }, () => buy());
    const ids = commands.map((c) => c.clientOrderId);
    const poison = new Error("a poison message further in the batch");
    await expect(
      parts.db.transaction(async (tx) => {
        for (const c of commands) await parts.orders.handleCommand(message(c), tx);
        throw poison;
      }),
    ).rejects.toBe(poison);
    expect(await rowsOf(ids)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(ids.map(venueOrders)).toEqual([0, 0, 0]);

    const before = await inserts();
    for (const c of commands) await intakeInOneTransaction([message(c)]);

    expect((await inserts()) - before).toBe(3);
    expect(await rowsOf(ids)).toHaveLength(3);
    await until(() => submitted(ids), 15_000, "the replayed commands submitted");
    expect(ids.map(venueOrders)).toEqual([1, 1, 1]);
  });

  it("through the stream consumer: a burst of commands is taken with far fewer INSERTs than commands", async () => {
    const commands = Array.from({ length: 40 }, () => buy());
    const ids = commands.map((c) => c.clientOrderId);
    const before = await inserts();

    await publish(h.redis, commands.map((c) => envelopeOf("order-command", c)));

    await until(async () => (await rowsOf(ids)).length === commands.length, 15_000, `${commands.length} command rows`);
    const statements = (await inserts()) - before;
    expect(statements).toBeGreaterThanOrEqual(1);
    expect(statements).toBeLessThan(commands.length / 2);
    await until(() => submitted(ids), 30_000, "every command submitted");
    expect(ids.map(venueOrders)).toEqual(ids.map(() => 1));
  });
});
