// Environment for running a service against the test cluster: its own role on a provisioned database.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { inject } from "vitest";
import type { ServiceName } from "../../ops/services.js";
import { provisionDatabase, roleFor } from "../../services/shared/db/provision.js";
import type { TestDatabase } from "./test-database.js";

export const SERVICE_TOKEN_SECRET = randomBytes(32).toString("base64url");

/** Provisions roles, schemas and the shared schemas in the test database. */
export const provisionTestDatabase = async (db: TestDatabase): Promise<void> => {
  await provisionDatabase({ adminUrl: inject("postgresAdminUrl"), database: db.name });
};

export interface ServiceEnvOptions {
  readonly postgresUrl?: string;
  readonly redisUrl?: string;
  readonly stateDir?: string;
}

export const serviceEnv = (service: ServiceName, db: Pick<TestDatabase, "url" | "name"> & { readonly redisUrl?: string }, opts: ServiceEnvOptions = {}): NodeJS.ProcessEnv => {
  const url = new URL(opts.postgresUrl ?? db.url);
  url.username = roleFor(service);
  url.pathname = `/${db.name}`;
  const stateDir = opts.stateDir ?? join(inject("scratchDir"), `state-${db.name}`);
  return {
    PATH: process.env.PATH,
    TITAN_ENV: "test",
    TITAN_LOG_LEVEL: "error",
    TITAN_HTTP_HOST: "127.0.0.1",
    TITAN_HTTP_PORT: "0",
    TITAN_DATABASE_URL: url.toString(),
    TITAN_REDIS_URL: opts.redisUrl ?? db.redisUrl ?? inject("redisUrl"),
    TITAN_SERVICE_TOKEN_SECRET: SERVICE_TOKEN_SECRET,
    TITAN_STATE_DIR: stateDir,
    TITAN_BOOTSTRAP_TOKEN_FILE: join(stateDir, "secrets", "bootstrap-admin-token"),
    // Tests price their orders from the synthetic market's starting prices: no history walks it away.
    // (Only execution reads it; tests of the backfill set it themselves.)
    ...(service === "execution" ? { TITAN_MARKET_DATA_BACKFILL_HOURS: "0" } : {}),
  };
};
