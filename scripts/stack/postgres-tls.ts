// PostgreSQL of the local stack over TLS 1.3. Its certificate (from the stack's CA) is copied into the
// data folder, because the server runs as the postgres user and cannot read root's CA folder; ssl, the
// files and TLS 1.3 as the floor are set with ALTER SYSTEM and a reload, so a running cluster takes
// them without a restart. The service roles may log in over TLS only (pg_hba `hostssl`, postgres.ts).
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { SECURITY } from "../../ops/security.js";
import type { PostgresServer } from "../lib/local-servers.js";
import type { LeafFiles } from "./ca.js";
import { withServerVerification } from "./components.js";

/** File names inside the data folder (relative paths in postgresql.auto.conf resolve there). */
export const PG_TLS_FILES = { cert: "titan-server.crt", key: "titan-server.key" } as const;

/** The settings TLS needs, as ALTER SYSTEM takes them. */
export const postgresTlsSettings = (): Readonly<Record<string, string>> => ({
  ssl: "on",
  ssl_cert_file: PG_TLS_FILES.cert,
  ssl_key_file: PG_TLS_FILES.key,
  ssl_min_protocol_version: SECURITY.minimumTlsVersion.value,
});

const sameContent = (a: string, b: string): boolean => existsSync(b) && readFileSync(a).equals(readFileSync(b));

/** Copies a file into the data folder, readable by the server's user only (PostgreSQL refuses a key others can read). */
const install = (from: string, to: string): boolean => {
  if (sameContent(from, to)) return false;
  copyFileSync(from, to);
  chmodSync(to, 0o600);
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(to, id("-u"), id("-g"));
  }
  return true;
};

/**
 * Turns TLS on (or keeps it on with a renewed certificate) and proves it: a connection that insists
 * on TLS and checks the certificate against `caFile` must succeed. Returns what changed.
 */
export const applyPostgresTls = async (server: PostgresServer, leaf: LeafFiles, caFile: string): Promise<string[]> => {
  const changed: string[] = [];
  if (install(leaf.cert, join(server.dataDir, PG_TLS_FILES.cert))) changed.push("certificate");
  if (install(leaf.key, join(server.dataDir, PG_TLS_FILES.key))) changed.push("key");
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name = ANY($1)", [Object.keys(postgresTlsSettings())]);
    const current = new Map(rows.map((r) => [r.name, r.setting]));
    for (const [name, value] of Object.entries(postgresTlsSettings())) {
      if (current.get(name) === value) continue;
      await admin.query(`ALTER SYSTEM SET ${name} = '${value}'`);
      changed.push(name);
    }
    // PostgreSQL reads the certificate files again on reload, so a renewed certificate needs one too.
    if (changed.length > 0) await admin.query("SELECT pg_reload_conf()");
  } finally {
    await admin.end();
  }
  await provePostgresTls(server, caFile);
  return changed;
};

/** A verified TLS login, retried while a reload is still being applied; throws PostgreSQL's last reason. */
export const provePostgresTls = async (server: PostgresServer, caFile: string, timeoutMs = 10_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: withServerVerification(server.url("postgres"), caFile), connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: string }>("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl");
      if (rows[0]) return rows[0].version;
      throw new Error("connected without TLS");
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL does not serve TLS: ${(err as Error).message} (see ${join(server.dataDir, "server.log")})`, { cause: err });
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
};
