// What the scavenger's integration tests share: a running instance on the test cluster with a
// controllable clock, API tokens by role, and market data written to the bus the way execution's
// relay writes it (one stream entry per envelope).
import { randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { issueApiToken, type Role } from "../../../services/shared/auth/index.js";
import type { Clock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf, type MessageOf, type MessageType } from "../../../services/shared/contracts/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { createScavengerService, scavengerInstances, type ScavengerInstance, type ScavengerServiceOptions } from "../../../services/scavenger/service.js";
import { serviceEnv } from "../../support/service-env.js";
import type { TestDatabase } from "../../support/test-database.js";

export interface StartedScavenger {
  readonly running: RunningService<"scavenger">;
  readonly instance: ScavengerInstance;
}

export const startScavenger = async (db: TestDatabase, clock: Clock, instanceId: string, options: ScavengerServiceOptions = {}): Promise<StartedScavenger> => {
  const running = await runService(createScavengerService({ readBlockMs: 200, ...options }), {
    env: { ...serviceEnv("scavenger", db), TITAN_INSTANCE_ID: instanceId },
    clock,
  });
  const instance = scavengerInstances.get(running.ctx);
  if (!instance) throw new Error("the scavenger instance was not created");
  // Trades are read from the moment the reader has caught up with the replayed history: not before.
  await waitFor(async () => (await running.app.inject({ method: "GET", url: "/health/ready" })).statusCode === 200, 10_000, "the scavenger to be ready");
  return { running, instance };
};

/** One bearer token per role, issued with the clock the services check expiry against. */
export const issueTokens = async (db: TestDatabase, clock: Clock): Promise<Record<Role, string>> => {
  const admin = createDatabase({ url: db.url, applicationName: "scavenger-test-tokens" });
  try {
    const tokens = {} as Record<Role, string>;
    for (const role of ["viewer", "operator", "admin"] as const) {
      const issued = await admin.transaction((tx) =>
        issueApiToken(tx, { name: `scavenger-${role}`, role, scopes: [], ttlSeconds: 3_600 }, { clock, actor: { kind: "system", id: "test", name: "scavenger test" }, service: "console" }),
      );
      tokens[role] = issued.token;
    }
    return tokens;
  } finally {
    await admin.close();
  }
};

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A symbol no other test file trades, so files sharing the Redis streams cannot disturb each other. */
export const uniqueSymbol = (label: string): string => `${label}${randomBytes(3).toString("hex").toUpperCase()}USDT`;

/** XADDs messages as execution's relay would publish them; returns the last entry id. */
export const publishToBus = async <T extends MessageType>(redis: Redis, type: T, payloads: readonly MessageOf<T>[], clock: Clock): Promise<string> => {
  const pipeline = redis.pipeline();
  for (const payload of payloads) {
    const envelope = makeEnvelope(type, payload, { source: "execution", clock });
    pipeline.xadd(streamOf(type), "*", ...encodeEntryFields(envelope));
  }
  const replies = (await pipeline.exec()) ?? [];
  const last = replies.at(-1);
  if (!last || last[0]) throw last?.[0] ?? new Error("XADD failed");
  return String(last[1]);
};

/** An entry the contracts would refuse: `envelopeText` is written as is, so it may be anything. */
export const publishRaw = async (redis: Redis, type: MessageType, envelopeText: string): Promise<void> => {
  await redis.xadd(streamOf(type), "*", "id", randomUUID(), "env", envelopeText);
};

const market = { version: 1 as const, venue: "paper" as const, marketType: "linear" as const };

export const trade = (symbol: string, priceUsd: number, qty: number, venueTsMs: number, tradeId: string = randomUUID(), side: "buy" | "sell" = "buy"): MessageOf<"market-trade"> => ({
  ...market,
  symbol,
  venueTsMs,
  tsMs: venueTsMs + 1,
  tradeId,
  side,
  priceUsd,
  qty,
});

export const hourKline = (symbol: string, openTsMs: number, o: number, h: number, l: number, c: number, volumeQty: number): MessageOf<"market-kline"> => ({
  ...market,
  symbol,
  venueTsMs: openTsMs + 3_600_000,
  tsMs: openTsMs + 3_600_001,
  interval: "1h",
  openTsMs,
  closeTsMs: openTsMs + 3_599_999,
  openPriceUsd: o,
  highPriceUsd: h,
  lowPriceUsd: l,
  closePriceUsd: c,
  volumeQty,
  turnoverUsd: volumeQty * c,
  closed: true,
});

/** tests/fixtures/scavenger/strategy-scenario.ts's market as bus messages: arms 106.4625 long / 101.0475 short. */
export const scenarioKlines = (symbol: string, t0: number): MessageOf<"market-kline">[] => [
  hourKline(symbol, t0, 100, 110, 100, 110, 10),
  hourKline(symbol, t0 + 3_600_000, 105, 105, 105, 105, 5),
  hourKline(symbol, t0 + 7_200_000, 101, 101, 101, 101, 4),
];

/** Signal envelopes for `symbol` on the bus after entry `afterId`. */
export const signalsOnBus = async (redis: Redis, symbol: string, afterId = "-"): Promise<Array<{ entryId: string; envelope: { id: string; source: string; payload: MessageOf<"signal"> } }>> => {
  const entries = (await redis.xrange(streamOf("signal"), afterId === "-" ? "-" : `(${afterId}`, "+")) as Array<[string, string[]]>;
  const found = [];
  for (const [entryId, fields] of entries) {
    const text = fields[fields.indexOf("env") + 1];
    if (text === undefined) continue;
    const envelope = JSON.parse(text) as { id: string; source: string; payload: MessageOf<"signal"> };
    if (envelope.payload?.symbol === symbol) found.push({ entryId, envelope });
  }
  return found;
};

/** The last entry id of a stream now ("0-0" when empty): read after it to see only what comes next. */
export const streamTail = async (redis: Redis, type: MessageType): Promise<string> => {
  const last = (await redis.xrevrange(streamOf(type), "+", "-", "COUNT", 1)) as Array<[string, string[]]>;
  return last[0]?.[0] ?? "0-0";
};

/** A counter or gauge's value for one label set (0 when absent). */
export const metricValue = async (running: RunningService<"scavenger">, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = running.ctx.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return match?.value ?? 0;
};
