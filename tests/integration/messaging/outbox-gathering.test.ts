// A transaction's outbox rows are gathered and written in one statement just before its COMMIT: the
// order of enqueueing is the order of publishing, a rollback leaves nothing, the same message twice is
// refused where it happens, and a transaction not started by Database.transaction writes at once. A
// message marked skipIfPresent whose id the outbox already holds is left out, and handed to no relay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { InvalidMessageError, attachCommittedRowsSink, enqueueInTransaction, isEnqueuedInTransaction, type CommittedOutboxRow } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { prepareSchema, schemaUrl, testEnvelope } from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";


describe("outbox rows gathered per transaction", () => {
  let db: TestDatabase;
  let serviceDb: Database;
  const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
  const seqs = async (): Promise<number[]> =>
    (await db.pool.query<{ seq: number }>("SELECT (envelope->'payload'->>'seq')::int AS seq FROM brain.outbox ORDER BY seq")).rows.map((r) => r.seq);

  beforeAll(async () => {
    db = await withTestDatabase("msg_outbox_gathering");
    await prepareSchema(db.pool, db.url);
    serviceDb = createDatabase({ url: schemaUrl(db.url), applicationName: "outbox-gathering-test" }, metrics);
  });

  afterAll(async () => {
    await serviceDb?.close();
  });

  it("writes 50 messages in one statement at commit, in the order they were enqueued", async () => {
    const envelopes = Array.from({ length: 50 }, (_, seq) => testEnvelope(seq));
    const before = await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_outbox_enqueue_batch" });
    await serviceDb.transaction(async (tx) => {
      for (const e of envelopes) await enqueueInTransaction(tx, e, "titan:gathered");
      expect(isEnqueuedInTransaction(tx, envelopes[7]!.id)).toBe(true);
      // Nothing is written before the commit: another connection sees no row yet.
      expect((await db.pool.query("SELECT 1 FROM brain.outbox")).rowCount).toBe(0);
    });
    expect(await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_outbox_enqueue_batch" })).toBe(before + 1);
    expect(await seqs()).toEqual(envelopes.map((_, seq) => seq));
  });

  it("leaves nothing after a rollback, and refuses one message twice in a transaction", async () => {
    await db.pool.query("TRUNCATE brain.outbox");
    await expect(
      serviceDb.transaction(async (tx) => {
        await enqueueInTransaction(tx, testEnvelope(1), "titan:gathered");
        throw new Error("the state change failed");
      }),
    ).rejects.toThrow("the state change failed");
    const twice = testEnvelope(2);
    await expect(
      serviceDb.transaction(async (tx) => {
        await enqueueInTransaction(tx, twice, "titan:gathered");
        await enqueueInTransaction(tx, twice, "titan:gathered");
      }),
    ).rejects.toThrow(InvalidMessageError);
    expect(await seqs()).toEqual([]);
  });

  it("writes at once in a transaction it did not start", async () => {
    await db.pool.query("TRUNCATE brain.outbox");
    const client = await serviceDb.pool.connect();
    try {
      await client.query("BEGIN");
      const tx = { query: (_statement: string, sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) };
      await enqueueInTransaction(tx, testEnvelope(3), "titan:gathered");
      expect((await client.query("SELECT count(*)::int AS n FROM outbox")).rows[0]?.n).toBe(1);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await seqs()).toEqual([3]);
  });

  it("skips a message marked skipIfPresent whose id is already there, hands the relay only what it wrote, and still refuses an unmarked copy", async () => {
    await db.pool.query("TRUNCATE brain.outbox");
    const handed: string[] = [];
    const detach = attachCommittedRowsSink(serviceDb.pool, { publishCommitted: (rows: readonly CommittedOutboxRow[]) => handed.push(...rows.map((r) => r.id)) });
    try {
      const [first, second, third] = [testEnvelope(10), testEnvelope(11), testEnvelope(12)];
      await serviceDb.transaction(async (tx) => {
        await enqueueInTransaction(tx, first, "titan:gathered");
      });
      await serviceDb.transaction(async (tx) => {
        await enqueueInTransaction(tx, first, "titan:gathered", { skipIfPresent: true }); // written before: skipped
        await enqueueInTransaction(tx, second, "titan:gathered", { skipIfPresent: true });
        await enqueueInTransaction(tx, second, "titan:gathered", { skipIfPresent: true }); // twice in one transaction: once
        await enqueueInTransaction(tx, third, "titan:gathered");
      });
      expect(await seqs()).toEqual([10, 11, 12]);
      expect(handed).toEqual([first.id, second.id, third.id]);
      // Written by a transaction not started by Database.transaction: skipped the same way, at once.
      const client = await serviceDb.pool.connect();
      try {
        const tx = { query: (_statement: string, sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) };
        await enqueueInTransaction(tx, second, "titan:gathered", { skipIfPresent: true });
      } finally {
        client.release();
      }
      await expect(
        serviceDb.transaction(async (tx) => {
          await enqueueInTransaction(tx, testEnvelope(13), "titan:gathered");
          await enqueueInTransaction(tx, third, "titan:gathered");
        }),
      ).rejects.toThrow(`message ${third.id} is already in the outbox`);
      expect(await seqs()).toEqual([10, 11, 12]);
    } finally {
      detach();
    }
  });
});
