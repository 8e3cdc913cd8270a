// (c) Redis restarted mid-stream (stopped, started again from its append-only file): the stream
// continues, nothing is lost, nothing applied twice. Also the harsher cases: the consumer group lost
// with Redis's data, and PostgreSQL connections cut under the relay and the consumer.
import { join } from "node:path";
import getPort from "get-port";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startRedis, stopRedis, waitFor, type RedisServer } from "../../../scripts/lib/local-servers.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { OutboxProducer, OutboxRelay, StreamConsumer } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { effectSummary, prepareSchema, recordEffect, schemaUrl, testEnvelope, testValidator, waitForEffects } from "../../support/messaging/fixtures.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const metricValue = async (metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
};

describe("Redis restarts and lost connections", () => {
  let db: TestDatabase;
  let server: RedisServer;
  let redis: Redis;
  let serviceDb: Database;
  let relay: OutboxRelay;
  let consumer: StreamConsumer;
  let producer: OutboxProducer;
  const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
  const prefix = uniquePrefix("msg-redis-restart");
  const stream = `${prefix}titan:signals`;
  const redisDir = join(inject("scratchDir"), `redis-restart-${prefix.split(":")[1]}`);
  let nextSeq = 0;
  let reachedGate: () => void = () => undefined;
  const gateReached = new Promise<void>((resolve) => (reachedGate = resolve));
  let openGate: () => void = () => undefined;
  const gateOpen = new Promise<void>((resolve) => (openGate = resolve));

  const produce = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 1) {
      const seq = nextSeq;
      await producer.transaction(async (tx, publish) => {
        const envelope = testEnvelope(seq);
        await tx.query("test_order", "INSERT INTO orders (seq, message_id) VALUES ($1, $2)", [seq, envelope.id]);
        await publish(envelope);
      });
      nextSeq = seq + 1;
    }
  };

  beforeAll(async () => {
    db = await withTestDatabase("msg_redis_restart");
    await prepareSchema(db.pool, db.url);
    server = await startRedis({ dir: redisDir, port: await getPort(), appendOnly: true });
    // As the services connect: fail fast while Redis is down, reconnect forever.
    redis = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 50, 300) });
    redis.on("error", () => undefined);
    await new Promise((resolve) => redis.once("ready", resolve));
    serviceDb = createDatabase({ url: schemaUrl(db.url), applicationName: "redis-restart-svc" }, undefined, () => undefined);
    relay = new OutboxRelay({ db: serviceDb, redis, service: "brain", metrics, pollIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
    producer = new OutboxProducer({ db: serviceDb, resolveStream: () => stream, afterCommit: () => relay.wake() });
    const effect = recordEffect("brain-1");
    consumer = new StreamConsumer({
      db: serviceDb,
      redis,
      service: "brain",
      consumer: "brain-1",
      streams: [stream],
      // Holds message 100 until the test has stopped Redis, so the restart lands mid-stream.
      handler: async (envelope, tx, delivery) => {
        if ((envelope.payload as { seq: number }).seq === 100) {
          reachedGate();
          await gateOpen;
        }
        await effect(envelope, tx, delivery);
      },
      validate: testValidator,
      deadLetterStream: `${prefix}titan:dead-letter`,
      metrics,
      blockMs: 100,
      batchSize: 10,
      backoff: { baseMs: 20, maxMs: 200 },
    });
    await relay.start();
    await consumer.start();
  });

  // Its own hook: the server must go even if stopping the workers below fails or times out.
  afterAll(async () => {
    if (server) await stopRedis(server.dir);
  });

  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await serviceDb?.close();
    redis?.disconnect();
  });

  it("continues the stream after a restart from the append-only file, each effect once", async () => {
    // A second, idle consumer: stopping it while Redis is down must not wait for Redis.
    const idle = new StreamConsumer({
      db: serviceDb,
      redis,
      service: "brain",
      consumer: "brain-idle",
      streams: [`${prefix}titan:quiet`],
      handler: recordEffect("brain-idle"),
      validate: testValidator,
      deadLetterStream: `${prefix}titan:dead-letter`,
      blockMs: 5_000,
    });
    await idle.start();

    await produce(300);
    await gateReached; // message 100 is in the handler, 101…299 wait in Redis
    await stopRedis(server.dir);
    openGate(); // it commits, but cannot be acknowledged: Redis is down
    expect((await effectSummary(db.pool)).messages).toBeLessThanOrEqual(101);
    await idle.stop();

    // While Redis is down, services keep committing; the outbox holds the messages.
    await produce(100);
    await waitFor(async () => (await metricValue(metrics, "titan_brain_outbox_publish_failures_total", { reason: "redis" })) > 0, 10_000, "a failed publish");
    await waitFor(async () => (await metricValue(metrics, "titan_brain_outbox_backlog_messages")) > 0, 10_000, "the backlog gauge");
    const held = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.outbox WHERE published_at IS NULL");
    expect(held.rows[0]?.n).toBeGreaterThan(0);

    server = await startRedis({ dir: server.dir, port: server.port, appendOnly: true });
    await produce(100);
    await waitForEffects(db.pool, 500);
    expect(await effectSummary(db.pool)).toEqual({ messages: 500, maxCount: 1, minCount: 1 });
    // Entries from before the restart survived in the append-only file: one stream, all 500 in it.
    expect(await redis.xlen(stream)).toBeGreaterThanOrEqual(500);
    await waitFor(async () => (await metricValue(metrics, "titan_brain_outbox_backlog_messages")) === 0, 10_000, "an empty backlog");
    expect(await metricValue(metrics, "titan_brain_outbox_published_total")).toBeGreaterThanOrEqual(500);
    expect(await metricValue(metrics, "titan_brain_messages_processed_total", { stream })).toBe(500);
  });

  it("recreates a lost consumer group and skips everything it had already applied", async () => {
    const before = (await effectSummary(db.pool)).messages;
    const duplicatesBefore = await metricValue(metrics, "titan_brain_messages_duplicates_skipped_total", { stream });
    await redis.xgroup("DESTROY", stream, "brain"); // as if Redis had lost the group with its data
    await produce(50);
    await waitForEffects(db.pool, before + 50);
    expect(await effectSummary(db.pool)).toEqual({ messages: before + 50, maxCount: 1, minCount: 1 });
    // The recreated group starts at 0: every old entry came back and was recognised in the inbox.
    await waitFor(async () => (await metricValue(metrics, "titan_brain_messages_duplicates_skipped_total", { stream })) - duplicatesBefore >= before, 10_000, "old entries skipped");
  });

  it("recovers when its PostgreSQL connections are cut, each effect once", async () => {
    const before = (await effectSummary(db.pool)).messages;
    const target = before + 100;
    // Like a service, the producer resumes from what the database says it committed when its own
    // transaction is cut (perhaps after its commit went through).
    const produceUntilTarget = async (): Promise<void> => {
      for (let failures = 0; ; failures += 1) {
        try {
          return await produce(target - nextSeq);
        } catch (err) {
          if (failures >= 5) throw err;
          const { rows } = await db.pool.query<{ next: number }>("SELECT coalesce(max(seq) + 1, 0)::int AS next FROM brain.orders");
          nextSeq = rows[0]?.next ?? 0;
        }
      }
    };
    const produced = produceUntilTarget();
    await waitForEffects(db.pool, before + 20);
    const cut = await db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'redis-restart-svc'");
    expect(cut.rowCount).toBeGreaterThan(0); // the relay's LISTEN connection at least
    await produced;
    await waitForEffects(db.pool, target);
    expect(await effectSummary(db.pool)).toEqual({ messages: target, maxCount: 1, minCount: 1 });
  });
});
