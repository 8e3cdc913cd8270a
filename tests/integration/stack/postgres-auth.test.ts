// The stack's PostgreSQL client authentication, on a cluster of this test's own: service roles log
// in with their SCRAM password to the titan database only; the superuser only on loopback.
import { chmodSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPostgres, stopPostgres, type PostgresServer } from "../../../scripts/lib/local-servers.js";
import { applyClientAuth } from "../../../scripts/stack/postgres.js";

let server: PostgresServer;
const password = "correct-horse-battery-staple";

const login = async (user: string, database: string, secret?: string): Promise<string> => {
  const client = new pg.Client({ host: "127.0.0.1", port: server.port, user, database, ...(secret !== undefined ? { password: secret } : {}) });
  try {
    await client.connect();
    return "ok";
  } catch (err) {
    return (err as { code?: string; message: string }).code ?? (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
};

beforeAll(async () => {
  const parent = mkdtempSync(join(inject("scratchDir"), "stack-pg-"));
  chmodSync(parent, 0o755); // the postgres user must reach its data directory
  const dataDir = join(parent, "pg");
  server = await startPostgres({ dataDir, port: await getPort(), durable: false, extraSettings: { password_encryption: "'scram-sha-256'" } });
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  await admin.query("CREATE DATABASE titan");
  await admin.query(`CREATE ROLE titan_brain LOGIN PASSWORD '${password}'`);
  await admin.end();
  expect(await applyClientAuth(server)).toBe(true);
}, 60_000);

afterAll(() => {
  if (server) stopPostgres(server.dataDir, "immediate");
});

describe("PostgreSQL client authentication of the stack", () => {
  it("lets a service role in to titan with its password", async () => {
    expect(await login("titan_brain", "titan", password)).toBe("ok");
  });

  it("refuses a wrong or missing password", async () => {
    expect(await login("titan_brain", "titan", "wrong")).toBe("28P01");
    expect(await login("titan_brain", "titan")).toMatch(/28P01|password/);
  });

  it("refuses a service role on any other database", async () => {
    expect(await login("titan_brain", "postgres", password)).toBe("28000");
  });

  it("trusts the superuser on loopback (local stack only) and stores passwords as SCRAM", async () => {
    expect(await login("postgres", "postgres")).toBe("ok");
    const admin = new pg.Client({ connectionString: server.url("postgres") });
    await admin.connect();
    const { rows } = await admin.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = 'titan_brain'");
    await admin.end();
    expect(rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
  });

  it("leaves an unchanged pg_hba.conf alone on the next start", async () => {
    expect(await applyClientAuth(server)).toBe(false);
  });
});
