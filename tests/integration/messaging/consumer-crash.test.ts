// (a) A consumer SIGKILLed between commit and acknowledgement, and another between receiving and
// committing: after restarts every message's effect happened exactly once and none was lost.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
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
} from "../../support/messaging/fixtures.js";
import { uniquePrefix, withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const MESSAGES = 300;

describe("consumer crashes", () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = uniquePrefix("msg-consumer-crash");
  const stream = `${prefix}titan:signals`;

  beforeAll(async () => {
    db = await withTestDatabase("msg_consumer_crash");
    await prepareSchema(db.pool, db.url);
    redis = new Redis(inject("redisUrl"));
  });

  afterAll(async () => {
    killLeftoverChildren();
    redis?.disconnect();
  });

  it("every effect happens exactly once across a kill after commit and a kill before commit", async () => {
    const envelopes = Array.from({ length: MESSAGES }, (_, seq) => testEnvelope(seq));
    await xaddAll(redis, stream, envelopes);
    const consumerEnv = (faults: string) => ({
      M_DB_URL: schemaUrl(db.url),
      M_REDIS_URL: inject("redisUrl"),
      M_STREAMS: stream,
      M_CONSUMER: "brain-1", // the same instance restarting: it reclaims its own pending entries at once
      M_DEAD_LETTER_STREAM: `${prefix}titan:dead-letter`,
      TITAN_FAULT_POINTS: faults,
    });

    // 1: dies right after committing its 100th effect, before acknowledging it.
    const first = spawnMessagingChild("consumer", consumerEnv(`${MESSAGING_FAULT_POINTS.consumerAfterCommitBeforeAck}@100`));
    expect(await first.exited, first.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect((await effectSummary(db.pool)).messages).toBe(100);
    const pendingAfterFirst = (await redis.xpending(stream, "brain")) as [number, ...unknown[]];
    expect(pendingAfterFirst[0]).toBeGreaterThanOrEqual(1); // the committed-but-unacknowledged one at least

    // 2: redelivered, the 100th is recognised as done; then it dies with its 50th new effect uncommitted.
    const second = spawnMessagingChild("consumer", consumerEnv(`${MESSAGING_FAULT_POINTS.consumerAfterReceiveBeforeCommit}@50`));
    expect(await second.exited, second.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect((await effectSummary(db.pool)).messages).toBe(149);

    // 3: no faults: finishes the stream, including the message whose transaction died with process 2.
    const third = spawnMessagingChild("consumer", consumerEnv(""));
    await waitForEffects(db.pool, MESSAGES);
    expect(await third.terminate(), third.output()).toEqual({ code: 0, signal: null });

    expect(await effectSummary(db.pool)).toEqual({ messages: MESSAGES, maxCount: 1, minCount: 1 });
    const { rows } = await db.pool.query<{ seq: number }>("SELECT seq FROM brain.effects ORDER BY seq");
    expect(rows.map((r) => r.seq)).toEqual(envelopes.map((_, seq) => seq));
    const inbox = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM brain.inbox WHERE consumer_group = 'brain'");
    expect(inbox.rows[0]?.n).toBe(MESSAGES);
    const pending = (await redis.xpending(stream, "brain")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
