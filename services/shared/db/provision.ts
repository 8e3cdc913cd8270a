// Creates the database, one login role per service owning only its schema, and the shared schemas
// (audit, auth) that every service reaches through one module each. Idempotent, run as a superuser.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { SERVICE_NAMES, SERVICES, snakeName, type ServiceName } from "../../../ops/services.js";
import { MESSAGING_MIGRATIONS_TABLE, messagingMigrationsDir } from "../messaging/index.js";
import { migrateSchema } from "./migrate.js";

export const roleFor = (service: ServiceName): string => `titan_${snakeName(service)}`;

/** Folder of a shared schema's migrations, beside the module that owns the schema. */
export const sharedMigrationsDir = (schema: "audit" | "auth"): string =>
  fileURLToPath(new URL(`../${schema}/migrations`, import.meta.url));

export const serviceMigrationsDir = (service: ServiceName): string =>
  fileURLToPath(new URL(`../../${service}/migrations`, import.meta.url));

export interface ProvisionOptions {
  /** Superuser URL to the `postgres` maintenance database (or any database of the cluster). */
  readonly adminUrl: string;
  readonly database: string;
  /** Login password per service role; roles without one can only use trust/peer auth. */
  readonly passwords?: Partial<Record<ServiceName, string>>;
  readonly log?: (line: string) => void;
}

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
};

const withDatabase = (adminUrl: string, database: string): string => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/** Roles are global to the cluster and may be created by parallel callers: tolerate the race. */
const ensureRole = async (client: pg.Client, role: string, password: string | undefined): Promise<void> => {
  try {
    await client.query(`CREATE ROLE ${ident(role)} LOGIN`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "42710" && code !== "23505") throw err;
  }
  if (password !== undefined) await client.query(`ALTER ROLE ${ident(role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
};

export const provisionDatabase = async (opts: ProvisionOptions): Promise<void> => {
  const log = opts.log ?? (() => undefined);
  const admin = new pg.Client({ connectionString: opts.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [opts.database]);
    if (exists.rowCount === 0) {
      try {
        await admin.query(`CREATE DATABASE ${ident(opts.database)}`);
        log(`created database ${opts.database}`);
      } catch (err) {
        if ((err as { code?: string }).code !== "42P04") throw err;
      }
    }
    for (const service of SERVICE_NAMES) await ensureRole(admin, roleFor(service), opts.passwords?.[service]);
  } finally {
    await admin.end();
  }

  const dbUrl = withDatabase(opts.adminUrl, opts.database);
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const allRoles = SERVICE_NAMES.map((s) => ident(roleFor(s))).join(", ");
    await db.query(`REVOKE ALL ON DATABASE ${ident(opts.database)} FROM PUBLIC`);
    await db.query(`GRANT CONNECT ON DATABASE ${ident(opts.database)} TO ${allRoles}`);
    await db.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    for (const service of SERVICE_NAMES) {
      const { schema } = SERVICES[service];
      const role = roleFor(service);
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)} AUTHORIZATION ${ident(role)}`);
      await db.query(`ALTER SCHEMA ${ident(schema)} OWNER TO ${ident(role)}`);
      await db.query(`ALTER ROLE ${ident(role)} IN DATABASE ${ident(opts.database)} SET search_path = ${ident(schema)}`);
    }
    for (const schema of ["audit", "auth"] as const) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
      const applied = await migrateSchema({ connection: dbUrl, schema, dir: sharedMigrationsDir(schema), log });
      if (applied.length > 0) log(`migrated ${schema}: ${applied.join(", ")}`);
      await db.query(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${allRoles}`);
    }
    // The audit log is append-only for every service: insert and read, never update or delete.
    await db.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA audit TO ${allRoles}`);
    await db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA audit FROM ${allRoles}`);
    await db.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA audit TO ${allRoles}`);
    // Every service verifies API tokens; only the console issues, touches and revokes them.
    await db.query(`GRANT SELECT ON ALL TABLES IN SCHEMA auth TO ${allRoles}`);
    await db.query(`GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA auth TO ${ident(roleFor("console"))}`);
    await db.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA auth TO ${ident(roleFor("console"))}`);
  } finally {
    await db.end();
  }
};

/**
 * Migrates one service's schema, connected as that service's role: first the shared messaging tables
 * (tracked in their own table), then the service's own migrations.
 */
export const migrateService = async (service: ServiceName, connection: string | pg.ClientConfig, log?: (line: string) => void): Promise<string[]> => {
  const schema = SERVICES[service].schema;
  const logOpt = log ? { log } : {};
  const messaging = await migrateSchema({ connection, schema, dir: messagingMigrationsDir(), table: MESSAGING_MIGRATIONS_TABLE, ...logOpt });
  const own = await migrateSchema({ connection, schema, dir: serviceMigrationsDir(service), ...logOpt });
  return [...messaging, ...own];
};
