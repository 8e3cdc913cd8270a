// /health/ready fails while PostgreSQL or Redis is stopped and recovers by itself after. This file
// runs its own servers, since stopping the shared ones would break the other test files.
import { join } from "node:path";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { brainService } from "../../../services/brain/service.js";
import { provisionDatabase } from "../../../services/shared/db/provision.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import { startPostgres, startRedis, stopPostgres, stopRedis, waitFor } from "../../../scripts/lib/local-servers.js";
import { serviceEnv } from "../../support/service-env.js";

describe("readiness follows the service's own dependencies", () => {
  const dir = join(inject("scratchDir"), "readiness");
  const pgDir = join(dir, "pg");
  const redisDir = join(dir, "redis");
  let pgPort = 0;
  let redisPort = 0;
  let brain: RunningService<"brain">;

  const readyStatus = async (): Promise<{ status: number; body: { checks?: Record<string, unknown> } }> => {
    const res = await brain.app.inject({ method: "GET", url: "/health/ready" });
    return { status: res.statusCode, body: res.json() };
  };
  const eventuallyReady = (status: number) =>
    waitFor(async () => (await readyStatus()).status === status, 20_000, `/health/ready to answer ${status}`);

  beforeAll(async () => {
    [pgPort, redisPort] = [await getPort(), await getPort()];
    const pg = await startPostgres({ dataDir: pgDir, port: pgPort, durable: false });
    const redis = await startRedis({ dir: redisDir, port: redisPort });
    await provisionDatabase({ adminUrl: pg.url("postgres"), database: "titan" });
    const env = serviceEnv("brain", { url: pg.url("titan"), name: "titan" }, { postgresUrl: pg.url("titan"), redisUrl: redis.url, stateDir: join(dir, "state") });
    brain = await runService(brainService, { env });
  });

  afterAll(async () => {
    await brain?.stop();
    stopPostgres(pgDir, "immediate");
    await stopRedis(redisDir);
  });

  it("is ready when PostgreSQL and Redis answer", async () => {
    const { status, body } = await readyStatus();
    expect(status).toBe(200);
    expect(Object.keys(body.checks ?? {})).toEqual(expect.arrayContaining(["postgres", "redis"]));
  });

  it("fails while PostgreSQL is stopped and recovers after it starts", async () => {
    stopPostgres(pgDir, "fast");
    await eventuallyReady(503);
    expect(JSON.stringify((await readyStatus()).body)).toMatch(/postgres/);
    await startPostgres({ dataDir: pgDir, port: pgPort, durable: false });
    await eventuallyReady(200);
  });

  it("fails while Redis is stopped and recovers after it starts", async () => {
    await stopRedis(redisDir);
    await eventuallyReady(503);
    expect(JSON.stringify((await readyStatus()).body)).toMatch(/redis/);
    await startRedis({ dir: redisDir, port: redisPort });
    await eventuallyReady(200);
  });
});
