// A fresh database per test file in the shared test cluster; dropped when the file ends.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { REDIS_TEST_DATABASES } from "./redis-databases.js";

export interface TestDatabase {
  /** Superuser URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** A superuser pool on the new database, closed when the file ends. */
  readonly pool: pg.Pool;
  /**
   * A Redis logical database of its own on the shared server: services use fixed stream names
   * (titan:signals, ...), so files running side by side must not share a keyspace.
   */
  readonly redisUrl: string;
}

/** Hands out Redis database numbers 1, 2, ... atomically across parallel test files. */
const allocateRedisDatabase = async (): Promise<string> => {
  const base = inject("redisUrl");
  const counter = new Redis(base);
  try {
    const n = await counter.incr("titan:test:redis-database-counter");
    if (n >= REDIS_TEST_DATABASES) throw new Error(`more than ${REDIS_TEST_DATABASES - 1} test files asked for a Redis database`);
    return `${base}/${n}`;
  } finally {
    counter.disconnect();
  }
};

export const withTestDatabase = async (label = "t"): Promise<TestDatabase> => {
  const adminUrl = inject("postgresAdminUrl");
  const name = `${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 5 });
  const redisUrl = await allocateRedisDatabase();
  afterAll(async () => {
    await pool.end();
    const drop = new pg.Client({ connectionString: adminUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await drop.end();
  });
  return { url: url.toString(), name, pool, redisUrl };
};

/** A Redis key prefix unique to the calling test file, so files sharing one Redis never collide. */
export const uniquePrefix = (label = "t"): string => `${label}:${randomBytes(4).toString("hex")}:`;
