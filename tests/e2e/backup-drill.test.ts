// The disaster drill: PostgreSQL with WAL archiving as the stack configures it, the four long-running
// services on it, a base backup, then writes into each data tier's schema right up to the moment the
// postmaster is killed (-9) and its data folder deleted. `titanctl restore` brings the cluster back
// from the base backup and the WAL archive into a new data folder; the services are restarted on it,
// as restore does under PM2. Measured: data lost per tier (RPO) and time to healthy (RTO) for the
// critical services and for all of them, against ops/.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import getPort from "get-port";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RECOVERY_POINT_OBJECTIVES, RECOVERY_TIME_OBJECTIVES, type DataTier } from "../../ops/index.js";
import { startPostgres, startRedis, stopPostgres, stopRedis } from "../../scripts/lib/local-servers.js";
import { ensureStackWalArchiving } from "../../scripts/stack/postgres.js";
import { waitForHealthy } from "../../services/backup/adapters/stack-services.js";
import { dataLossSeconds } from "../../services/backup/domain/restore-plan.js";
import { provisionDatabase } from "../../services/shared/db/provision.js";
import type { ServiceName } from "../../ops/index.js";
import { killLeftoverChildren, spawnTsChild, type TestChild } from "../support/child-process.js";
import { serviceEnv } from "../support/service-env.js";

const SERVICES = ["brain", "execution", "console", "scavenger"] as const satisfies readonly ServiceName[];
const CRITICAL: readonly ServiceName[] = ["brain", "execution"];
/** One table per data tier, in a schema of that tier: the writer's rows are what the drill counts. */
const DRILL_TABLES: Readonly<Record<DataTier, string>> = { tradingData: "execution.backup_drill", configuration: "scavenger.backup_drill", historicalAnalytics: "quant.backup_drill" };
/** Long enough for an archive_timeout switch or two while writing, so the archive carries the writes. */
const WRITE_SECONDS = 45;

let root: string;
let pgDir: string;
let pgPort: number;
let redisDir: string;
let redisUrl: string;
const ports: Partial<Record<ServiceName, number>> = {};
const children = new Map<ServiceName, TestChild>();
const startedMs = Date.now();
const log = (line: string): void => void process.stdout.write(`[backup-drill ${((Date.now() - startedMs) / 1000).toFixed(0)} s] ${line}\n`);

const titanctl = async (args: string[]): Promise<{ code: number; output: string }> => {
  const child = spawnTsChild("bin/titanctl.mjs", args, { ...process.env, TITAN_STATE_DIR: root });
  const exit = await child.exited;
  return { code: exit.code ?? -1, output: child.output() };
};
const target = (): string[] => ["--pg-data-dir", pgDir, "--pg-port", String(pgPort), "--backup-dir", join(root, "backups")];

const startServices = (): void => {
  for (const service of SERVICES) {
    const env = serviceEnv(service, { url: `postgres://postgres@127.0.0.1:${pgPort}/titan`, name: "titan" }, { redisUrl, stateDir: join(root, "state") });
    children.set(service, spawnTsChild(`services/${service}/main.ts`, [], { ...env, TITAN_HTTP_PORT: String(ports[service]) }));
  }
};
const stopServices = async (): Promise<void> => {
  await Promise.all([...children.values()].map((c) => c.terminate()));
  children.clear();
};
const health = () => SERVICES.map((s) => ({ name: s, url: `http://127.0.0.1:${ports[s]}/health/ready`, critical: CRITICAL.includes(s) }));

beforeAll(async () => {
  root = mkdtempSync(join(inject("scratchDir"), "backup-drill-"));
  chmodSync(root, 0o755);
  pgDir = join(root, "pg");
  redisDir = join(root, "redis");
  [pgPort] = [await getPort()];
  for (const s of SERVICES) ports[s] = await getPort();
  const server = await startPostgres({ dataDir: pgDir, port: pgPort, durable: true });
  const archiving = await ensureStackWalArchiving(server, root);
  log(`PostgreSQL on ${pgPort}, archiving ${archiving.changed.join(", ")}${archiving.restarted ? " (restarted)" : ""}`);
  redisUrl = (await startRedis({ dir: redisDir, port: await getPort(), appendOnly: true })).url;
  await provisionDatabase({ adminUrl: server.url("postgres"), database: "titan" });
  const admin = new pg.Client({ connectionString: server.url("titan") });
  await admin.connect();
  for (const table of Object.values(DRILL_TABLES)) await admin.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, written_at_ms bigint NOT NULL)`);
  await admin.end();
  startServices();
  const ready = await waitForHealthy(health(), Date.now(), 180_000, () => undefined);
  log(`services ready after ${ready.allSeconds.toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  await stopServices().catch(() => undefined);
  killLeftoverChildren();
  if (pgDir) stopPostgres(pgDir, "immediate");
  if (redisDir) await stopRedis(redisDir);
}, 60_000);

interface Writer {
  readonly lastCommittedMs: Record<DataTier, number>;
  readonly written: Record<DataTier, number>;
  stop(): Promise<void>;
}

/** Inserts a timestamped row into each tier's table in turn until told to stop or the server is gone. */
const startWriter = async (): Promise<Writer> => {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/titan` });
  client.on("error", () => undefined);
  await client.connect();
  const lastCommittedMs = { tradingData: 0, configuration: 0, historicalAnalytics: 0 };
  const written = { tradingData: 0, configuration: 0, historicalAnalytics: 0 };
  let running = true;
  const loop = (async () => {
    const tiers = Object.keys(DRILL_TABLES) as DataTier[];
    for (let i = 0; running; i++) {
      const tier = tiers[i % tiers.length]!;
      const atMs = Date.now();
      try {
        await client.query(`INSERT INTO ${DRILL_TABLES[tier]} (written_at_ms) VALUES ($1)`, [atMs]);
      } catch {
        return; // the server is gone: the last acknowledged commit is the last write
      }
      lastCommittedMs[tier] = atMs;
      written[tier] += 1;
      await sleep(10);
    }
  })();
  return {
    lastCommittedMs,
    written,
    stop: async () => {
      running = false;
      await loop;
      await client.end().catch(() => undefined);
    },
  };
};

describe("the backup drill", () => {
  it("loses at most the RPO per tier and has the services healthy within the RTO after the database is destroyed", async () => {
    const backup = await titanctl(["backup", "run", "--tier", "tradingData", ...target(), "--json"]);
    expect(backup.code, backup.output).toBe(0);
    const baseLine = (JSON.parse(backup.output.slice(backup.output.indexOf("["))) as Array<{ sizeBytes: number; startedMs: number; finishedMs: number }>)[0]!;
    log(`base backup: ${baseLine.sizeBytes} bytes in ${((baseLine.finishedMs - baseLine.startedMs) / 1000).toFixed(1)} s`);

    const writer = await startWriter();
    await sleep(WRITE_SECONDS * 1000);
    // Destruction: the postmaster killed outright, its data folder gone, while the writer still writes.
    const postmasterPid = Number(readFileSync(join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(postmasterPid, "SIGKILL");
    rmSync(pgDir, { recursive: true, force: true });
    const destroyedMs = Date.now();
    await writer.stop();
    log(`destroyed; writes acknowledged: ${JSON.stringify(writer.written)}`);

    // The restore, timed from the command to the services being ready on the restored data.
    const restoreStartMs = Date.now();
    const restored = await titanctl(["restore", "--to", "latest", ...target(), "--no-restart-services", "--json"]);
    expect(restored.code, restored.output).toBe(0);
    const figures = JSON.parse(restored.output.slice(restored.output.indexOf("{\n"))) as { cluster: { totalSeconds: number; unpackSeconds: number; recoverySeconds: number; restoredToMs: number } };
    await stopServices();
    startServices();
    const ready = await waitForHealthy(health(), restoreStartMs, RECOVERY_TIME_OBJECTIVES.completeSystem.seconds * 1000, (l) => log(l));

    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/titan` });
    await client.connect();
    const rpo: Record<string, number> = {};
    try {
      for (const tier of Object.keys(DRILL_TABLES) as DataTier[]) {
        const { rows } = await client.query<{ last_ms: string | null; n: string }>(`SELECT max(written_at_ms) AS last_ms, count(*) AS n FROM ${DRILL_TABLES[tier]}`);
        const lastRestoredMs = Number(rows[0]?.last_ms ?? 0);
        rpo[tier] = dataLossSeconds(writer.lastCommittedMs[tier], lastRestoredMs);
        log(`${tier}: ${rows[0]?.n} of ${writer.written[tier]} rows restored; last restored write ${new Date(lastRestoredMs).toISOString()}, last committed ${new Date(writer.lastCommittedMs[tier]).toISOString()}: RPO ${rpo[tier]!.toFixed(1)} s`);
        expect(Number(rows[0]?.n)).toBeGreaterThan(0);
      }
    } finally {
      await client.end();
    }
    const summary = {
      rpoSeconds: rpo,
      rtoCriticalSeconds: ready.criticalSeconds,
      rtoAllSeconds: ready.allSeconds,
      restoreSeconds: figures.cluster.totalSeconds,
      walReplaySeconds: figures.cluster.recoverySeconds,
      unpackSeconds: figures.cluster.unpackSeconds,
      baseBackupBytes: baseLine.sizeBytes,
      destroyedToRestoreStartSeconds: (restoreStartMs - destroyedMs) / 1000,
    };
    process.stdout.write(`\nbackup drill: ${JSON.stringify(summary)}\n`);
    for (const tier of Object.keys(DRILL_TABLES) as DataTier[]) expect(rpo[tier], tier).toBeLessThanOrEqual(RECOVERY_POINT_OBJECTIVES[tier].seconds);
    expect(ready.criticalSeconds).toBeLessThanOrEqual(RECOVERY_TIME_OBJECTIVES.criticalServices.seconds);
    expect(ready.allSeconds).toBeLessThanOrEqual(RECOVERY_TIME_OBJECTIVES.completeSystem.seconds);
  }, 600_000);
});
