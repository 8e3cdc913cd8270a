// The database provisioning Job's program against a real PostgreSQL set up like RDS: the admin login is
// no superuser (CREATEROLE, CREATEDB, owner of the application database), logins need a SCRAM password.
// After one run every service logs in with its own password, owns its schema and has its migrations;
// the exporter's role monitors; a second run changes nothing.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICES, SERVICE_NAMES, type ServiceName } from "../../ops/index.js";
import { startPostgres, stopPostgres, type PostgresServer } from "../../scripts/lib/local-servers.js";
import { roleFor } from "../../services/shared/db/provision.js";
import { PROVISION_ENV, readProvisionConfig, servicePasswordVar } from "../../infra/image/provision-database.js";
import { databaseUrl, provisionTarget, type ProvisionTarget } from "../../infra/image/provision.js";

const ADMIN = { user: "rds_admin", password: "admin p@ss/word" };
const DATABASE = "titan";
const MONITOR = { role: "titan_monitor", password: "monitor-secret-1" };
const passwords = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `pw-${s}-0123456789`])) as Record<ServiceName, string>;

let dir: string;
let server: PostgresServer;
let target: ProvisionTarget;
const lines: string[] = [];

const query = async <T extends pg.QueryResultRow>(user: string, password: string, database: string, sql: string): Promise<T[]> => {
  const client = new pg.Client({ connectionString: databaseUrl(target, user, password, database) });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "titan-provision-"));
  chmodSync(dir, 0o755); // the postgres user runs the server and must reach its data folder
  server = await startPostgres({ dataDir: join(dir, "pg"), port: await getPort(), durable: false, extraSettings: { password_encryption: "'scram-sha-256'" } });
  // Like RDS: only the server's own superuser is trusted; every other login needs its password.
  writeFileSync(join(server.dataDir, "pg_hba.conf"), ["local all postgres trust", "host all postgres 127.0.0.1/32 trust", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n"));
  const su = new pg.Client({ connectionString: server.url("postgres") });
  await su.connect();
  try {
    await su.query("SELECT pg_reload_conf()");
    await su.query(`CREATE ROLE ${ADMIN.user} LOGIN CREATEROLE CREATEDB PASSWORD '${ADMIN.password}'`);
    await su.query(`CREATE DATABASE ${DATABASE} OWNER ${ADMIN.user}`);
    await su.query(`GRANT pg_monitor TO ${ADMIN.user} WITH ADMIN OPTION`);
  } finally {
    await su.end();
  }
  target = { host: "127.0.0.1", port: server.port, database: DATABASE, maintenanceDatabase: "postgres", ssl: false, admin: ADMIN, servicePasswords: passwords, monitor: MONITOR };
}, 60_000);

afterAll(() => {
  if (server) stopPostgres(server.dataDir, "immediate");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("provisioning a managed PostgreSQL as a non-superuser admin", () => {
  let first: Awaited<ReturnType<typeof provisionTarget>>;

  it("provisions roles, schemas and every service's migrations in one run", async () => {
    first = await provisionTarget(target, (line) => lines.push(line));
    for (const service of SERVICE_NAMES) expect(first.migrated[service].length, service).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("as rds_admin"))).toBe(true);
  }, 60_000);

  it("lets each service log in with its own password and own its schema, where its migrations are recorded", async () => {
    for (const service of SERVICE_NAMES) {
      const schema = SERVICES[service].schema;
      const [row] = await query<{ owner: string; applied: string }>(roleFor(service), passwords[service], DATABASE,
        `SELECT nspowner::regrole::text AS owner, (SELECT count(*) FROM ${schema}.schema_migrations)::text AS applied FROM pg_namespace WHERE nspname = '${schema}'`);
      expect(row?.owner, service).toBe(roleFor(service));
      expect(Number(row?.applied), service).toBe(first.migrated[service].filter((m) => !m.includes("outbox") && !m.includes("dead_letter")).length);
    }
  });

  it("refuses a wrong password (the server really checks them)", async () => {
    await expect(query(roleFor("brain"), "wrong", DATABASE, "SELECT 1")).rejects.toThrow(/password authentication failed/);
  });

  it("creates the shared audit and auth schemas, readable by every service and append-only for audit", async () => {
    const tables = await query<{ schemaname: string }>(ADMIN.user, ADMIN.password, DATABASE, "SELECT DISTINCT schemaname FROM pg_tables WHERE schemaname IN ('audit', 'auth') ORDER BY 1");
    expect(tables.map((t) => t.schemaname)).toEqual(["audit", "auth"]);
    const [rights] = await query<{ can_insert: boolean; can_delete: boolean }>(roleFor("scavenger"), passwords.scavenger, DATABASE,
      "SELECT bool_and(has_table_privilege(c.oid, 'INSERT')) AS can_insert, bool_or(has_table_privilege(c.oid, 'DELETE')) AS can_delete FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'audit' AND c.relkind = 'r'");
    expect(rights).toEqual({ can_insert: true, can_delete: false });
  });

  it("gives the exporter a login in pg_monitor that reaches the database", async () => {
    const [row] = await query<{ monitor: boolean }>(MONITOR.role, MONITOR.password, DATABASE, "SELECT pg_has_role(current_user, 'pg_monitor', 'MEMBER') AS monitor");
    expect(row?.monitor).toBe(true);
  });

  it("keeps other logins out of the database (CONNECT revoked from PUBLIC)", async () => {
    const su = new pg.Client({ connectionString: server.url("postgres") });
    await su.connect();
    await su.query("CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'");
    await su.end();
    await expect(query("outsider", "outsider-pw", DATABASE, "SELECT 1")).rejects.toThrow(/permission denied for database/);
  });

  it("changes nothing on a second run", async () => {
    const again = await provisionTarget(target, () => undefined);
    for (const service of SERVICE_NAMES) expect(again.migrated[service], service).toEqual([]);
  }, 60_000);
});

describe("the Job's configuration", () => {
  const files: Record<string, string> = { "/s/admin-user": "rds_admin\n", "/s/admin-password": "x", "/s/monitor": "m" };
  for (const s of SERVICE_NAMES) files[`/s/${s}`] = `pw-${s}`;
  const env = {
    [PROVISION_ENV.host]: "db.internal",
    [PROVISION_ENV.database]: "titan",
    [PROVISION_ENV.adminUserFile]: "/s/admin-user",
    [PROVISION_ENV.adminPasswordFile]: "/s/admin-password",
    [PROVISION_ENV.monitorRole]: "titan_monitor",
    [PROVISION_ENV.monitorPasswordFile]: "/s/monitor",
    ...Object.fromEntries(SERVICE_NAMES.map((s) => [servicePasswordVar(s), `/s/${s}`])),
  };
  const read = (path: string): string => {
    const value = files[path];
    if (value === undefined) throw new Error("ENOENT");
    return value;
  };

  it("reads secrets from files, trims them, and defaults to TLS on port 5432", () => {
    const config = readProvisionConfig(env, read);
    expect(config).toMatchObject({ host: "db.internal", port: 5432, ssl: true, maintenanceDatabase: "postgres", admin: { user: "rds_admin", password: "x" } });
    expect(config.servicePasswords["ai-quant"]).toBe("pw-ai-quant");
    expect(servicePasswordVar("ai-quant")).toBe("TITAN_DATABASE_PASSWORD_AI_QUANT_FILE");
  });

  it("reports every problem at once", () => {
    const broken = { ...env, [PROVISION_ENV.host]: "", [PROVISION_ENV.port]: "70000", [PROVISION_ENV.adminPasswordFile]: "/s/missing", [PROVISION_ENV.ssl]: "yes" };
    expect(() => readProvisionConfig(broken, read)).toThrow(
      /TITAN_DATABASE_HOST is not set.*TITAN_DATABASE_PORT must be a port number.*TITAN_DATABASE_SSL must be true or false|TITAN_DATABASE_ADMIN_PASSWORD_FILE: cannot read/,
    );
    try {
      readProvisionConfig(broken, read);
    } catch (err) {
      const message = (err as Error).message;
      for (const part of ["TITAN_DATABASE_HOST is not set", "TITAN_DATABASE_PORT must be a port number", "TITAN_DATABASE_SSL must be true or false", "TITAN_DATABASE_ADMIN_PASSWORD_FILE: cannot read /s/missing"]) {
        expect(message).toContain(part);
      }
    }
  });

  it("encodes credentials in the URL and asks for a verified TLS connection", () => {
    expect(databaseUrl({ host: "db", port: 5432, ssl: true }, "u", "p@ss/w:rd", "titan")).toBe("postgres://u:p%40ss%2Fw%3Ard@db:5432/titan?sslmode=verify-full");
  });
});
