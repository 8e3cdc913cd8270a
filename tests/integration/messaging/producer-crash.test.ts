// (b) A producer SIGKILLed between its commit and the relay's publish, and a relay SIGKILLed between
// XADD and marking the rows published: after restarts every message is published and every effect
// happens exactly once. Also: several relays drain one outbox without publishing a row twice.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { MESSAGING_FAULT_POINTS, OutboxProducer, OutboxRelay, StreamConsumer } from "../../../services/shared/messaging/index.js";
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
} from "../../support/messaging/fixtures.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const MESSAGES = 300;

const outboxCounts = async (db: TestDatabase, schema: string) => {
  const { rows } = await db.pool.query<{ total: number; unpublished: number }>(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE published_at IS NULL))::int AS unpublished FROM ${schema}.outbox`,
  );
  return rows[0] ?? { total: 0, unpublished: 0 };
};

describe("producer and relay crashes", () => {
  let db: TestDatabase;
  let redis: Redis;
  let consumerDb: Database;
  const prefix = uniquePrefix("msg-producer-crash");

  beforeAll(async () => {
    db = await withTestDatabase("msg_producer_crash");
    await prepareSchema(db.pool, db.url);
    await prepareSchema(db.pool, db.url, "execution");
    redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
    consumerDb = createDatabase({ url: schemaUrl(db.url), applicationName: "producer-crash-consumer" });
  });

  afterAll(async () => {
    killLeftoverChildren();
    await consumerDb?.close();
    redis?.disconnect();
  });

  it("publishes every committed message and applies each exactly once after producer and relay kills", async () => {
    const stream = `${prefix}titan:orders`;
    const consumer = new StreamConsumer({
      db: consumerDb,
      redis,
      service: "brain",
      consumer: "brain-test",
      streams: [stream],
      handler: recordEffect("brain-test"),
      validate: testValidator,
      deadLetterStream: `${prefix}titan:dead-letter`,
      blockMs: 100,
    });
    await consumer.start();
    const childEnv = (faults: string) => ({ M_DB_URL: schemaUrl(db.url), M_REDIS_URL: inject("redisUrl"), M_STREAM: stream, M_COUNT: String(MESSAGES), TITAN_FAULT_POINTS: faults });
    try {
      // The producer dies right after committing its 120th order and message.
      const producer = spawnMessagingChild("producer", childEnv(`${MESSAGING_FAULT_POINTS.producerAfterCommitBeforePublish}@120`));
      expect(await producer.exited, producer.output()).toEqual({ code: null, signal: "SIGKILL" });
      const orders = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.orders");
      expect(orders.rows[0]?.n).toBe(120);
      const afterProducerKill = await outboxCounts(db, "brain");
      expect(afterProducerKill.total).toBe(120);
      expect(afterProducerKill.unpublished).toBeGreaterThanOrEqual(1); // at least the last commit never reached the relay

      // A relay publishes the leftovers and dies before marking them published.
      const relay = spawnMessagingChild("relay", childEnv(`${MESSAGING_FAULT_POINTS.relayAfterXaddBeforeMarkPublished}@1`));
      expect(await relay.exited, relay.output()).toEqual({ code: null, signal: "SIGKILL" });
      expect((await outboxCounts(db, "brain")).unpublished).toBe(afterProducerKill.unpublished);

      // The restarted producer resumes after its last committed order and its relay publishes everything.
      const restarted = spawnMessagingChild("producer", childEnv(""));
      expect(await restarted.exited, restarted.output()).toEqual({ code: 0, signal: null });
      expect(await outboxCounts(db, "brain")).toEqual({ total: MESSAGES, unpublished: 0 });

      await waitForEffects(db.pool, MESSAGES);
      expect(await effectSummary(db.pool)).toEqual({ messages: MESSAGES, maxCount: 1, minCount: 1 });
      const joined = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.orders o JOIN brain.effects e ON e.message_id = o.message_id");
      expect(joined.rows[0]?.n).toBe(MESSAGES);
      // The killed relay's batch went out at least twice; the consumer's inbox absorbed the copies.
      expect(await redis.xlen(stream)).toBeGreaterThanOrEqual(MESSAGES + afterProducerKill.unpublished);
    } finally {
      await consumer.stop();
    }
  });

  it("several relays share one outbox and publish each row once", async () => {
    const stream = `${prefix}titan:shared-outbox`;
    const producerDb = createDatabase({ url: schemaUrl(db.url, "execution"), applicationName: "producer-crash-relays" });
    const relays = [1, 2, 3].map(() => new OutboxRelay({ db: producerDb, redis, service: "execution", pollIntervalMs: 50, batchSize: 7 }));
    try {
      await Promise.all(relays.map((r) => r.start()));
      const producer = new OutboxProducer({ db: producerDb, resolveStream: () => stream });
      for (let batch = 0; batch < 20; batch += 1) {
        await producer.transaction(async (_tx, publish) => {
          for (let i = 0; i < 10; i += 1) await publish(testEnvelope(batch * 10 + i));
        });
      }
      await waitForPublished(db, "execution", 200);
      expect(await redis.xlen(stream)).toBe(200);
      const entries = await redis.xrange(stream, "-", "+");
      expect(new Set(entries.map(([, fields]) => fields[1])).size).toBe(200);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await producerDb.close();
    }
  });
});

const waitForPublished = (db: TestDatabase, schema: string, total: number): Promise<void> =>
  waitFor(
    async () => {
      const counts = await outboxCounts(db, schema);
      return counts.total === total && counts.unpublished === 0;
    },
    20_000,
    `${total} published outbox rows`,
  );
