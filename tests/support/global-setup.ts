// One throwaway PostgreSQL cluster and one Redis for the whole integration run (a database per test
// file, see test-database.ts): far cheaper on 2 cores than a cluster per file.
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import getPort from "get-port";
import type { TestProject } from "vitest/node";
import { startPostgres, startRedis, stopPostgres, stopRedis } from "../../scripts/lib/local-servers.js";
import { REDIS_TEST_DATABASES } from "./redis-databases.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the shared test cluster, without a database name. */
    postgresAdminUrl: string;
    redisUrl: string;
    /** Scratch directory for this run; tests may create their own servers under it. */
    scratchDir: string;
  }
}

/**
 * Test files may start servers of their own under the scratch directory; a file whose teardown did not
 * run (a hook registered too late, a timeout) must not leave them running after the suite.
 */
const stopServersLeftUnder = async (root: string): Promise<void> => {
  const files = readdirSync(root, { recursive: true }).map(String);
  for (const file of files.filter((f) => basename(f) === "redis.pid")) await stopRedis(join(root, dirname(file))).catch(() => undefined);
  for (const file of files.filter((f) => basename(f) === "postmaster.pid")) {
    try {
      stopPostgres(join(root, dirname(file)), "immediate");
    } catch {
      // already gone
    }
  }
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratchDir = mkdtempSync(join(tmpdir(), "titan-test-"));
  chmodSync(scratchDir, 0o755); // the postgres user must be able to reach its data directory
  const [pgPort, redisPort] = [await getPort(), await getPort()];
  const pgDir = join(scratchDir, "pg");
  const redisDir = join(scratchDir, "redis");
  const pg = await startPostgres({ dataDir: pgDir, port: pgPort, durable: false });
  const redis = await startRedis({ dir: redisDir, port: redisPort, appendOnly: false, databases: REDIS_TEST_DATABASES });
  project.provide("postgresAdminUrl", pg.url("postgres"));
  project.provide("redisUrl", redis.url);
  project.provide("scratchDir", scratchDir);
  return async () => {
    stopPostgres(pgDir, "immediate");
    await stopRedis(redisDir);
    await stopServersLeftUnder(scratchDir);
    rmSync(scratchDir, { recursive: true, force: true });
  };
}
