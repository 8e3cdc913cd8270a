// (d) A message whose handler always fails reaches the dead-letter stream after N attempts with its
// reason and attempt count; malformed entries are dead-lettered at once with theirs; the consumer
// keeps running and processes the next good message. PostgreSQL keeps every dead letter too.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { OutboxRelay, StreamConsumer, encodeEntryFields, type DeadLetterPayload, type Envelope, type MessageValidator } from "../../../services/shared/messaging/index.js";
import { validateEnvelope } from "../../../services/shared/contracts/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { prepareSchema, recordEffect, schemaUrl, testEnvelope, testValidator } from "../../support/messaging/fixtures.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const MAX_ATTEMPTS = 3;

// The production validator fits the consumer's slot (a compile-time check; these tests use a
// structural one because their test envelopes are not a contract type).
const _contractsValidator: MessageValidator = validateEnvelope;

interface DeadLetterRow {
  entry_id: string;
  consumer: string;
  message_id: string | null;
  message_type: string | null;
  reason_class: string;
  reason: string;
  attempts: number;
  raw: string;
}

describe("dead letters", () => {
  let db: TestDatabase;
  let serviceDb: Database;
  let redis: Redis;
  let relay: OutboxRelay;
  let consumer: StreamConsumer;
  const metrics = new ServiceMetrics("brain", { defaultMetrics: false });
  const prefix = uniquePrefix("msg-dead-letter");
  const stream = `${prefix}titan:signals`;
  const deadLetterStream = `${prefix}titan:dead-letter`;
  const handlerCalls = new Map<string, number[]>(); // attempt numbers the handler saw, per message

  beforeAll(async () => {
    db = await withTestDatabase("msg_dead_letter");
    await prepareSchema(db.pool, db.url);
    redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
    serviceDb = createDatabase({ url: schemaUrl(db.url), applicationName: "dead-letter-test" });
    // The dead-letter envelope leaves through the outbox like any message: the service's relay sends it.
    relay = new OutboxRelay({ db: serviceDb, redis, service: "brain", metrics, pollIntervalMs: 50 });
    const effect = recordEffect("brain-1");
    consumer = new StreamConsumer({
      db: serviceDb,
      redis,
      service: "brain",
      consumer: "brain-1",
      streams: [stream],
      deadLetterStream,
      maxAttempts: MAX_ATTEMPTS,
      backoff: { baseMs: 5, maxMs: 20 },
      blockMs: 100,
      validate: testValidator,
      metrics,
      handler: async (envelope, tx, delivery) => {
        handlerCalls.set(envelope.id, [...(handlerCalls.get(envelope.id) ?? []), delivery.attempt]);
        await effect(envelope, tx, delivery);
        if ((envelope.payload as { swallow?: boolean }).swallow) {
          // A handler that catches an SQL error and carries on: its transaction is aborted all the same.
          await tx.query("test_failing", "SELECT 1 / 0").catch(() => undefined);
        }
      },
    });
    await relay.start();
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await relay?.stop();
    await serviceDb?.close();
    redis?.disconnect();
  });

  it("dead-letters a failing and malformed messages with their reasons and keeps consuming", async () => {
    const good = testEnvelope(1);
    const poison = testEnvelope(2, { poison: true });
    const last = testEnvelope(3);
    const invalid = { ...testEnvelope(4), source: "nobody" };
    const mismatchedId = randomUUID();
    const add = (fields: string[]) => redis.xadd(stream, "*", ...fields);
    await add(encodeEntryFields(good));
    const poisonEntry = await add(encodeEntryFields(poison));
    const notJsonEntry = await add(["id", randomUUID(), "env", "{this is not json"]);
    const invalidEntry = await add(["id", invalid.id, "env", JSON.stringify(invalid)]);
    const noEnvEntry = await add(["id", randomUUID()]);
    const mismatchEntry = await add(["id", mismatchedId, "env", JSON.stringify(last)]);
    await add(encodeEntryFields(last));

    await waitFor(async () => (await db.pool.query("SELECT 1 FROM brain.effects WHERE message_id = $1", [last.id])).rowCount === 1, 15_000, "the message after the bad ones");
    await waitFor(async () => (await redis.xlen(deadLetterStream)) >= 5, 15_000, "five dead letters on the stream");

    // The failing message: exactly N handler runs, then a dead letter carrying reason and attempts.
    expect(handlerCalls.get(poison.id)).toEqual([1, 2, 3]);
    const { rows } = await db.pool.query<DeadLetterRow>("SELECT entry_id, consumer, message_id, message_type, reason_class, reason, attempts, raw FROM brain.dead_letters");
    const byEntry = new Map(rows.map((r) => [r.entry_id, r]));
    expect(rows).toHaveLength(5);
    expect(byEntry.get(poisonEntry as string)).toMatchObject({
      consumer: "brain-1",
      message_id: poison.id,
      message_type: "test.effect",
      reason_class: "handler-failed",
      reason: "Error: poison payload: this handler always fails",
      attempts: MAX_ATTEMPTS,
    });
    expect(byEntry.get(notJsonEntry as string)).toMatchObject({ reason_class: "malformed", attempts: 1, raw: "{this is not json" });
    expect(byEntry.get(notJsonEntry as string)?.reason).toMatch(/^envelope is not valid JSON/);
    expect(byEntry.get(invalidEntry as string)).toMatchObject({ reason_class: "malformed", reason: "/source: must be a service name", message_id: invalid.id });
    expect(byEntry.get(noEnvEntry as string)).toMatchObject({ reason_class: "malformed", reason: "entry has no 'env' field" });
    expect(JSON.parse(byEntry.get(noEnvEntry as string)?.raw ?? "null")).toEqual({ id: expect.any(String) });
    expect(byEntry.get(mismatchEntry as string)?.reason).toBe(`entry id field ${mismatchedId} does not match envelope id ${last.id}`);

    // The stream copies are contracts' dead-letter envelopes, pointing back at the dead entries.
    const published = (await redis.xrange(deadLetterStream, "-", "+")).map(([, fields]) => JSON.parse(fields[3] as string) as Envelope);
    expect(published).toHaveLength(5);
    for (const letter of published) expect(validateEnvelope(letter)).toMatchObject({ ok: true });
    const poisonLetter = published.find((e) => (e.payload as DeadLetterPayload).originalEntryId === poisonEntry);
    expect(poisonLetter).toMatchObject({
      type: "dead-letter",
      source: "brain",
      causationId: poison.id,
      payload: {
        originalStream: stream,
        group: "brain",
        consumer: "brain-1",
        messageId: poison.id,
        messageType: "test.effect",
        attempts: MAX_ATTEMPTS,
        reason: "Error: poison payload: this handler always fails",
        raw: JSON.stringify(poison),
      },
    });

    // Good messages on both sides of the bad ones took effect once; nothing is left pending.
    const effects = await db.pool.query<{ message_id: string; count: number }>("SELECT message_id, count FROM brain.effects ORDER BY seq");
    expect(effects.rows).toEqual([
      { message_id: good.id, count: 1 },
      { message_id: last.id, count: 1 },
    ]);
    const pending = (await redis.xpending(stream, "brain")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    const deadLettered = await metrics.registry.getSingleMetric("titan_brain_messages_dead_lettered_total")?.get();
    const byClass = Object.fromEntries((deadLettered?.values ?? []).map((v) => [v.labels.reason_class, v.value]));
    expect(byClass).toEqual({ "handler-failed": 1, malformed: 4, "delivery-limit": 0 }); // every class has a series from the start
  });

  it("skips a redelivered copy of a dead-lettered message instead of failing it again", async () => {
    const poison = testEnvelope(5, { poison: true });
    await redis.xadd(stream, "*", ...encodeEntryFields(poison));
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM brain.dead_letters WHERE message_id = $1", [poison.id])).rowCount === 1, 15_000, "the dead letter");
    const after = testEnvelope(6);
    await redis.xadd(stream, "*", ...encodeEntryFields(poison)); // a relay republishing after a crash
    await redis.xadd(stream, "*", ...encodeEntryFields(after));
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM brain.effects WHERE message_id = $1", [after.id])).rowCount === 1, 15_000, "the next message");
    expect(handlerCalls.get(poison.id)).toEqual([1, 2, 3]);
    const letters = await db.pool.query("SELECT 1 FROM brain.dead_letters WHERE message_id = $1", [poison.id]);
    expect(letters.rowCount).toBe(1);
  });

  it("fails a handler that swallowed an SQL error (its transaction was aborted) instead of acknowledging a rollback", async () => {
    const swallowing = testEnvelope(7, { swallow: true });
    await redis.xadd(stream, "*", ...encodeEntryFields(swallowing));
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM brain.dead_letters WHERE message_id = $1", [swallowing.id])).rowCount === 1, 15_000, "the dead letter");
    expect(handlerCalls.get(swallowing.id)).toEqual([1, 2, 3]);
    const letter = await db.pool.query<DeadLetterRow>("SELECT reason_class, reason, attempts FROM brain.dead_letters WHERE message_id = $1", [swallowing.id]);
    expect(letter.rows[0]).toMatchObject({ reason_class: "handler-failed", attempts: MAX_ATTEMPTS });
    expect(letter.rows[0]?.reason).toMatch(/TransactionAbortedError: the transaction was aborted by an earlier failed statement/);
    const effects = await db.pool.query("SELECT 1 FROM brain.effects WHERE message_id = $1", [swallowing.id]);
    expect(effects.rowCount).toBe(0); // its effect was rolled back with the rest
  });
});
