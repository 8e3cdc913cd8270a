// The pure half of batched command intake: which commands of a batch are written (the same as the
// one-at-a-time lookup decided, checked against a model of the table), and the row each becomes. The
// statement itself runs on PostgreSQL in tests/integration/execution/command-intake-batch.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.js";
import { makeEnvelope } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { newCommandOf, writeInRounds, type IntakeCommand, type OrderKeys } from "./command-intake-batch.js";
import { commandRecord } from "./store.js";

const COMMAND_IDS = ["0d5a7f3e-0000-4000-8000-000000000001", "0d5a7f3e-0000-4000-8000-000000000002", "0d5a7f3e-0000-4000-8000-000000000003"];
const CLIENT_IDS = ["tt-A", "tt-B", "tt-C", "tt-c"];

// Ids in either letter case: PostgreSQL's uuid treats them as one; client order ids are case-sensitive.
const keysArb: fc.Arbitrary<OrderKeys> = fc.record({
  commandId: fc.tuple(fc.constantFrom(...COMMAND_IDS), fc.boolean()).map(([id, upper]) => (upper ? id.toUpperCase() : id)),
  clientOrderId: fc.constantFrom(...CLIENT_IDS),
});

/** The order_commands table as its two unique keys see it. */
class TableModel {
  readonly ids = new Set<string>();
  readonly clients = new Set<string>();
  constructor(rows: readonly OrderKeys[]) {
    for (const row of rows) this.add(row);
  }
  takes(k: OrderKeys): boolean {
    return this.ids.has(k.commandId.toLowerCase()) || this.clients.has(k.clientOrderId);
  }
  add(k: OrderKeys): void {
    this.ids.add(k.commandId.toLowerCase());
    this.clients.add(k.clientOrderId);
  }
}

/** What handling the batch one command at a time did: look both keys up, insert when neither is there. */
const oneAtATime = (existing: readonly OrderKeys[], batch: readonly OrderKeys[]): boolean[] => {
  const table = new TableModel(existing);
  return batch.map((k) => {
    if (table.takes(k)) return false;
    table.add(k);
    return true;
  });
};

/** INSERT ... ON CONFLICT DO NOTHING RETURNING command_id on the model; refuses a round with shared keys. */
const modelInsert = (table: TableModel, rounds: OrderKeys[][]) => async (items: readonly OrderKeys[]) => {
  const round = new TableModel([]);
  for (const k of items) {
    if (round.takes(k)) throw new Error(`two commands in one statement share a key: ${k.commandId} ${k.clientOrderId}`);
    round.add(k);
  }
  rounds.push([...items]);
  const written: string[] = [];
  for (const k of items) {
    if (table.takes(k)) continue;
    table.add(k);
    written.push(k.commandId.toUpperCase()); // the statement's spelling need not be the command's
  }
  return written;
};

describe("writeInRounds", () => {
  it("writes exactly the commands the one-at-a-time lookup wrote, whatever the table and the batch hold", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keysArb, { maxLength: 4 }), fc.array(keysArb, { maxLength: 20 }), async (existing, batch) => {
        const table = new TableModel(existing);
        const rounds: OrderKeys[][] = [];
        const inserted = await writeInRounds(batch, (k) => k, modelInsert(table, rounds));
        expect(inserted).toEqual(oneAtATime(existing, batch));
        // Every command is offered to at most one statement.
        const offered = rounds.flat();
        expect(new Set(offered).size).toBe(offered.length);
      }),
    );
  });

  it("needs one statement for a batch without copies, and none for an empty batch", async () => {
    const distinct = fc.uniqueArray(fc.nat({ max: 10_000 }), { maxLength: 25 }).map((ns) => ns.map((n) => ({ commandId: `id-${n}`, clientOrderId: `tt-${n}` })));
    await fc.assert(
      fc.asyncProperty(distinct, fc.array(fc.nat({ max: 10_000 }), { maxLength: 5 }), async (batch, inTable) => {
        const existing = inTable.map((n) => ({ commandId: `id-${n}`, clientOrderId: `tt-${n}` }));
        const rounds: OrderKeys[][] = [];
        const inserted = await writeInRounds(batch, (k) => k, modelInsert(new TableModel(existing), rounds));
        expect(rounds).toHaveLength(batch.length === 0 ? 0 : 1);
        expect(inserted).toEqual(oneAtATime(existing, batch));
      }),
    );
  });

  it("settles a copy of a written command without a second statement", async () => {
    const a = { commandId: COMMAND_IDS[0]!, clientOrderId: "tt-A" };
    const b = { commandId: COMMAND_IDS[1]!, clientOrderId: "tt-B" };
    const sameOrderOtherId = { commandId: COMMAND_IDS[2]!, clientOrderId: "tt-A" };
    const rounds: OrderKeys[][] = [];
    const inserted = await writeInRounds([a, b, { ...a, commandId: a.commandId.toUpperCase() }, sameOrderOtherId], (k) => k, modelInsert(new TableModel([]), rounds));
    expect(inserted).toEqual([true, true, false, false]);
    expect(rounds).toEqual([[a, b]]);
  });

  it("writes a later command whose earlier twin the table refused on its other key, as the lookup did", async () => {
    // In the table: command 1 for order A. The batch: command 1 again but for order Z (a replay by id),
    // then command 2 for order Z, which nothing written before it holds.
    const existing = [{ commandId: COMMAND_IDS[0]!, clientOrderId: "tt-A" }];
    const batch = [
      { commandId: COMMAND_IDS[0]!, clientOrderId: "tt-Z" },
      { commandId: COMMAND_IDS[1]!, clientOrderId: "tt-Z" },
    ];
    const rounds: OrderKeys[][] = [];
    expect(await writeInRounds(batch, (k) => k, modelInsert(new TableModel(existing), rounds))).toEqual([false, true]);
    expect(rounds).toEqual([[batch[0]], [batch[1]]]);
  });

  it("passes on a failing statement's error", async () => {
    const boom = new Error("statement failed");
    await expect(writeInRounds([{ commandId: "x", clientOrderId: "y" }], (k) => k, () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

const envelope = makeEnvelope("order-command", SAMPLE_PAYLOADS["order-command"], { source: "brain", clock: systemClock });

describe("newCommandOf and commandRecord", () => {
  it("makes a refused row with the pre-trade reason, no plan, and the command's ids", () => {
    const intake: IntakeCommand = {
      envelope,
      symbol: "BTCUSDT",
      result: { ok: false, status: "rejected", reason: "unknown-symbol", detail: "no such market", orderType: "market", qty: 0, limitPriceUsd: null },
      receivedAtMs: 1_700_000_000_500,
    };
    expect(commandRecord(newCommandOf(intake))).toEqual({
      command_id: envelope.payload.commandId,
      client_order_id: envelope.payload.clientOrderId,
      signal_id: envelope.payload.signalId,
      message_id: envelope.id,
      symbol: "BTCUSDT",
      status: "refused",
      plan: null,
      command: envelope.payload,
      refusal_reason: "unknown-symbol",
      refusal_detail: "no such market",
      command_ts_ms: envelope.payload.tsMs,
      received_at_ms: 1_700_000_000_500,
    });
  });

  it("refuses a time JSON cannot carry, naming the column", () => {
    const intake: IntakeCommand = {
      envelope,
      symbol: "BTCUSDT",
      result: { ok: false, status: "rejected", reason: "unknown-symbol", detail: "x", orderType: "market", qty: 0, limitPriceUsd: null },
      receivedAtMs: Number.NaN,
    };
    expect(() => commandRecord(newCommandOf(intake))).toThrow(/received_at_ms is NaN/);
  });
});
