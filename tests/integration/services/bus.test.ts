// The typed bus end to end between two services run by the shared runtime: a message published in the
// producer's transaction reaches the subscriber once, even when published twice with the same id;
// a message that fails contract validation is refused before anything is written; one the subscriber
// turns down is acknowledged without a transaction.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishInTransaction, subscribe } from "../../../services/shared/bus.js";
import { streamOf } from "../../../services/shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../../services/shared/contracts/samples.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

describe("the typed bus between services", () => {
  let db: TestDatabase;
  let brain: RunningService<"brain">;
  let execution: RunningService<"execution">;

  beforeAll(async () => {
    db = await withTestDatabase("bus");
    await provisionTestDatabase(db);
    // A table in execution's schema standing in for an effect of the message.
    await db.pool.query("CREATE TABLE execution.heartbeats_seen (message_id uuid PRIMARY KEY, sequence int NOT NULL, seen integer NOT NULL DEFAULT 1)");
    await db.pool.query("GRANT SELECT, INSERT, UPDATE ON execution.heartbeats_seen TO titan_execution");
    brain = await runService({ service: "brain" }, { env: serviceEnv("brain", db) });
    execution = await runService(
      {
        service: "execution",
        start: async (ctx) => [
          subscribe(ctx, {
            types: ["heartbeat"],
            accepts: (envelope) => envelope.type !== "heartbeat" || envelope.payload.sequence !== 13,
            handler: async (envelope, tx) => {
              if (envelope.type !== "heartbeat") return;
              await tx.query(
                "heartbeat_seen",
                "INSERT INTO execution.heartbeats_seen (message_id, sequence) VALUES ($1, $2) ON CONFLICT (message_id) DO UPDATE SET seen = heartbeats_seen.seen + 1",
                [envelope.id, envelope.payload.sequence],
              );
            },
          }),
        ],
      },
      { env: serviceEnv("execution", db) },
    );
  });

  afterAll(async () => {
    await execution?.stop();
    await brain?.stop();
  });

  it("delivers a message published in the producer's transaction exactly once, even when the stream repeats it", async () => {
    const id = randomUUID();
    const envelope = await brain.ctx.db.transaction((tx) =>
      publishInTransaction(tx, "heartbeat", { ...SAMPLE_PAYLOADS.heartbeat, sequence: 7 }, { source: "brain", clock: brain.ctx.clock, id }),
    );
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM execution.heartbeats_seen WHERE message_id = $1", [id])).rowCount === 1, 15_000, "the heartbeat to arrive");
    // A relay that crashed after XADD publishes the same entry again: the inbox must absorb it.
    const stream = streamOf("heartbeat");
    const [[, fields] = ["", []]] = (await brain.ctx.redis.xrevrange(stream, "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
    expect(fields).toContain(envelope.id);
    await brain.ctx.redis.xadd(stream, "*", ...fields);
    const duplicates = () => execution.ctx.metrics.registry.getSingleMetricAsString("titan_execution_messages_duplicates_skipped_total");
    await waitFor(async () => /\} 1$/m.test(await duplicates()), 15_000, "the repeated entry to be skipped");
    const { rows } = await db.pool.query("SELECT sequence, seen FROM execution.heartbeats_seen WHERE message_id = $1", [id]);
    expect(rows).toEqual([{ sequence: 7, seen: 1 }]);
  });

  it("refuses to enqueue the same message id twice from one producer", async () => {
    const id = randomUUID();
    const publish = () => brain.ctx.db.transaction((tx) => publishInTransaction(tx, "heartbeat", SAMPLE_PAYLOADS.heartbeat, { source: "brain", clock: brain.ctx.clock, id }));
    await publish();
    await expect(publish()).rejects.toThrow(`message ${id} is already in the outbox`);
  });

  it("refuses a message that breaks its contract and rolls back the producer's transaction", async () => {
    const before = (await db.pool.query("SELECT count(*)::int AS n FROM brain.outbox")).rows[0].n as number;
    const bad = { ...SAMPLE_PAYLOADS.heartbeat, sequence: -1 };
    await expect(
      brain.ctx.db.transaction((tx) => publishInTransaction(tx, "heartbeat", bad, { source: "brain", clock: brain.ctx.clock })),
    ).rejects.toThrow(/sequence/);
    expect((await db.pool.query("SELECT count(*)::int AS n FROM brain.outbox")).rows[0].n).toBe(before);
  });

  it("acknowledges a message the subscriber turns down without a transaction or an inbox row", async () => {
    const [ignored, wanted] = [randomUUID(), randomUUID()];
    await brain.ctx.db.transaction(async (tx) => {
      await publishInTransaction(tx, "heartbeat", { ...SAMPLE_PAYLOADS.heartbeat, sequence: 13 }, { source: "brain", clock: brain.ctx.clock, id: ignored });
      await publishInTransaction(tx, "heartbeat", { ...SAMPLE_PAYLOADS.heartbeat, sequence: 14 }, { source: "brain", clock: brain.ctx.clock, id: wanted });
    });
    await waitFor(async () => (await db.pool.query("SELECT 1 FROM execution.heartbeats_seen WHERE message_id = $1", [wanted])).rowCount === 1, 15_000, "the wanted heartbeat");
    const ignoredCount = () => execution.ctx.metrics.registry.getSingleMetricAsString("titan_execution_messages_ignored_total");
    await waitFor(async () => /\} 1$/m.test(await ignoredCount()), 15_000, "the turned-down heartbeat to be acknowledged");
    expect((await db.pool.query("SELECT 1 FROM execution.heartbeats_seen WHERE message_id = $1", [ignored])).rowCount).toBe(0);
    expect((await db.pool.query("SELECT 1 FROM execution.inbox WHERE message_id = $1", [ignored])).rowCount).toBe(0);
    expect((await db.pool.query("SELECT 1 FROM execution.inbox WHERE message_id = $1", [wanted])).rowCount).toBe(1);
    const pending = (await execution.ctx.redis.xpending(streamOf("heartbeat"), "execution")) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });
});
