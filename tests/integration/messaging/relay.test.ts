// The outbox and its relay on their own, timers on a ManualClock: a NOTIFY publishes at once without
// any poll; Redis being unreachable keeps the rows and backs off on the injected clock; bad input is
// refused before anything is written.
import { join } from "node:path";
import getPort from "get-port";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startRedis, stopRedis, waitFor, type RedisServer } from "../../../scripts/lib/local-servers.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { InvalidMessageError, OutboxProducer, OutboxRelay, PUBLISH_LEASE_SECONDS, attachCommittedRowsSink, enqueueInTransaction, pruneMessagingTables } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { prepareSchema, schemaUrl, testEnvelope, testValidator } from "../../support/messaging/fixtures.js";
import { metricCount } from "../../support/metrics.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

interface OutboxRow {
  published: boolean;
  attempts: number;
  last_error: string | null;
}

describe("outbox relay", () => {
  let db: TestDatabase;
  let serviceDb: Database;
  const prefix = uniquePrefix("msg-relay");
  const redisDir = join(inject("scratchDir"), `redis-relay-${prefix.split(":")[1]}`);
  let server: RedisServer | undefined;

  const outboxRows = async (): Promise<OutboxRow[]> =>
    (await db.pool.query<OutboxRow>("SELECT published_at IS NOT NULL AS published, attempts, last_error FROM brain.outbox ORDER BY seq")).rows;

  beforeAll(async () => {
    db = await withTestDatabase("msg_relay");
    await prepareSchema(db.pool, db.url);
    serviceDb = createDatabase({ url: schemaUrl(db.url), applicationName: "relay-test" });
  });

  afterAll(async () => {
    if (server) await stopRedis(server.dir);
  });

  afterAll(async () => {
    await serviceDb?.close();
  });

  it("publishes another process's rows on NOTIFY at once, with no poll ever firing", async () => {
    const clock = new ManualClock();
    const redis = new Redis(inject("redisUrl"));
    const relay = new OutboxRelay({ db: serviceDb, redis, service: "brain", clock, pollIntervalMs: 60_000 });
    const stream = `${prefix}titan:notify`;
    // A pool of its own stands for another process: no relay of its pool is handed its rows.
    const otherProcess = createDatabase({ url: schemaUrl(db.url), applicationName: "relay-test-other-process" });
    try {
      await relay.start();
      const producer = new OutboxProducer({ db: otherProcess, resolveStream: () => stream, validate: testValidator });
      await producer.transaction(async (_tx, publish) => {
        await publish(testEnvelope(1));
        await publish(testEnvelope(2));
      });
      await waitFor(async () => (await redis.xlen(stream)) === 2, 10_000, "two published entries");
      await relay.drained();
      expect((await outboxRows()).every((r) => r.published && r.attempts === 1)).toBe(true);
    } finally {
      await relay.stop();
      redis.disconnect();
      await otherProcess.close();
      await db.pool.query("DELETE FROM brain.outbox");
    }
  });

  it("publishes its own process's commits at once, without a claim, and marks them", async () => {
    const clock = new ManualClock();
    const redis = new Redis(inject("redisUrl"));
    const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
    const metered = createDatabase({ url: schemaUrl(db.url), applicationName: "relay-test-fast" }, metrics);
    const relay = new OutboxRelay({ db: metered, redis, service: "brain", clock, metrics, pollIntervalMs: 60_000 });
    const stream = `${prefix}titan:fast`;
    const claims = () => metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_outbox_claim" });
    try {
      await relay.start();
      await relay.drained();
      const claimsBefore = await claims();
      const producer = new OutboxProducer({ db: metered, resolveStream: () => stream, validate: testValidator });
      await producer.transaction(async (_tx, publish) => {
        for (let seq = 0; seq < 3; seq += 1) await publish(testEnvelope(seq));
      });
      await waitFor(async () => (await outboxRows()).length === 3 && (await outboxRows()).every((r) => r.published && r.attempts === 1), 10_000, "three rows published and marked");
      expect(await redis.xlen(stream)).toBe(3);
      expect(await claims()).toBe(claimsBefore);
      expect(await metricCount(metrics, "titan_brain_db_statement_duration_seconds", { statement: "messaging_outbox_mark_published_fast" })).toBe(1);
    } finally {
      await relay.stop();
      redis.disconnect();
      await metered.close();
      await db.pool.query("DELETE FROM brain.outbox");
    }
  });

  it("takes over rows leased to a relay whose process died, once the lease runs out", async () => {
    const redis = new Redis(inject("redisUrl"));
    const stream = `${prefix}titan:lease`;
    // The producing process: its relay took the rows and died before publishing them.
    const dying = createDatabase({ url: schemaUrl(db.url), applicationName: "relay-test-dying" });
    attachCommittedRowsSink(dying.pool, { publishCommitted: () => undefined });
    const survivor = new OutboxRelay({ db: serviceDb, redis, service: "brain", pollIntervalMs: 200 });
    try {
      await dying.transaction(async (tx) => {
        await enqueueInTransaction(tx, testEnvelope(1), stream);
        await enqueueInTransaction(tx, testEnvelope(2), stream);
      });
      const committedAtMs = Date.now();
      await survivor.start();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await redis.xlen(stream)).toBe(0); // leased: not the survivor's yet
      await waitFor(async () => (await redis.xlen(stream)) === 2, 15_000, "the survivor publishing after the lease");
      expect(Date.now() - committedAtMs).toBeGreaterThanOrEqual(PUBLISH_LEASE_SECONDS * 1_000 - 200);
      await waitFor(async () => (await outboxRows()).every((r) => r.published), 5_000, "the rows marked published"); // marked in the claim's commit, just after XADD
    } finally {
      await survivor.stop();
      redis.disconnect();
      await dying.close();
      await db.pool.query("DELETE FROM brain.outbox");
    }
  });

  it("keeps the rows while Redis is unreachable and retries on the injected clock's backoff", async () => {
    const clock = new ManualClock();
    const port = await getPort();
    const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
    // Configured as the services configure theirs: fail fast while down, reconnect forever.
    const redis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    redis.on("error", () => undefined);
    const relay = new OutboxRelay({ db: serviceDb, redis, service: "brain", clock, metrics, pollIntervalMs: 60_000, backoff: { baseMs: 1_000, maxMs: 8_000 } });
    const stream = `${prefix}titan:outage`;
    try {
      await relay.start();
      const producer = new OutboxProducer({ db: serviceDb, resolveStream: () => stream, afterCommit: () => relay.wake() });
      await producer.transaction(async (_tx, publish) => {
        for (let seq = 0; seq < 5; seq += 1) await publish(testEnvelope(seq));
      });
      await waitFor(async () => (await outboxRows()).every((r) => r.attempts === 1 && r.last_error !== null), 10_000, "a failed publish recorded");
      expect((await outboxRows()).some((r) => r.published)).toBe(false);
      const failures = await metrics.registry.getSingleMetric("titan_brain_outbox_publish_failures_total")?.get();
      expect(failures?.values.find((v) => v.labels.reason === "redis")?.value).toBeGreaterThanOrEqual(1);

      server = await startRedis({ dir: redisDir, port, appendOnly: false });
      await waitFor(async () => redis.status === "ready", 10_000, "the relay's Redis connection");
      relay.wake(); // still inside the backoff window: ignored
      await relay.drained();
      expect((await outboxRows()).some((r) => r.published)).toBe(false);

      clock.advance(1_000); // the backoff timer fires and the relay tries again
      await waitFor(async () => (await outboxRows()).every((r) => r.published), 10_000, "published after the backoff");
      expect((await outboxRows()).map((r) => r.attempts)).toEqual([2, 2, 2, 2, 2]);
      expect(await redis.xlen(stream)).toBe(5);
      const [, fields] = (await redis.xrange(stream, "-", "+"))[0] ?? [];
      expect(fields?.[0]).toBe("id");
      expect(JSON.parse(fields?.[3] ?? "null")).toMatchObject({ type: "test.effect", payload: { seq: 0 } });
    } finally {
      await relay.stop();
      redis.disconnect();
      await db.pool.query("DELETE FROM brain.outbox");
    }
  });

  it("refuses a bad message or stream and writes nothing, not even the state change", async () => {
    const producer = new OutboxProducer({ db: serviceDb, resolveStream: () => `${prefix}titan:refused`, validate: testValidator });
    const attempt = (envelope: ReturnType<typeof testEnvelope>, stream?: string) =>
      producer.transaction(async (tx, publish) => {
        await tx.query("test_order", "INSERT INTO orders (seq, message_id) VALUES ($1, $2)", [1, envelope.id]);
        await publish(envelope, stream);
      });
    await expect(attempt({ ...testEnvelope(1), source: "nobody" } as never)).rejects.toThrow(new InvalidMessageError("/source: must be a service name"));
    await expect(attempt(testEnvelope(1), "has a space")).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(
      serviceDb.transaction((tx) => enqueueInTransaction(tx, { ...testEnvelope(1), id: "not-a-uuid" }, `${prefix}titan:refused`)),
    ).rejects.toThrow(/is not a UUID/);
    const counts = await db.pool.query<{ orders: number; outbox: number }>("SELECT (SELECT count(*) FROM brain.orders)::int AS orders, (SELECT count(*) FROM brain.outbox)::int AS outbox");
    expect(counts.rows[0]).toEqual({ orders: 0, outbox: 0 });
  });

  it("prunes published outbox rows and inbox rows past retention, and nothing else", async () => {
    const old = testEnvelope(1);
    const recent = testEnvelope(2);
    const unpublished = testEnvelope(3);
    await db.pool.query(
      `INSERT INTO brain.outbox (id, stream, type, envelope, created_at, published_at) VALUES
         ($1, 's', 't', '{}', now() - interval '9 days', now() - interval '8 days'),
         ($2, 's', 't', '{}', now() - interval '1 hour', now() - interval '1 hour'),
         ($3, 's', 't', '{}', now() - interval '9 days', NULL)`,
      [old.id, recent.id, unpublished.id],
    );
    await db.pool.query(
      `INSERT INTO brain.inbox (consumer_group, message_id, stream, processed_at) VALUES
         ('brain', $1, 's', now() - interval '8 days'), ('brain', $2, 's', now() - interval '1 hour')`,
      [old.id, recent.id],
    );
    expect(await pruneMessagingTables(serviceDb, { keepMs: 7 * 24 * 3600 * 1000 })).toEqual({ outbox: 1, inbox: 1 });
    const left = await db.pool.query<{ id: string }>("SELECT id::text AS id FROM brain.outbox UNION ALL SELECT message_id::text FROM brain.inbox");
    expect(left.rows.map((r) => r.id).sort()).toEqual([recent.id, unpublished.id, recent.id].sort());
    await expect(pruneMessagingTables(serviceDb, { keepMs: 1_000 })).rejects.toThrow(/at least a minute/);
    await db.pool.query("DELETE FROM brain.outbox; DELETE FROM brain.inbox");
  });
});
