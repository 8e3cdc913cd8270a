// Provisioning of a managed PostgreSQL (RDS in prod, CloudNativePG on dev) before the services roll
// out, as the local stack does with services/shared/db/provision.ts: the database, one login role per
// service owning its schema, the shared audit and auth schemas, the metrics exporter's role, then
// each service's migrations run as that service. It runs as the cluster's admin login, which on RDS is
// no superuser: to hand a schema to a role it must be allowed to act as that role, so it grants itself
// each service role first (PostgreSQL 16: SET without INHERIT, so it never gains their privileges).
import pg from "pg";
import { SERVICE_NAMES, type ServiceName } from "../../ops/services.js";
import { migrateService, provisionDatabase, roleFor } from "../../services/shared/db/provision.js";

export interface ProvisionTarget {
  readonly host: string;
  readonly port: number;
  /** The application database (created when missing). */
  readonly database: string;
  /** A database the admin can always reach to create the application one (`postgres`). */
  readonly maintenanceDatabase: string;
  /** TLS with the server certificate verified (NODE_EXTRA_CA_CERTS names the CA); false only for a loopback test server. */
  readonly ssl: boolean;
  readonly admin: { readonly user: string; readonly password: string };
  readonly servicePasswords: Readonly<Record<ServiceName, string>>;
  /** The metrics exporter's read-only login: member of pg_monitor, may connect to the database, nothing else. */
  readonly monitor: { readonly role: string; readonly password: string };
}

export interface ProvisionReport {
  readonly migrated: Readonly<Record<ServiceName, readonly string[]>>;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const ident = (name: string): string => {
  if (!IDENT.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
};

/** A libpq URL; credentials are URL-encoded (a managed password may hold any character). */
export const databaseUrl = (target: Pick<ProvisionTarget, "host" | "port" | "ssl">, user: string, password: string, database: string): string => {
  const url = new URL(`postgres://${target.host}:${target.port}/${database}`);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  if (target.ssl) url.searchParams.set("sslmode", "verify-full");
  return url.toString();
};

/** Roles are global to the cluster and another run may race this one: an existing role is fine. */
const ensureLoginRole = async (client: pg.Client, role: string): Promise<void> => {
  try {
    await client.query(`CREATE ROLE ${ident(role)} LOGIN`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "42710" && code !== "23505") throw err;
  }
};

/** Lets a non-superuser admin own-transfer to `role` (ALTER ... OWNER TO needs it) without inheriting its rights. */
const grantActAs = async (client: pg.Client, role: string, serverVersion: number): Promise<void> => {
  const superuser = (await client.query<{ rolsuper: boolean }>("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0]?.rolsuper === true;
  if (superuser) return;
  const options = serverVersion >= 160_000 ? " WITH INHERIT FALSE, SET TRUE" : "";
  await client.query(`GRANT ${ident(role)} TO CURRENT_USER${options}`);
};

export const provisionTarget = async (target: ProvisionTarget, log: (line: string) => void): Promise<ProvisionReport> => {
  for (const service of SERVICE_NAMES) {
    if (!target.servicePasswords[service]) throw new Error(`provision: no password for ${service}`);
  }
  const adminUrl = (database: string) => databaseUrl(target, target.admin.user, target.admin.password, database);

  const maintenance = new pg.Client({ connectionString: adminUrl(target.maintenanceDatabase) });
  await maintenance.connect();
  try {
    const version = Number((await maintenance.query<{ server_version_num: string }>("SHOW server_version_num")).rows[0]?.server_version_num);
    log(`connected to ${target.host}:${target.port} as ${target.admin.user} (PostgreSQL ${Math.floor(version / 10_000)})`);
    for (const service of SERVICE_NAMES) {
      await ensureLoginRole(maintenance, roleFor(service));
      await grantActAs(maintenance, roleFor(service), version);
    }
    await ensureLoginRole(maintenance, target.monitor.role);
    await maintenance.query(`ALTER ROLE ${ident(target.monitor.role)} WITH LOGIN PASSWORD ${pg.escapeLiteral(target.monitor.password)}`);
    await maintenance.query(`GRANT pg_monitor TO ${ident(target.monitor.role)}`);
  } finally {
    await maintenance.end();
  }

  await provisionDatabase({ adminUrl: adminUrl(target.maintenanceDatabase), database: target.database, passwords: target.servicePasswords, log });
  const app = new pg.Client({ connectionString: adminUrl(target.database) });
  await app.connect();
  try {
    await app.query(`GRANT CONNECT ON DATABASE ${ident(target.database)} TO ${ident(target.monitor.role)}`);
  } finally {
    await app.end();
  }
  log(`provisioned ${target.database}: roles, schemas, audit and auth, ${target.monitor.role}`);

  const migrated = {} as Record<ServiceName, readonly string[]>;
  for (const service of SERVICE_NAMES) {
    // As the service itself, exactly as it migrates at start, so the objects belong to its role.
    const applied = await migrateService(service, databaseUrl(target, roleFor(service), target.servicePasswords[service], target.database), log);
    migrated[service] = applied;
    log(`migrated ${service}: ${applied.length === 0 ? "up to date" : applied.join(", ")}`);
  }
  return { migrated };
};
