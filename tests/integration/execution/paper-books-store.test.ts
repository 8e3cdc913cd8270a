// The paper venue's books in PostgreSQL: the engine's configuration and instruments are written once,
// not with every save; the saved row is stored uncompressed; the books load back exactly; and migration
// 0103 moves a document of the old layout over (and back) without losing a field.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { runService } from "../../../services/shared/runtime.js";
import { PaperBooksTable } from "../../../services/execution/adapters/paper-books-store.js";
import { createEngineState, step, type EngineState, type Order } from "../../../services/execution/domain/matching/index.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { PAPER_INSTRUMENTS } from "../../../services/execution/venues/paper/paper-venue.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

let tdb: TestDatabase;
let database: Database;

beforeAll(async () => {
  tdb = await withTestDatabase("exec_paper_books");
  await provisionTestDatabase(tdb);
  const env: NodeJS.ProcessEnv = { ...serviceEnv("execution", tdb, { redisUrl: tdb.redisUrl }), TITAN_INSTANCE_ID: "execution-1", TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h" };
  // The service migrates its schema; the store under test then runs alone on it.
  const service = await runService(createExecutionService({ env, marketData: null }), { env });
  await service.stop();
  database = createDatabase({ url: env.TITAN_DATABASE_URL ?? "", applicationName: "paper-books-store" });
}, 60_000);

afterAll(async () => {
  await database?.close();
});

const staticRow = async () => (await tdb.pool.query<{ xmin: string; n: number }>("SELECT xmin::text, (SELECT count(*)::int FROM execution.paper_engine_static) AS n FROM execution.paper_engine_static")).rows[0];

/**
 * An engine with resting limit orders (a document over PostgreSQL's 2 kB compression threshold), moved
 * on by a quote: the configuration and instruments objects stay the same.
 */
function engines(): { first: EngineState; second: EngineState; resting: Order } {
  const start = createEngineState({ instruments: PAPER_INSTRUMENTS, walletBalanceUsd: 1_000_000, config: { fillIdPrefix: "paper" } });
  let state = step(start, { kind: "quote", tsMs: 1_000, symbol: "BTCUSDT", bidPriceUsd: 59_999, askPriceUsd: 60_000 }).state;
  for (let i = 1; i <= 6; i += 1) {
    const request = { orderId: `paper-${i}`, clientOrderId: `tt-resting-${i}`, symbol: "BTCUSDT", side: "buy" as const, type: "limit" as const, qty: 0.01, limitPriceUsd: 59_000 - i };
    state = step(state, { kind: "place", tsMs: 1_000 + i, request }).state;
  }
  const resting = state.openOrders["paper-1"];
  if (!resting) throw new Error("the limit orders should rest");
  const second = step(state, { kind: "quote", tsMs: 1_100, symbol: "BTCUSDT", bidPriceUsd: 60_009, askPriceUsd: 60_010 }).state;
  return { first: state, second, resting };
}

/** The Up or Down section of an execution migration. */
async function migrationSection(file: string, section: "Up" | "Down"): Promise<string> {
  const text = await readFile(join("services", "execution", "migrations", file), "utf8");
  const up = text.indexOf("-- Up Migration");
  const down = text.indexOf("-- Down Migration");
  return section === "Up" ? text.slice(up, down) : text.slice(down);
}

describe("the paper books store", () => {
  it("writes the configuration and instruments once, stores the books uncompressed, and loads them back exactly", async () => {
    const { first, second, resting } = engines();
    const table = new PaperBooksTable(database, systemClock);
    expect(await table.load(100)).toBeNull();
    await table.save({ engine: first, orderSeq: 1, orders: [resting], fills: [] });
    const written = await staticRow();
    expect(written?.n).toBe(1);
    await table.save({ engine: second, orderSeq: 1, orders: [], fills: [] });
    expect(await staticRow()).toEqual(written); // the same row version: not written again
    const stored = (await tdb.pool.query<{ compression: string | null; has_config: boolean; bytes: number }>("SELECT pg_column_compression(books) AS compression, books->'engine' ? 'config' AS has_config, pg_column_size(books) AS bytes FROM execution.paper_books")).rows[0];
    expect(stored).toMatchObject({ compression: null, has_config: false });
    expect(stored?.bytes).toBeGreaterThan(2_100); // large enough that PostgreSQL's default would have compressed it

    // A restart: the engine as saved, its open order among the orders.
    const loaded = await new PaperBooksTable(database, systemClock).load(100);
    expect(loaded?.engine).toEqual(second);
    expect(loaded?.orderSeq).toBe(1);
    expect(loaded?.orders["paper-1"]).toEqual(resting);
  });

  it("migration 0103 moves a document of the old layout over and back, field for field", async () => {
    const { second } = engines();
    // As the service's own role, which owns its schema and runs its migrations.
    const client = await database.pool.connect();
    try {
      await client.query(await migrationSection("0103_paper_engine_static.sql", "Down"));
      const old = (await client.query<{ engine: EngineState }>("SELECT books->'engine' AS engine FROM paper_books")).rows[0];
      expect(old?.engine).toEqual(second); // the old layout: the whole engine in one document
      await client.query(await migrationSection("0103_paper_engine_static.sql", "Up"));
    } finally {
      client.release();
    }
    expect((await new PaperBooksTable(database, systemClock).load(100))?.engine).toEqual(second);
  });
});
