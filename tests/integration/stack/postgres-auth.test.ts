// The stack's PostgreSQL client authentication, on a cluster of this test's own: service roles log
// in with their SCRAM password to the titan database only, over TLS 1.3 only; the superuser only on loopback.
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startPostgres, stopPostgres, type PostgresServer } from "../../../scripts/lib/local-servers.js";
import { ensureCertificateAuthority, ensureLeafCertificate } from "../../../scripts/stack/ca.js";
import { applyClientAuth } from "../../../scripts/stack/postgres.js";
import { applyPostgresTls, provePostgresTls } from "../../../scripts/stack/postgres-tls.js";

let server: PostgresServer;
const password = "correct-horse-battery-staple";

let caFile: string;

/** A login over TLS with the server's certificate checked (`tls: false`: plain text). */
const login = async (user: string, database: string, secret?: string, tls = true): Promise<string> => {
  const ssl = tls ? { ssl: { ca: readFileSync(caFile), servername: "localhost" } } : {};
  const client = new pg.Client({ host: "127.0.0.1", port: server.port, user, database, ...(secret !== undefined ? { password: secret } : {}), ...ssl });
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
  // TLS first, as `stack up` does: PostgreSQL refuses a hostssl line while ssl is off.
  ensureCertificateAuthority(join(parent, "ca"));
  caFile = join(parent, "ca", "ca.crt");
  const leaf = ensureLeafCertificate(join(parent, "ca"), "postgres").files;
  expect(await applyPostgresTls(server, leaf, caFile)).toEqual(["certificate", "key", "ssl", "ssl_cert_file", "ssl_key_file", "ssl_min_protocol_version"]);
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

  it("refuses a service role's plain-text login, even with the right password", async () => {
    expect(await login("titan_brain", "titan", password, false)).toBe("28000");
  });

  it("serves TLS 1.3 and refuses TLS 1.2", async () => {
    expect(await provePostgresTls(server, caFile)).toBe("TLSv1.3");
    const tls12 = new pg.Client({ host: "127.0.0.1", port: server.port, user: "postgres", database: "postgres", ssl: { ca: readFileSync(caFile), servername: "localhost", maxVersion: "TLSv1.2" } });
    await expect(tls12.connect()).rejects.toThrow(/protocol version|alert/i);
    await tls12.end().catch(() => undefined);
  });

  it("keeps TLS settings and files alone on the next start, and takes a renewed certificate with a reload", async () => {
    const leaf = ensureLeafCertificate(join(caFile, ".."), "postgres").files;
    expect(await applyPostgresTls(server, leaf, caFile)).toEqual([]);
    const renewed = ensureLeafCertificate(join(caFile, ".."), "postgres", { renew: true }).files;
    expect(await applyPostgresTls(server, renewed, caFile)).toEqual(["certificate", "key"]);
    expect(await login("titan_brain", "titan", password)).toBe("ok");
  });
});
