// TITAN_SPOT_VENUE=mexc wired into the execution service: MEXC's spot tickers reach the bus as spot
// market-tickers (venue mexc, the venue's symbol id) and its closed klines the klines table; the setting
// is refused, with every problem named, without its keys.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../services/shared/config/index.js";
import { streamOf } from "../../../services/shared/contracts/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { loadExecutionSettings } from "../../../services/execution/config.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { startMexcSimulator, type MexcSimulator } from "../../../tools/mexc-simulator/index.js";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

let db: TestDatabase;
let redis: Redis;
let sim: MexcSimulator;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  db = await withTestDatabase("exec_spot_feed");
  await provisionTestDatabase(db);
  redis = new Redis(db.redisUrl);
  sim = await startMexcSimulator({ seed: 9 });
  sim.setPrice("BTCUSDT", 60_123.45);
  const env = {
    ...serviceEnv("execution", db, { redisUrl: db.redisUrl }),
    TITAN_INSTANCE_ID: "execution-1",
    TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h",
    TITAN_SPOT_VENUE: "mexc",
    TITAN_MEXC_API_KEY: sim.credential.apiKey,
    TITAN_MEXC_API_SECRET: sim.credential.secret,
    TITAN_MEXC_REST_URL: sim.url,
    TITAN_SPOT_SYMBOLS: "BTCUSDT,ETHUSDT",
    TITAN_SPOT_POLL_INTERVAL: "300ms",
  };
  service = await runService(createExecutionService({ env, marketData: null, onStarted: (p) => (parts = p) }), { env });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await sim?.stop();
  redis?.disconnect();
});

describe("spot data from MEXC", () => {
  it("publishes MEXC's spot tickers as spot market data", async () => {
    let spot: Record<string, unknown> | undefined;
    await waitFor(async () => {
      const entries = await redis.xrange(streamOf("market-ticker"), "-", "+");
      // The entry's fields carry the envelope as JSON: read it whichever field holds it.
      const payloads = entries.flatMap(([, fields]) => fields.filter((f) => f.startsWith("{")).map((f) => (JSON.parse(f) as { payload?: Record<string, unknown> }).payload ?? (JSON.parse(f) as Record<string, unknown>)));
      spot = payloads.find((p) => p?.marketType === "spot" && p.symbol === "BTCUSDT");
      return spot !== undefined;
    }, 10_000, "a spot ticker on the bus");
    expect(spot).toMatchObject({ venue: "mexc", marketType: "spot", symbol: "BTCUSDT", lastPriceUsd: 60_123.45 });
    expect(parts.spotVenue?.instruments().map((i) => i.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);
  }, 20_000);

  it("refuses TITAN_SPOT_VENUE=mexc without its keys, naming both", () => {
    const bad = () => loadExecutionSettings({ TITAN_SPOT_VENUE: "mexc", TITAN_SPOT_SYMBOLS: "BTCUSDT,BTCUSDT" });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      expect((err as Error).message).toMatch(/TITAN_MEXC_API_KEY: is required with TITAN_SPOT_VENUE=mexc/);
      expect((err as Error).message).toMatch(/TITAN_MEXC_API_SECRET/);
      expect((err as Error).message).toMatch(/TITAN_SPOT_SYMBOLS: lists a symbol twice/);
    }
    expect(() => loadExecutionSettings({ TITAN_SPOT_VENUE: "binance" })).toThrow(/TITAN_SPOT_VENUE/);
  });
});
