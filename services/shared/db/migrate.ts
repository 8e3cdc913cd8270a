// Schema migrations through node-pg-migrate: plain SQL files (`-- Up Migration` / `-- Down Migration`)
// in each owner's migrations/ folder, tracked in a table inside the schema they belong to.
import { createHash } from "node:crypto";
import { runner } from "node-pg-migrate";
import type { ClientConfig } from "pg";

export interface MigrateOptions {
  readonly connection: string | ClientConfig;
  readonly schema: string;
  readonly dir: string;
  readonly log?: (line: string) => void;
}

/** A lock id per schema, so services migrating their own schemas at once do not wait on each other. */
const lockIdFor = (schema: string): number => createHash("sha256").update(`titan-migrate:${schema}`).digest().readUInt32BE(0);

export const migrateSchema = async (opts: MigrateOptions): Promise<string[]> => {
  const applied = await runner({
    databaseUrl: opts.connection,
    dir: opts.dir,
    schema: opts.schema,
    createSchema: true,
    migrationsSchema: opts.schema,
    migrationsTable: "schema_migrations",
    direction: "up",
    checkOrder: true,
    singleTransaction: true,
    lockValue: lockIdFor(opts.schema),
    advisoryLockMode: "wait",
    log: opts.log ?? (() => undefined),
    logger: { debug: () => undefined, info: opts.log ?? (() => undefined), warn: opts.log ?? (() => undefined), error: opts.log ?? (() => undefined) },
  });
  return applied.map((m) => m.name);
};
