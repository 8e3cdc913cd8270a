// Schema migrations through node-pg-migrate: plain SQL files (`-- Up Migration` / `-- Down Migration`)
// in each owner's migrations/ folder, tracked in a table inside the schema they belong to.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { runner } from "node-pg-migrate";
import type { ClientConfig } from "pg";

export interface MigrateOptions {
  readonly connection: string | ClientConfig;
  readonly schema: string;
  readonly dir: string;
  /** Tracking table inside the schema; two migration sets in one schema need two tables. */
  readonly table?: string;
  readonly log?: (line: string) => void;
}

/** A lock id per schema, so services migrating their own schemas at once do not wait on each other. */
const lockIdFor = (schema: string, table: string): number =>
  createHash("sha256").update(`titan-migrate:${schema}.${table}`).digest().readUInt32BE(0);

export const migrateSchema = async (opts: MigrateOptions): Promise<string[]> => {
  if (!existsSync(opts.dir) || !readdirSync(opts.dir).some((f) => f.endsWith(".sql"))) return [];
  const table = opts.table ?? "schema_migrations";
  const applied = await runner({
    databaseUrl: opts.connection,
    dir: opts.dir,
    schema: opts.schema,
    // Schemas are created by provisioning; a service role has no right to create one.
    createSchema: false,
    migrationsSchema: opts.schema,
    migrationsTable: table,
    direction: "up",
    checkOrder: true,
    singleTransaction: true,
    lockValue: lockIdFor(opts.schema, table),
    advisoryLockMode: "wait",
    log: opts.log ?? (() => undefined),
    logger: { debug: () => undefined, info: opts.log ?? (() => undefined), warn: opts.log ?? (() => undefined), error: opts.log ?? (() => undefined) },
  });
  return applied.map((m) => m.name);
};
