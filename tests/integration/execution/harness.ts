// Shared setup of execution's acceptance tests: a provisioned database (with its own Redis database),
// the Bybit simulator in-process, execution run by the shared runtime against it (in-process or as a
// child process), order commands put on the bus as the brain would, and operator tokens for HTTP.

import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type pg from "pg";
import { issueApiToken } from "../../../services/shared/auth/index.js";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf, type ControlCommand, type Envelope, type MessageOf, type MessageType, type OrderCommand } from "../../../services/shared/contracts/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { deriveClientOrderId } from "../../../services/shared/client-order-id.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { startBybitSimulator, type BybitSimulator, type BybitSimulatorOptions } from "../../../tools/bybit-simulator/index.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { killLeftoverChildren, spawnTsChild, type TestChild } from "../../support/child-process.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

export interface Harness {
  readonly db: TestDatabase;
  readonly sim: BybitSimulator;
  readonly redis: Redis;
  readonly env: NodeJS.ProcessEnv;
}

export async function startHarness(label: string, simOptions: BybitSimulatorOptions = {}, extraEnv: Record<string, string> = {}): Promise<Harness> {
  const db = await withTestDatabase(label);
  await provisionTestDatabase(db);
  const sim = await startBybitSimulator({ seed: 7, ...simOptions });
  const env: NodeJS.ProcessEnv = {
    ...serviceEnv("execution", db, { redisUrl: db.redisUrl }),
    TITAN_EXECUTION_VENUE: "bybit",
    TITAN_BYBIT_API_KEY: sim.credential.apiKey,
    TITAN_BYBIT_API_SECRET: sim.credential.secret,
    TITAN_BYBIT_REST_URL: sim.url,
    TITAN_BYBIT_WS_URL: sim.wsUrl,
    TITAN_BYBIT_TIMEOUT: "2s",
    TITAN_EXECUTION_RECONCILE_INTERVAL: "1s",
    TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h",
    // One stable consumer name: a restarted execution reclaims the commands its predecessor held at once.
    TITAN_INSTANCE_ID: "execution-1",
    ...extraEnv,
  };
  return { db, sim, redis: new Redis(db.redisUrl), env };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  h?.redis.disconnect();
  await h?.sim.stop();
}

/** Execution in this process; `parts` gives the test its running pieces. */
export async function startExecutionInProcess(h: Harness, extraEnv: Record<string, string> = {}): Promise<{ service: RunningService<"execution">; parts: ExecutionParts }> {
  let parts: ExecutionParts | null = null;
  const env = { ...h.env, ...extraEnv };
  const service = await runService(createExecutionService({ env, marketData: null, onStarted: (p) => (parts = p) }), { env });
  return { service, parts: parts! };
}

const SIGNAL_PRICE_BAND = 0.002;

/** An order command as the brain would publish it, priced around the simulator's current price. */
export function orderCommand(h: Harness, symbol: string, side: "buy" | "sell", notionalUsd: number, over: Partial<OrderCommand> = {}): OrderCommand {
  const priceUsd = (h.sim.state().markets as Record<string, { lastPriceUsd: number }>)[symbol]?.lastPriceUsd ?? 1_000;
  const signalId = over.signalId ?? randomUUID();
  const now = Date.now();
  const buy = side === "buy";
  return {
    version: 1,
    commandId: randomUUID(),
    signalId,
    decisionId: randomUUID(),
    clientOrderId: deriveClientOrderId(signalId, "entry"),
    symbol,
    side,
    notionalUsd,
    leverage: 10,
    reduceOnly: false,
    entryZone: { lowPriceUsd: priceUsd * (1 - SIGNAL_PRICE_BAND), highPriceUsd: priceUsd * (1 + SIGNAL_PRICE_BAND) },
    stopLossPriceUsd: priceUsd * (buy ? 0.8 : 1.2),
    takeProfits: [{ priceUsd: priceUsd * (buy ? 1.2 : 0.8), fraction: 1 }],
    expiresAtMs: now + 600_000,
    tsMs: now,
    ...over,
  };
}

export function envelopeOf<T extends MessageType>(type: T, payload: MessageOf<T>, source: "brain" | "console" = "brain"): Envelope {
  return makeEnvelope(type, payload, { source, clock: systemClock }) as Envelope;
}

/** Puts envelopes on their streams as the brain's outbox relay would. */
export async function publish(redis: Redis, envelopes: readonly Envelope[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const e of envelopes) pipeline.xadd(streamOf(e.type), "*", ...encodeEntryFields(e));
  await pipeline.exec();
}

export const controlCommand = (command: "halt" | "resume" | "flatten" | "cancel-all", reason = "test"): ControlCommand =>
  ({ version: 1, commandId: randomUUID(), issuedBy: { kind: "operator", id: "alice" }, reason, tsMs: Date.now(), command }) as ControlCommand;

/** An API token of this role, for the HTTP routes. */
export async function operatorToken(db: TestDatabase, role: "viewer" | "operator" = "operator"): Promise<string> {
  const admin = createDatabase({ url: db.url, applicationName: "execution-test-tokens" });
  try {
    const issued = await admin.transaction((tx) =>
      issueApiToken(tx, { name: `exec-${role}-${randomUUID().slice(0, 8)}`, role, scopes: [], ttlSeconds: 3_600 }, { clock: systemClock, actor: { kind: "system", id: "test", name: "execution tests" }, service: "console" }),
    );
    return issued.token;
  } finally {
    await admin.close();
  }
}

export const simPositions = (sim: BybitSimulator): Array<{ symbol: string; side: string; size: string }> => sim.state().positions as unknown as Array<{ symbol: string; side: string; size: string }>;

const sorted = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));

/** The simulator's positions as side and size per symbol (flat ones left out), by symbol. */
export function simPositionMap(sim: BybitSimulator): Record<string, { side: "long" | "short"; qty: number }> {
  const out: Record<string, { side: "long" | "short"; qty: number }> = {};
  for (const p of simPositions(sim)) if (Number(p.size) > 0) out[p.symbol] = { side: p.side === "Buy" ? "long" : "short", qty: Number(p.size) };
  return sorted(out);
}

/** The shadow positions as persisted, same shape. */
export async function shadowPositionMap(pool: pg.Pool): Promise<Record<string, { side: "long" | "short"; qty: number }>> {
  const { rows } = await pool.query<{ symbol: string; side: "long" | "short" | "flat"; qty: number }>("SELECT symbol, side, qty FROM execution.positions");
  const out: Record<string, { side: "long" | "short"; qty: number }> = {};
  for (const r of rows) if (r.side !== "flat" && r.qty > 0) out[r.symbol] = { side: r.side, qty: r.qty };
  return sorted(out);
}

export const openSimOrders = (sim: BybitSimulator): number =>
  (sim.state().orders as unknown as Array<{ orderStatus: string }>).filter((o) => o.orderStatus === "New" || o.orderStatus === "PartiallyFilled").length;

export const until = (probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> => waitFor(async () => probe(), timeoutMs, what);

// ── execution as a child process (crash tests) ────────────────────────────────────────────────────

const mainScript = fileURLToPath(new URL("../../../services/execution/main.ts", import.meta.url));

export type ExecutionChild = TestChild;

export const spawnExecution = (env: NodeJS.ProcessEnv, faultPoints = ""): ExecutionChild => spawnTsChild(mainScript, [], { ...env, TITAN_FAULT_POINTS: faultPoints });

export const killLeftoverExecutionChildren = killLeftoverChildren;
