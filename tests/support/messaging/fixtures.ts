// Shared pieces of the exactly-once tests: a schema with the messaging tables and an effects table,
// a handler whose effect is countable per message, envelopes, and child processes to SIGKILL.
import { spawnTsChild, type TestChild } from "../child-process.js";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import type pg from "pg";
import { SERVICE_NAMES } from "../../../ops/services.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { migrateSchema } from "../../../services/shared/db/migrate.js";
import { MESSAGING_MIGRATIONS_TABLE, encodeEntryFields, isUuid, messagingMigrationsDir } from "../../../services/shared/messaging/index.js";
import type { Envelope, MessageHandler, MessageValidator } from "../../../services/shared/messaging/index.js";

export const SCHEMA = "brain";

const childScript = fileURLToPath(new URL("./child.ts", import.meta.url));

/** The database URL with search_path set to the service schema, as a service role would have it. */
export const schemaUrl = (databaseUrl: string, schema = SCHEMA): string => {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
};

/** Applies the messaging migrations into the schema and adds the tables the test handlers write. */
export const prepareSchema = async (pool: pg.Pool, databaseUrl: string, schema = SCHEMA): Promise<void> => {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`); // provisioning's job in a deployment
  await migrateSchema({ connection: databaseUrl, schema, dir: messagingMigrationsDir(), table: MESSAGING_MIGRATIONS_TABLE });
  await pool.query(`
    CREATE TABLE ${schema}.effects (message_id uuid PRIMARY KEY, seq integer NOT NULL, consumer text NOT NULL, count integer NOT NULL);
    CREATE TABLE ${schema}.orders (seq integer PRIMARY KEY, message_id uuid NOT NULL UNIQUE);
  `);
};

/** Structural check standing in for contracts' validateEnvelope (not ours to import here). */
export const testValidator: MessageValidator = (raw) => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "envelope must be a JSON object" };
  const e = raw as Record<string, unknown>;
  if (!isUuid(e.id)) return { ok: false, reason: "/id: must be a UUID" };
  if (typeof e.type !== "string" || e.type.length === 0) return { ok: false, reason: "/type: must be a non-empty string" };
  if (!Number.isInteger(e.version)) return { ok: false, reason: "/version: must be an integer" };
  if (!(SERVICE_NAMES as readonly unknown[]).includes(e.source)) return { ok: false, reason: "/source: must be a service name" };
  if (!Number.isInteger(e.tsMs)) return { ok: false, reason: "/tsMs: must be an integer" };
  if (typeof e.payload !== "object" || e.payload === null) return { ok: false, reason: "/payload: must be an object" };
  return { ok: true, envelope: raw as Envelope };
};

export const testEnvelope = (seq: number, payload: Record<string, unknown> = {}): Envelope => ({
  id: randomUUID(),
  type: "test.effect",
  version: 1,
  source: "scavenger",
  tsMs: Date.now(),
  payload: { seq, ...payload },
});

/** The effect under test: a counted row per message id, so a double effect shows as count 2. */
export const recordEffect =
  (consumer: string): MessageHandler =>
  async (envelope, tx) => {
    const payload = envelope.payload as { seq?: number; poison?: boolean };
    if (payload.poison) throw new Error("poison payload: this handler always fails");
    await tx.query(
      "test_effect",
      `INSERT INTO effects (message_id, seq, consumer, count) VALUES ($1, $2, $3, 1)
       ON CONFLICT (message_id) DO UPDATE SET count = effects.count + 1`,
      [envelope.id, payload.seq ?? -1, consumer],
    );
  };

export const xaddAll = async (redis: Redis, stream: string, envelopes: readonly Envelope[]): Promise<void> => {
  const pipeline = redis.pipeline();
  for (const e of envelopes) pipeline.xadd(stream, "*", ...encodeEntryFields(e));
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
};

export interface EffectSummary {
  readonly messages: number;
  readonly maxCount: number;
  readonly minCount: number;
}

export const effectSummary = async (pool: pg.Pool, schema = SCHEMA): Promise<EffectSummary> => {
  const { rows } = await pool.query<{ messages: number; max_count: number | null; min_count: number | null }>(
    `SELECT count(*)::int AS messages, max(count)::int AS max_count, min(count)::int AS min_count FROM ${schema}.effects`,
  );
  const row = rows[0];
  return { messages: row?.messages ?? 0, maxCount: row?.max_count ?? 0, minCount: row?.min_count ?? 0 };
};

export const waitForEffects = (pool: pg.Pool, count: number, timeoutMs = 30_000, schema = SCHEMA): Promise<void> =>
  waitFor(async () => (await effectSummary(pool, schema)).messages >= count, timeoutMs, `${count} effects`);

export type MessagingChild = TestChild;

/** Runs tests/support/messaging/child.ts in a new Node process with `env` (see that file for roles). */
export const spawnMessagingChild = (role: "consumer" | "producer" | "relay", env: Record<string, string>): MessagingChild =>
  spawnTsChild(childScript, [role], { ...process.env, TITAN_FAULT_POINTS: "", ...env });

export { killLeftoverChildren, type ChildExit } from "../child-process.js";
