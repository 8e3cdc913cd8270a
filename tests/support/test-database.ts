// A fresh database per test file in the shared test cluster; dropped when the file ends.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";

export interface TestDatabase {
  /** Superuser URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** A superuser pool on the new database, closed when the file ends. */
  readonly pool: pg.Pool;
}

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
  afterAll(async () => {
    await pool.end();
    const drop = new pg.Client({ connectionString: adminUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await drop.end();
  });
  return { url: url.toString(), name, pool };
};

/** A Redis key prefix unique to the calling test file, so files sharing one Redis never collide. */
export const uniquePrefix = (label = "t"): string => `${label}:${randomBytes(4).toString("hex")}:`;
