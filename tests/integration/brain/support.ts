// Shared pieces of the brain's integration tests. Each test file gets its own database and its OWN Redis
// server: the brain reads and writes the real stream names (titan:signals, titan:orders, …), and files
// running in parallel on the shared Redis would consume each other's messages and spoil the counts.
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import { Redis } from "ioredis";
import { afterAll, inject } from "vitest";
import { startRedis, stopRedis, waitFor as waitForServers } from "../../../scripts/lib/local-servers.js";
import { createBrainService, type BrainServiceOptions } from "../../../services/brain/service.js";
import { issueApiToken, type Role } from "../../../services/shared/auth/index.js";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, parseEnvelope, streamOf, type Envelope, type MessageOf, type MessageType } from "../../../services/shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../../services/shared/contracts/samples.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

/** Polls until `probe` holds; a probe that throws (a table not migrated yet) counts as not yet. */
export const waitFor = (probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> =>
  waitForServers(() => probe().catch(() => false), timeoutMs, what);

export interface BrainTestWorld {
  readonly db: TestDatabase;
  readonly redisUrl: string;
  /** A client on the private Redis for publishing and reading streams. */
  readonly redis: Redis;
  readonly env: NodeJS.ProcessEnv;
  readonly tokens: Readonly<Record<Role, string>>;
  /** Stops the private Redis (an outage); `startRedis` brings it back on the same port, and waits for the test's client. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
}

/**
 * A database with every service's schema, a private Redis, the brain's environment and an API token per
 * role. `redisAppendOnly` keeps the streams across `stopRedis`/`startRedis`, as every deployment does.
 */
export async function brainTestWorld(label: string, brainEnv: Record<string, string> = {}, options: { redisAppendOnly?: boolean } = {}): Promise<BrainTestWorld> {
  const db = await withTestDatabase(label);
  await provisionTestDatabase(db);
  const dir = join(inject("scratchDir"), `redis-${label}-${randomBytes(3).toString("hex")}`);
  const port = await getPort();
  const appendOnly = options.redisAppendOnly === true;
  const server = await startRedis({ dir, port, appendOnly });
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined); // refused reconnects while a test has stopped the server
  afterAll(async () => {
    redis.disconnect();
    await stopRedis(dir);
  });
  const env = { ...serviceEnv("brain", db, { redisUrl: server.url }), TITAN_INSTANCE_ID: `brain-${label}`, ...brainEnv };
  const admin = createDatabase({ url: db.url, applicationName: "brain-test-tokens" });
  const tokens: Partial<Record<Role, string>> = {};
  for (const role of ["viewer", "operator", "admin"] as const) {
    const issued = await admin.transaction((tx) =>
      issueApiToken(tx, { name: `brain-${role}`, role, scopes: [], ttlSeconds: 3_600 }, { clock: systemClock, actor: { kind: "system", id: "test", name: "brain tests" }, service: "console" }),
    );
    tokens[role] = issued.token;
  }
  await admin.close();
  return {
    db,
    redisUrl: server.url,
    redis,
    env,
    tokens: tokens as Record<Role, string>,
    stopRedis: () => stopRedis(dir),
    startRedis: async () => {
      await startRedis({ dir, port, appendOnly });
      await waitForServers(async () => redis.status === "ready", 10_000, "the test's Redis client to reconnect");
    },
  };
}

/** Writes brain parameters to a file and returns the variable pointing at it. */
export function parametersFile(dir: string, params: object): Record<string, string> {
  const file = join(dir, `brain-params-${randomBytes(3).toString("hex")}.json`);
  writeFileSync(file, JSON.stringify(params));
  return { TITAN_BRAIN_PARAMETERS_FILE: file };
}

export const startBrain = (env: NodeJS.ProcessEnv, options: Omit<BrainServiceOptions, "env"> = {}): Promise<RunningService<"brain">> =>
  runService(createBrainService({ ...options, env }), { env });

/** Publishes a message the way another service's relay would: a validated envelope on its type's stream. */
export async function publish<T extends MessageType>(redis: Redis, type: T, payload: MessageOf<T>, opts: { id?: string; source?: "execution" | "scavenger" } = {}): Promise<Envelope> {
  const envelope = makeEnvelope(type, payload, { source: opts.source ?? (type === "signal" ? "scavenger" : "execution"), clock: systemClock, ...(opts.id ? { id: opts.id } : {}) });
  await redis.xadd(streamOf(type), "*", ...encodeEntryFields(envelope));
  return envelope as Envelope;
}

/** Every envelope on a type's stream, in stream order (repeats included). */
export async function readStream<T extends MessageType>(redis: Redis, type: T): Promise<Array<Extract<Envelope, { type: T }>>> {
  const entries = (await redis.xrange(streamOf(type), "-", "+")) as Array<[string, string[]]>;
  return entries.map(([, fields]) => {
    const parsed = parseEnvelope(fields[fields.indexOf("env") + 1] ?? "");
    if (!parsed.ok) throw new Error(`bad envelope on ${streamOf(type)}: ${parsed.reason}`);
    return parsed.envelope as Extract<Envelope, { type: T }>;
  });
}

export const signalPayload = (over: Partial<MessageOf<"signal">> = {}): MessageOf<"signal"> => ({
  ...SAMPLE_PAYLOADS.signal,
  signalId: randomUUID(),
  symbol: "BTCUSDT",
  requestedNotionalUsd: 100,
  tsMs: Date.now(),
  ...over,
});

export const equityPayload = (equityUsd: number, over: Partial<MessageOf<"equity-snapshot">> = {}): MessageOf<"equity-snapshot"> => ({
  ...SAMPLE_PAYLOADS["equity-snapshot"],
  equityUsd,
  walletBalanceUsd: equityUsd,
  availableBalanceUsd: equityUsd,
  unrealisedPnlUsd: 0,
  tsMs: Date.now(),
  ...over,
});

export const fillReport = (side: "buy" | "sell", qty: number, priceUsd: number, over: Partial<MessageOf<"execution-report">> = {}): MessageOf<"execution-report"> => ({
  ...SAMPLE_PAYLOADS["execution-report"],
  reportId: randomUUID(),
  clientOrderId: `ext-${randomBytes(6).toString("hex")}`,
  symbol: "BTCUSDT",
  side,
  orderType: "market",
  status: "filled",
  orderQty: qty,
  filledQty: qty,
  remainingQty: 0,
  limitPriceUsd: null,
  avgFillPriceUsd: priceUsd,
  fill: { fillId: `fill-${randomUUID()}`, qty, priceUsd, feeUsd: 0, liquidity: "taker" },
  tsMs: Date.now(),
  ...over,
});

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export const count = async (db: TestDatabase, sql: string, params: unknown[] = []): Promise<number> =>
  Number((await db.pool.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0);

/** A counter's or gauge's value for one label set, 0 when absent. */
export async function metricValue(brain: RunningService<"brain">, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = brain.ctx.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return match?.value ?? 0;
}
