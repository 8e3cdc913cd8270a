// The fault tests' world: a PostgreSQL cluster and a Redis of their own (stopping the shared ones would
// break every other test file), the Bybit simulator behind a gateway that can fail, brain, execution
// and scavenger as child processes on fixed ports, with every interval that decides how fast a fault is
// seen set low, and a Prometheus with the PostgreSQL and Redis exporters evaluating the alert rules over
// all of it. Signals go on the bus as the scavenger's relay would put them.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import { Redis } from "ioredis";
import pg from "pg";
import { inject } from "vitest";
import { startPostgres, startRedis, stopPostgres, stopRedis, waitFor } from "../../../scripts/lib/local-servers.js";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf, type MessageOf } from "../../../services/shared/contracts/index.js";
import { provisionDatabase } from "../../../services/shared/db/provision.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { killLeftoverChildren } from "../../support/child-process.js";
import { serviceEnv } from "../../support/service-env.js";
import { Monitoring } from "./monitoring.js";
import { ServiceProcess } from "./service-process.js";
import { VenueGateway } from "./venue-gateway.js";

export const DATABASE = "titan";

/**
 * Intervals that bound how fast a fault is seen and cleared, all well inside the service defaults:
 * execution checks its dependencies every second (its watchdog's tick) and reconciles every second;
 * the dead-man switch waits 3 s instead of 60 s, the brain beats every 250 ms.
 */
export const FAST_INTERVALS = {
  reconcileIntervalMs: 1_000,
  deadmanTimeoutMs: 3_000,
  heartbeatIntervalMs: 250,
  venueTimeoutMs: 1_000,
  venueFailuresBeforeReducing: 2,
} as const;

export type TradingService = "brain" | "execution" | "scavenger";

export interface FaultWorld {
  readonly dir: string;
  readonly sim: BybitSimulator;
  readonly gateway: VenueGateway;
  readonly services: Readonly<Record<TradingService, ServiceProcess>>;
  /** Superuser pool on the services' database (fails while PostgreSQL is stopped, like theirs). */
  readonly db: pg.Pool;
  /** The test's own client on the services' Redis. */
  readonly bus: Redis;
  /** Prometheus and the exporters, with the catalogue's rules (every `for` capped: see monitoring.ts). */
  readonly monitoring: Monitoring;
  stopPostgres(): void;
  startPostgres(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

const ms = (n: number): string => `${n}ms`;

export async function startFaultWorld(label: string): Promise<FaultWorld> {
  const dir = join(inject("scratchDir"), `faults-${label}`);
  const pgDir = join(dir, "pg");
  const redisDir = join(dir, "redis");
  const [pgPort, redisPort] = [await getPort(), await getPort()];
  // Durable, as in every deployment: the fault is a crash (immediate stop), and a test cluster's
  // asynchronous commits would lose the last transactions to it, which is not what is tested here.
  const postgres = await startPostgres({ dataDir: pgDir, port: pgPort, durable: true });
  // Append-only, as in every deployment: Redis restarted after an outage still has its streams.
  const redis = await startRedis({ dir: redisDir, port: redisPort, appendOnly: true });
  await provisionDatabase({ adminUrl: postgres.url("postgres"), database: DATABASE });
  const sim = await startBybitSimulator({ seed: 12, rateLimits: false });
  const gateway = await VenueGateway.start(sim.url);

  // The treasury sweep is off: execution reports the futures account only, so a sweep to spot reads as
  // a 50 % drawdown and trips the HARD breaker (reported to the lead). A signal and its order command
  // stay fresh for 5 s rather than 2 s: this machine is shared, and staleness is not what is tested here.
  mkdirSync(dir, { recursive: true });
  const parametersFile = join(dir, "brain-parameters.json");
  writeFileSync(parametersFile, JSON.stringify({ treasury: { sweepTriggerMultiple: 1_000_000 }, signals: { freshnessMs: 5_000, orderCommandTtlMs: 5_000 } }));

  const envFor = (service: TradingService, extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...serviceEnv(service, { url: postgres.url(DATABASE), name: DATABASE }, { postgresUrl: postgres.url(DATABASE), redisUrl: redis.url, stateDir: join(dir, "state") }),
    TITAN_LOG_LEVEL: "warn",
    // One stable consumer name each: a restarted process takes back what its predecessor held at once.
    TITAN_INSTANCE_ID: `${service}-1`,
    ...extra,
  });
  const envs: Record<TradingService, NodeJS.ProcessEnv> = {
    brain: envFor("brain", { TITAN_BRAIN_HEARTBEAT_INTERVAL: ms(FAST_INTERVALS.heartbeatIntervalMs), TITAN_BRAIN_PARAMETERS_FILE: parametersFile }),
    execution: envFor("execution", {
      TITAN_EXECUTION_VENUE: "bybit",
      TITAN_BYBIT_API_KEY: sim.credential.apiKey,
      TITAN_BYBIT_API_SECRET: sim.credential.secret,
      TITAN_BYBIT_REST_URL: gateway.url,
      TITAN_BYBIT_WS_URL: sim.wsUrl,
      TITAN_BYBIT_TIMEOUT: ms(FAST_INTERVALS.venueTimeoutMs),
      TITAN_EXECUTION_RECONCILE_INTERVAL: ms(FAST_INTERVALS.reconcileIntervalMs),
      TITAN_EXECUTION_DEADMAN_TIMEOUT: ms(FAST_INTERVALS.deadmanTimeoutMs),
      TITAN_EXECUTION_VENUE_FAILURES_BEFORE_REDUCING: String(FAST_INTERVALS.venueFailuresBeforeReducing),
      // Entries fill at once at the simulator's price; the synthetic feed execution publishes walks away
      // from it, so the band is wide (the band check itself is tested elsewhere).
      TITAN_EXECUTION_ORDER_TYPE: "market",
      TITAN_EXECUTION_PRICE_BAND_PERCENT: "50",
      TITAN_MARKET_DATA_RECORD: "false",
    }),
    scavenger: envFor("scavenger", {}),
  };
  const services = {} as Record<TradingService, ServiceProcess>;
  for (const service of ["brain", "execution", "scavenger"] as const) services[service] = new ServiceProcess(service, await getPort(), envs[service]);

  // The exporter connects as the superuser over loopback, without TLS, as the world's cluster listens.
  const monitoring = await Monitoring.start({
    dir,
    services: Object.fromEntries(Object.values(services).map((s) => [s.service, s.port])),
    postgresUrl: `${postgres.url("postgres")}?sslmode=disable`,
    redisUrl: redis.url,
  });

  const db = new pg.Pool({ connectionString: postgres.url(DATABASE), max: 3, connectionTimeoutMillis: 2_000 });
  db.on("error", () => undefined); // idle connections die with the server during the PostgreSQL fault
  const bus = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200 });
  bus.on("error", () => undefined);

  const world: FaultWorld = {
    dir,
    sim,
    gateway,
    services,
    db,
    bus,
    monitoring,
    stopPostgres: () => stopPostgres(pgDir, "immediate"),
    startPostgres: async () => void (await startPostgres({ dataDir: pgDir, port: pgPort, durable: true })),
    stopRedis: () => stopRedis(redisDir),
    startRedis: async () => {
      await startRedis({ dir: redisDir, port: redisPort, appendOnly: true });
      await waitFor(async () => bus.status === "ready", 10_000, "the test's Redis client to reconnect");
    },
    close: async () => {
      for (const s of Object.values(services)) await s.terminate();
      killLeftoverChildren();
      await monitoring.close();
      bus.disconnect();
      await db.end().catch(() => undefined);
      await gateway.stop();
      await sim.stop();
      stopPostgres(pgDir, "immediate");
      await stopRedis(redisDir);
    },
  };
  return world;
}

/** Starts the services and waits until each reports ready. */
export async function startServices(world: FaultWorld, which: readonly TradingService[] = ["brain", "execution", "scavenger"]): Promise<void> {
  for (const service of which) world.services[service].start();
  for (const service of which) {
    const s = world.services[service];
    await waitFor(async () => {
      if (!s.running) throw new Error(`${service} exited while starting:\n${s.output().slice(-3_000)}`);
      return (await s.ready()) === true;
    }, 60_000, `${service} to be ready`);
  }
}

/** A fresh long signal on `symbol` around the simulator's price, as the scavenger would send it. */
export function signalAt(world: FaultWorld, symbol = "BTCUSDT", notionalUsd = 500): MessageOf<"signal"> {
  const markets = world.sim.state().markets as Record<string, { lastPriceUsd: number }>;
  const priceUsd = markets[symbol]?.lastPriceUsd;
  if (priceUsd === undefined) throw new Error(`the simulator has no market ${symbol}`);
  const now = Date.now();
  return {
    version: 1,
    signalId: randomUUID(),
    phase: 1,
    symbol,
    side: "long",
    requestedNotionalUsd: notionalUsd,
    leverage: 5,
    entryZone: { lowPriceUsd: priceUsd * 0.99, highPriceUsd: priceUsd * 1.01 },
    stopLossPriceUsd: priceUsd * 0.9,
    takeProfits: [{ priceUsd: priceUsd * 1.1, fraction: 1 }],
    confidence: 95,
    trapType: "volume-cluster",
    triggerPriceUsd: priceUsd,
    configVersion: 1,
    venueTsMs: now,
    tsMs: now,
  };
}

/** Puts a signal on titan:signals; false when Redis refused it (it is down), so the signal was never sent. */
export async function sendSignal(world: FaultWorld, signal: MessageOf<"signal">): Promise<boolean> {
  const envelope = makeEnvelope("signal", signal, { source: "scavenger", clock: systemClock });
  try {
    await world.bus.xadd(streamOf("signal"), "*", ...encodeEntryFields(envelope));
    return true;
  } catch {
    return false;
  }
}
