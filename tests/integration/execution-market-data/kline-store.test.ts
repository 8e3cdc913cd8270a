// Klines in execution's schema, written as the execution role: one row per (symbol, interval, bar start),
// whatever how often a bar is written; a closed bar never goes back to forming.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarketKline } from "../../../services/shared/contracts/index.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { migrateService, roleFor } from "../../../services/shared/db/provision.js";
import { readKlines, upsertKlines } from "../../../services/execution/market-data/index.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

const T0 = Date.UTC(2026, 0, 1, 12);
let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await withTestDatabase("md_klines");
  await provisionTestDatabase(test);
  const url = new URL(test.url);
  url.username = roleFor("execution");
  const applied = await migrateService("execution", url.toString());
  expect(applied).toContain("0100_market_data");
  db = createDatabase({ url: url.toString(), applicationName: "test-execution", maxConnections: 2 });
});
afterAll(async () => db?.close());

const kline = (minute: number, fields: Partial<MarketKline> = {}): MarketKline => ({
  version: 1,
  venue: "bybit",
  marketType: "linear",
  symbol: "BTCUSDT",
  venueTsMs: T0 + (minute + 1) * 60_000 - 1,
  tsMs: T0 + (minute + 1) * 60_000,
  interval: "1m",
  openTsMs: T0 + minute * 60_000,
  closeTsMs: T0 + (minute + 1) * 60_000 - 1,
  openPriceUsd: 60_000,
  highPriceUsd: 60_100,
  lowPriceUsd: 59_900,
  closePriceUsd: 60_050,
  volumeQty: 12.5,
  turnoverUsd: 750_000,
  closed: true,
  ...fields,
});

const count = async () => Number((await db.query<{ n: number }>("count", "SELECT count(*)::int AS n FROM klines")).rows[0]?.n);

describe("klines in PostgreSQL", () => {
  it("writes a batch once: the same bars again change nothing", async () => {
    const bars = [kline(0), kline(1), kline(2), kline(0, { interval: "5m", closeTsMs: T0 + 299_999 }), kline(0, { symbol: "ETHUSDT", openPriceUsd: 3_000, highPriceUsd: 3_010, lowPriceUsd: 2_990, closePriceUsd: 3_005 })];
    expect(await upsertKlines(db, bars)).toBe(5);
    expect(await upsertKlines(db, bars)).toBe(0);
    expect(await upsertKlines(db, [...bars].reverse())).toBe(0);
    expect(await count()).toBe(5);
    const read = await readKlines(db, "BTCUSDT", "1m", T0, T0 + 3 * 60_000);
    expect(read.map((k) => k.openTsMs)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(read[0]).toEqual({
      symbol: "BTCUSDT",
      interval: "1m",
      openTsMs: T0,
      closeTsMs: T0 + 59_999,
      venue: "bybit",
      marketType: "linear",
      openPriceUsd: 60_000,
      highPriceUsd: 60_100,
      lowPriceUsd: 59_900,
      closePriceUsd: 60_050,
      volumeQty: 12.5,
      turnoverUsd: 750_000,
      closed: true,
    });
  });

  it("updates a forming bar, then closes it; a late forming update never reopens a closed bar", async () => {
    await upsertKlines(db, [kline(10, { closed: false, closePriceUsd: 60_010, volumeQty: 1 })]);
    await upsertKlines(db, [kline(10, { closed: false, closePriceUsd: 60_020, volumeQty: 2 })]);
    expect((await readKlines(db, "BTCUSDT", "1m", T0 + 600_000, T0 + 660_000))[0]).toMatchObject({ closed: false, closePriceUsd: 60_020, volumeQty: 2 });
    await upsertKlines(db, [kline(10, { closePriceUsd: 60_030, volumeQty: 3 })]);
    expect(await upsertKlines(db, [kline(10, { closed: false, closePriceUsd: 1, volumeQty: 99 })])).toBe(0);
    expect((await readKlines(db, "BTCUSDT", "1m", T0 + 600_000, T0 + 660_000))[0]).toMatchObject({ closed: true, closePriceUsd: 60_030, volumeQty: 3 });
  });

  it("keeps the last, closed-preferring version when one batch names a bar twice", async () => {
    expect(await upsertKlines(db, [kline(20, { closePriceUsd: 60_001 }), kline(20, { closed: false, closePriceUsd: 2 }), kline(21), kline(21, { closePriceUsd: 60_002 })])).toBe(2);
    const read = await readKlines(db, "BTCUSDT", "1m", T0 + 20 * 60_000, T0 + 22 * 60_000);
    expect(read.map((k) => k.closePriceUsd)).toEqual([60_001, 60_002]);
  });

  it("refuses a bar that breaks the table's rules and writes nothing of its batch", async () => {
    const before = await count();
    await expect(upsertKlines(db, [kline(30), kline(31, { lowPriceUsd: 70_000 })])).rejects.toThrow(/check constraint/);
    expect(await count()).toBe(before);
  });
});
