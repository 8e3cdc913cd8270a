// Batched consumption (StreamConsumerOptions.transactionBatch): several entries of one read share an
// inbox insert, a transaction and an XACK, and keep every promise of the one-by-one path — a kill
// before or after a batch's commit loses and repeats nothing, copies of a message inside one batch run
// once, and a failing message in a batch fails alone while its neighbours commit once.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { MESSAGING_FAULT_POINTS, StreamConsumer } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import {
  effectSummary,
  killLeftoverChildren,
  prepareSchema,
  recordEffect,
  schemaUrl,
  spawnMessagingChild,
  testEnvelope,
  testValidator,
  waitForEffects,
  xaddAll,
} from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const MESSAGES = 400;
const TRANSACTION_BATCH = 16;


describe("batched consumption", () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = uniquePrefix("msg-consumer-batch");

  beforeAll(async () => {
    db = await withTestDatabase("msg_consumer_batch");
    await prepareSchema(db.pool, db.url);
    redis = new Redis(inject("redisUrl"));
  });

  afterAll(async () => {
    killLeftoverChildren();
    redis?.disconnect();
  });

  it("every effect happens exactly once across kills before and after a batch's commit, copies included", async () => {
    const stream = `${prefix}titan:signals`;
    const envelopes = Array.from({ length: MESSAGES }, (_, seq) => testEnvelope(seq));
    // Every tenth message is published twice in a row, so most copies land in the same read as the original.
    await xaddAll(redis, stream, envelopes.flatMap((e, seq) => (seq % 10 === 0 ? [e, e] : [e])));
    const consumerEnv = (faults: string) => ({
      M_DB_URL: schemaUrl(db.url),
      M_REDIS_URL: inject("redisUrl"),
      M_STREAMS: stream,
      M_CONSUMER: "brain-1",
      M_BATCH: "50",
      M_TRANSACTION_BATCH: String(TRANSACTION_BATCH),
      M_DEAD_LETTER_STREAM: `${prefix}titan:dead-letter`,
      TITAN_FAULT_POINTS: faults,
    });

    // 1: dies right after its 4th batch commits, before acknowledging it.
    const first = spawnMessagingChild("consumer", consumerEnv(`${MESSAGING_FAULT_POINTS.consumerAfterCommitBeforeAck}@4`));
    expect(await first.exited, first.output()).toEqual({ code: null, signal: "SIGKILL" });
    const afterFirst = await effectSummary(db.pool);
    expect(afterFirst.messages).toBeGreaterThan(TRANSACTION_BATCH * 2); // batches, not one by one
    expect(afterFirst.maxCount).toBe(1);

    // 2: redeliveries are recognised as done; then it dies with a batch written and not committed.
    const second = spawnMessagingChild("consumer", consumerEnv(`${MESSAGING_FAULT_POINTS.consumerAfterReceiveBeforeCommit}@3`));
    expect(await second.exited, second.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect((await effectSummary(db.pool)).maxCount).toBe(1);

    // 3: no faults: finishes the stream, the batch that died uncommitted included.
    const third = spawnMessagingChild("consumer", consumerEnv(""));
    await waitForEffects(db.pool, MESSAGES);
    await waitFor(async () => ((await redis.xpending(stream, "brain")) as [number])[0] === 0, 15_000, "every entry acknowledged");
    expect(await third.terminate(), third.output()).toEqual({ code: 0, signal: null });

    expect(await effectSummary(db.pool)).toEqual({ messages: MESSAGES, maxCount: 1, minCount: 1 });
    const inbox = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.inbox WHERE consumer_group = 'brain'");
    expect(inbox.rows[0]?.n).toBe(MESSAGES);
  });

  it("a failing message in a batch fails alone: its neighbours commit once, it is dead-lettered", async () => {
    const stream = `${prefix}titan:batch-poison`;
    const serviceDb: Database = createDatabase({ url: schemaUrl(db.url), applicationName: "consumer-batch-test" });
    const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
    const meteredDb = createDatabase({ url: schemaUrl(db.url), applicationName: "consumer-batch-test" }, metrics);
    await serviceDb.query("batch_test_reset", "TRUNCATE effects, inbox, dead_letters");
    const handlerRuns = new Map<string, number>();
    const effect = recordEffect("brain-2");
    const consumer = new StreamConsumer({
      db: meteredDb,
      redis,
      service: "brain",
      group: "batch-poison",
      consumer: "brain-2",
      streams: [stream],
      deadLetterStream: `${prefix}titan:dead-letter-2`,
      maxAttempts: 2,
      backoff: { baseMs: 5, maxMs: 20 },
      blockMs: 100,
      batchSize: 50,
      transactionBatch: 50,
      validate: testValidator,
      metrics,
      handler: async (envelope, tx, delivery) => {
        handlerRuns.set(envelope.id, (handlerRuns.get(envelope.id) ?? 0) + 1);
        await effect(envelope, tx, delivery);
      },
    });
    const good = Array.from({ length: 30 }, (_, seq) => testEnvelope(seq));
    const poison = testEnvelope(99, { poison: true });
    // Written before the consumer starts: the first read brings all 31 in one batch.
    await xaddAll(redis, stream, [...good.slice(0, 15), poison, ...good.slice(15)]);
    try {
      await consumer.start();
      await waitFor(async () => (await serviceDb.query("batch_test_dead", "SELECT 1 FROM dead_letters WHERE message_id = $1", [poison.id])).rowCount === 1, 15_000, "the poison message dead-lettered");
      await waitFor(async () => ((await redis.xpending(stream, "batch-poison")) as [number])[0] === 0, 15_000, "every entry acknowledged");
      expect(await effectSummary(db.pool)).toEqual({ messages: good.length, maxCount: 1, minCount: 1 });
      // The batch ran up to the poison and rolled back; then each message alone, the poison to its last attempt.
      for (const e of good.slice(0, 15)) expect(handlerRuns.get(e.id)).toBe(2);
      for (const e of good.slice(15)) expect(handlerRuns.get(e.id)).toBe(1);
      expect(handlerRuns.get(poison.id)).toBe(3);
      expect(await metricCount(metrics, "titan_brain_messages_processed_total", { stream })).toBe(good.length);
      expect(await metricCount(metrics, "titan_brain_messages_dead_lettered_total", { stream, reason_class: "handler-failed" })).toBe(1);
    } finally {
      await consumer.stop();
      await serviceDb.close();
      await meteredDb.close();
    }
  });

  it("a clean batch costs one inbox statement and one commit", async () => {
    const stream = `${prefix}titan:batch-clean`;
    const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
    const meteredDb = createDatabase({ url: schemaUrl(db.url), applicationName: "consumer-batch-test" }, metrics);
    const consumer = new StreamConsumer({
      db: meteredDb,
      redis,
      service: "brain",
      group: "batch-clean",
      consumer: "brain-3",
      streams: [stream],
      deadLetterStream: `${prefix}titan:dead-letter-3`,
      blockMs: 100,
      batchSize: 40,
      transactionBatch: 40,
      validate: testValidator,
      metrics,
      handler: async () => undefined,
    });
    await xaddAll(redis, stream, Array.from({ length: 40 }, (_, seq) => testEnvelope(seq)));
    try {
      await consumer.start();
      await waitFor(async () => (await metricCount(metrics, "titan_brain_messages_processed_total", { stream })) === 40, 15_000, "40 messages processed");
      expect(await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_inbox_insert_batch" })).toBe(1);
      expect(await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_inbox_insert" })).toBe(0);
      expect(await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "commit" })).toBe(1);
    } finally {
      await consumer.stop();
      await meteredDb.close();
    }
  });
});
