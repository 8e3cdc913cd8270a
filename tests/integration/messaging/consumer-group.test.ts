// (e) Two consumers in one group share the stream with no double effect; when one is SIGKILLed with
// entries in hand, the other claims them once they have been idle long enough, and applies them once.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { fieldsToRecord } from "../../../services/shared/messaging/entry.js";
import { MESSAGING_FAULT_POINTS } from "../../../services/shared/messaging/index.js";
import {
  effectSummary,
  killLeftoverChildren,
  prepareSchema,
  schemaUrl,
  spawnMessagingChild,
  testEnvelope,
  waitForEffects,
  xaddAll,
  type MessagingChild,
} from "../../support/messaging/fixtures.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const MESSAGES = 400;

describe("two consumers in one group", () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = uniquePrefix("msg-consumer-group");
  const stream = `${prefix}titan:signals`;

  beforeAll(async () => {
    db = await withTestDatabase("msg_consumer_group");
    await prepareSchema(db.pool, db.url);
    redis = new Redis(inject("redisUrl"));
  });

  afterAll(async () => {
    killLeftoverChildren();
    redis?.disconnect();
  });

  const startConsumer = (name: string, faults: string): MessagingChild =>
    spawnMessagingChild("consumer", {
      M_DB_URL: schemaUrl(db.url),
      M_REDIS_URL: inject("redisUrl"),
      M_STREAMS: stream,
      M_CONSUMER: name,
      M_DEAD_LETTER_STREAM: `${prefix}titan:dead-letter`,
      M_BATCH: "10",
      M_CLAIM_IDLE_MS: "1000",
      M_CLAIM_INTERVAL_MS: "200",
      TITAN_FAULT_POINTS: faults,
    });

  it("shares the work, and the survivor finishes a crashed member's pending entries exactly once", async () => {
    const doomed = startConsumer("brain-a", `${MESSAGING_FAULT_POINTS.consumerAfterReceiveBeforeCommit}@60`);
    const survivor = startConsumer("brain-b", "");
    await waitFor(async () => doomed.output().includes("ready") && survivor.output().includes("ready"), 20_000, "both consumers ready");

    const envelopes = Array.from({ length: MESSAGES }, (_, seq) => testEnvelope(seq));
    for (let i = 0; i < MESSAGES; i += 50) await xaddAll(redis, stream, envelopes.slice(i, i + 50));

    expect(await doomed.exited, doomed.output()).toEqual({ code: null, signal: "SIGKILL" });
    // What the dead consumer held: at least the entry whose transaction died with it.
    const held = (await redis.xpending(stream, "brain", "-", "+", 100, "brain-a")) as Array<[string, string, number, number]>;
    expect(held.length).toBeGreaterThanOrEqual(1);

    await waitForEffects(db.pool, MESSAGES);
    expect(await survivor.terminate(), survivor.output()).toEqual({ code: 0, signal: null });
    expect(await effectSummary(db.pool)).toEqual({ messages: MESSAGES, maxCount: 1, minCount: 1 });

    const byConsumer = await db.pool.query<{ consumer: string; n: number }>("SELECT consumer, count(*)::int AS n FROM brain.effects GROUP BY consumer ORDER BY consumer");
    expect(byConsumer.rows.map((r) => r.consumer)).toEqual(["brain-a", "brain-b"]);
    expect(byConsumer.rows[0]?.n).toBe(59); // brain-a committed 59 before dying on its 60th

    // Every entry brain-a held was finished by brain-b.
    const heldMessageIds: string[] = [];
    for (const [entryId] of held) {
      const [entry] = await redis.xrange(stream, entryId, entryId);
      heldMessageIds.push(fieldsToRecord(entry?.[1] ?? []).id as string);
    }
    const finishers = await db.pool.query<{ consumer: string }>("SELECT DISTINCT consumer FROM brain.effects WHERE message_id = ANY($1::uuid[])", [heldMessageIds]);
    expect(finishers.rows).toEqual([{ consumer: "brain-b" }]);
    const pending = (await redis.xpending(stream, "brain")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
