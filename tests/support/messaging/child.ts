// A service-like process for the crash tests, run as `node --import tsx child.ts <role>`; the tests
// SIGKILL it through TITAN_FAULT_POINTS. Roles:
//   consumer  StreamConsumer recording effects (M_STREAMS, M_CONSUMER, M_CLAIM_IDLE_MS, M_TRANSACTION_BATCH, …) until SIGTERM
//   producer  writes orders seq 0…M_COUNT-1 with their messages through the outbox (resuming after the
//             last committed one), relays them, exits 0 once all are published
//   relay     OutboxRelay until SIGTERM
// Common: M_DB_URL (search_path set to the schema), M_REDIS_URL.
import { Redis } from "ioredis";
import { createDatabase } from "../../../services/shared/db/database.js";
import { OutboxProducer, OutboxRelay, StreamConsumer } from "../../../services/shared/messaging/index.js";
import { recordEffect, testEnvelope, testValidator } from "./fixtures.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`child: ${name} is required`);
  return value;
};

const role = process.argv[2];
const db = createDatabase({ url: env("M_DB_URL"), applicationName: `messaging-child-${role}`, maxConnections: 4 });
const redis = new Redis(env("M_REDIS_URL"), { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 50, 500) });
redis.on("error", () => undefined);
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (fields: object, msg: string) => console.error(`[${role}] ${msg} ${JSON.stringify(fields)}`),
  error: (fields: object, msg: string) => console.error(`[${role}] ${msg} ${JSON.stringify(fields)}`),
};

const untilSigterm = (stop: () => Promise<void>): void => {
  process.once("SIGTERM", () => {
    void stop()
      .then(() => db.close())
      .then(() => {
        redis.disconnect();
        process.exit(0);
      });
  });
};

const relayFor = () => new OutboxRelay({ db, redis, service: "brain", logger, pollIntervalMs: 100, backoff: { baseMs: 20, maxMs: 200 } });

if (role === "consumer") {
  const name = env("M_CONSUMER");
  const consumer = new StreamConsumer({
    db,
    redis,
    service: "brain",
    group: env("M_GROUP", "brain"),
    consumer: name,
    streams: env("M_STREAMS").split(","),
    handler: recordEffect(name),
    validate: testValidator,
    deadLetterStream: env("M_DEAD_LETTER_STREAM"),
    batchSize: Number(env("M_BATCH", "20")),
    transactionBatch: Number(env("M_TRANSACTION_BATCH", "1")),
    blockMs: 200,
    claimIdleMs: Number(env("M_CLAIM_IDLE_MS", "30000")),
    claimIntervalMs: Number(env("M_CLAIM_INTERVAL_MS", "5000")),
    backoff: { baseMs: 20, maxMs: 200 },
    logger,
  });
  untilSigterm(() => consumer.stop());
  await consumer.start();
  console.log(`[consumer ${name}] ready`);
} else if (role === "producer") {
  const stream = env("M_STREAM");
  const total = Number(env("M_COUNT"));
  const relay = relayFor();
  const producer = new OutboxProducer({ db, resolveStream: () => stream, afterCommit: () => relay.wake() });
  await relay.start();
  const { rows } = await db.query<{ next: number }>("child_next_seq", "SELECT coalesce(max(seq) + 1, 0)::int AS next FROM orders");
  for (let seq = rows[0]?.next ?? 0; seq < total; seq += 1) {
    await producer.transaction(async (tx, publish) => {
      const envelope = testEnvelope(seq);
      await tx.query("child_order_insert", "INSERT INTO orders (seq, message_id) VALUES ($1, $2)", [seq, envelope.id]);
      await publish(envelope);
    });
  }
  // Done producing: exit once the relay has published everything, this run's rows and any left over.
  for (;;) {
    const backlog = await db.query<{ n: number }>("child_backlog", "SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
    if (backlog.rows[0]?.n === 0) break;
    relay.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await relay.stop();
  await db.close();
  redis.disconnect();
  process.exit(0);
} else if (role === "relay") {
  const relay = relayFor();
  untilSigterm(() => relay.stop());
  await relay.start();
} else {
  throw new Error(`child: unknown role ${role}`);
}
