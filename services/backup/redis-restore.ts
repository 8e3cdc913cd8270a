// `titanctl restore redis`: put a snapshot's RDB in place of Redis's data so that Redis really loads
// it (append-only off for the start, back on after: with it on, Redis would load its append-only
// files, or none, and ignore the RDB), then hand every outbox row published since the snapshot (less
// a margin) back to the relays, so nothing Redis lost with the data after the snapshot stays lost.
// The services reconnect and re-create their consumer groups by themselves. Every step reports its
// time, so the drill reads the time to restore from here.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { RECOVERY_TIME_OBJECTIVES } from "../../ops/index.js";
import type { AuditActor } from "../shared/audit/index.js";
import type { Clock } from "../shared/clock.js";
import { createDatabase, type Database } from "../shared/db/database.js";
import {
  countRepublishable,
  REPUBLISH_MARGIN_SECONDS,
  republishSince,
  republishSinceMs,
  republishWindowProblem,
  waitUntilRepublished,
  type RepublishDrain,
  type RepublishedSchema,
} from "../shared/messaging/republish.js";
import { runProgram } from "./adapters/exec.js";
import { keysReadByCheck, parseStartupConfig, retarget, type RedisStartupConfig } from "./adapters/redis-config.js";
import { enableAppendOnly, readStartupConfig, startRedisServer, stopRedisServer, summariseStreams, type RedisEndpoint, type StreamsSummary } from "./adapters/redis-server.js";
import { SNAPSHOT_CONFIG_FILE, SNAPSHOT_FILE } from "./adapters/redis-snapshot.js";
import { BackupRepository, sha256File } from "./adapters/repository.js";
import type { BackupTarget } from "./adapters/target.js";
import { stampOf, type BackupRecord } from "./domain/records.js";
import { chooseSnapshot, type SnapshotSelector } from "./domain/redis-restore-plan.js";

/** Stopping, starting (loading) and the append-only rewrite each get this long. */
const SERVER_STEP_TIMEOUT_MS = 10 * 60_000;

export interface RedisRestoreRequest {
  readonly target: BackupTarget;
  readonly snapshot: SnapshotSelector;
  readonly clock: Clock;
  /** Stop a running Redis (otherwise refused). */
  readonly force: boolean;
  /** Only print the plan and count what would be republished. */
  readonly dryRun?: boolean;
  readonly marginSeconds?: number;
  /** The inbox retention: a longer republish window is refused before anything changes (undefined: unchecked). */
  readonly maxWindowMs?: number;
  readonly audit?: { readonly actor: AuditActor; readonly reason: string };
  /** How long to wait for the relays to publish the copies; default the critical services' RTO when the stack runs services, else no wait. */
  readonly drainTimeoutMs?: number;
  readonly progress: (line: string) => void;
}

export interface RestoreStep {
  readonly name: "verify" | "stop" | "swap" | "start" | "append-only" | "republish" | "drain";
  readonly seconds: number;
  readonly detail: string;
}

export interface RedisRestoreReport {
  readonly snapshot: { readonly id: string; readonly takenMs: number };
  /** Outbox rows published at or after this were handed back to the relays. */
  readonly sinceMs: number;
  readonly dryRun: boolean;
  readonly steps: readonly RestoreStep[];
  readonly keysLoaded: number | null;
  readonly streams: StreamsSummary | null;
  /** Where the replaced append-only folder and RDB went. */
  readonly replacedDir: string | null;
  readonly republished: readonly RepublishedSchema[];
  /** Set when Redis was restored but republishing failed: run the command it names. */
  readonly republishError?: string;
  readonly drain?: RepublishDrain;
  readonly totalSeconds: number;
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

/** Checks the RDB against its record and with Redis's own checker before anything is stopped; returns the keys it holds. */
const verifySnapshot = async (record: BackupRecord, rdbFile: string): Promise<{ value: number | null; detail: string }> => {
  const recorded = record.files.find((f) => f.name === SNAPSHOT_FILE);
  if (!existsSync(rdbFile)) throw new Error(`snapshot ${record.id}: ${rdbFile} is missing`);
  const sha256 = await sha256File(rdbFile);
  if (sha256 !== recorded?.sha256) throw new Error(`snapshot ${record.id}: ${SNAPSHOT_FILE} does not match its record (sha256 ${sha256}, recorded ${recorded?.sha256 ?? "none"})`);
  const keys = keysReadByCheck(await runProgram("redis-check-rdb", [rdbFile]));
  return { value: keys, detail: `${SNAPSHOT_FILE} of ${record.id}: ${recorded.bytes} bytes, ${keys ?? "?"} keys, checksum and redis-check-rdb ok` };
};

/** How to start the server: as it runs now, or as recorded with the snapshot when it is down. */
const startupConfig = async (endpoint: RedisEndpoint, target: BackupTarget, snapshotDir: string, record: BackupRecord, force: boolean): Promise<{ config: RedisStartupConfig; running: boolean }> => {
  const live = await readStartupConfig(endpoint);
  if (live) {
    if (!force) throw new Error(`Redis is running at ${endpoint.url}: a restore replaces its data. Pass --force to have restore stop it (its append-only files are kept aside)`);
    if (target.redisDir && live.parameters.dir !== target.redisDir) throw new Error(`Redis at ${endpoint.url} keeps its data in ${live.parameters.dir}, not in ${target.redisDir}: name the matching --redis-url and --redis-dir`);
    return { config: live, running: true };
  }
  const file = join(snapshotDir, SNAPSHOT_CONFIG_FILE);
  if (!existsSync(file)) throw new Error(`Redis is not running at ${endpoint.url} and snapshot ${record.id} carries no startup parameters (${SNAPSHOT_CONFIG_FILE}): start Redis (npm start), then restore with --force`);
  return { config: retarget(parseStartupConfig(readFileSync(file, "utf8"), file), { url: endpoint.url, ...(target.redisDir ? { dir: target.redisDir } : {}) }), running: false };
};

/** Moves the append-only folder and the RDB aside (kept, like a replaced PostgreSQL folder) and puts the snapshot's RDB in. */
const swapData = (config: RedisStartupConfig, rdbFile: string, stamp: string): string | null => {
  const dir = config.parameters.dir!;
  mkdirSync(dir, { recursive: true });
  const aside = join(dir, `replaced-${stamp}`);
  let moved = false;
  for (const name of [config.parameters.appenddirname ?? "appendonlydir", config.parameters.dbfilename ?? "dump.rdb"]) {
    if (!existsSync(join(dir, name))) continue;
    mkdirSync(aside, { recursive: true });
    renameSync(join(dir, name), join(aside, name));
    moved = true;
  }
  copyFileSync(rdbFile, join(dir, config.parameters.dbfilename ?? "dump.rdb"));
  return moved ? aside : null;
};

export const restoreRedis = async (req: RedisRestoreRequest): Promise<RedisRestoreReport> => {
  const { target, clock, progress } = req;
  const t0 = clock.monotonicMs();
  const steps: RestoreStep[] = [];
  const step = async <T>(name: RestoreStep["name"], work: () => Promise<{ value: T; detail: string }>): Promise<T> => {
    const started = clock.monotonicMs();
    const { value, detail } = await work();
    const done: RestoreStep = { name, seconds: (clock.monotonicMs() - started) / 1000, detail };
    steps.push(done);
    progress(`${name}: ${detail} (${done.seconds.toFixed(1)} s)`);
    return value;
  };
  if (!target.redisUrl) throw new Error("no Redis to restore: the stack manifest names none and --redis-url is not set");
  const endpoint: RedisEndpoint = { url: target.redisUrl, ...(target.caFile ? { caFile: target.caFile } : {}) };
  const repo = new BackupRepository(target);
  const record = chooseSnapshot(repo.records("redis"), req.snapshot, SNAPSHOT_FILE);
  const snapshotDir = repo.backupPath("redis", record.id);
  const rdbFile = join(snapshotDir, SNAPSHOT_FILE);
  const sinceMs = republishSinceMs(record.startedMs, req.marginSeconds ?? REPUBLISH_MARGIN_SECONDS);
  const nowMs = clock.nowMs();
  const windowProblem = republishWindowProblem({ sinceMs, nowMs, ...(req.maxWindowMs !== undefined ? { maxWindowMs: req.maxWindowMs } : {}) });
  if (windowProblem !== null) throw new Error(`snapshot ${record.id} is too old to restore safely: ${windowProblem}. Choose a newer snapshot, or pass --beyond-retention if every consumer's inbox still reaches back that far`);
  progress(`plan: snapshot ${record.id} (taken ${isoOf(record.startedMs)}) into ${target.redisDir ?? "Redis's folder"} at ${endpoint.url}; then republish every outbox row published since ${isoOf(sinceMs)}`);

  const db: Database = createDatabase({ url: target.pgAdminUrl, applicationName: "titanctl-restore-redis", maxConnections: 2, statementTimeoutMs: SERVER_STEP_TIMEOUT_MS }, undefined, () => undefined);
  try {
    // PostgreSQL first: without it the lost messages cannot be republished, so Redis is left alone.
    if (!(await db.ping())) throw new Error(`PostgreSQL at ${target.pgAdminUrl.replace(/\/\/[^@]*@/, "//")} does not answer: it holds the messages to republish; restore it first (titanctl restore)`);
    const republishOpts = { sinceMs, nowMs, ...(req.maxWindowMs !== undefined ? { maxWindowMs: req.maxWindowMs } : {}) };
    if (req.dryRun) {
      const counted = await countRepublishable(db, republishOpts);
      for (const c of counted) progress(`would republish ${c.rows} messages from ${c.schema}.outbox`);
      const live = await readStartupConfig(endpoint).catch(() => undefined);
      progress(live ? `Redis is running at ${endpoint.url}: the restore needs --force` : `Redis is not running at ${endpoint.url}: it will be started with the snapshot's recorded parameters`);
      return { snapshot: { id: record.id, takenMs: record.startedMs }, sinceMs, dryRun: true, steps, keysLoaded: null, streams: null, replacedDir: null, republished: counted, totalSeconds: (clock.monotonicMs() - t0) / 1000 };
    }

    const unlock = repo.lock("restore redis");
    try {
      const snapshotKeys = await step("verify", () => verifySnapshot(record, rdbFile));
      const { config, running } = await startupConfig(endpoint, target, snapshotDir, record, req.force);
      if (running) await step("stop", async () => ({ value: await stopRedisServer(endpoint, config, SERVER_STEP_TIMEOUT_MS), detail: `stopped Redis at ${endpoint.url}` }));
      const replacedDir = await step("swap", async () => {
        const aside = swapData(config, rdbFile, stampOf(clock.nowMs()));
        return { value: aside, detail: `${SNAPSHOT_FILE} in ${config.parameters.dir}${aside ? `; the previous data kept in ${aside}` : ""}` };
      });
      const loaded = await step("start", async () => {
        const figures = await startRedisServer(endpoint, config, SERVER_STEP_TIMEOUT_MS);
        if (snapshotKeys !== null && figures.keysLoaded + figures.keysExpired !== snapshotKeys) {
          throw new Error(`Redis loaded ${figures.keysLoaded} keys (and dropped ${figures.keysExpired} expired ones) but the snapshot holds ${snapshotKeys}: it did not load the snapshot (log: ${config.parameters.logfile ?? "none"})`);
        }
        return { value: figures, detail: `Redis started with append-only off and loaded ${figures.keysLoaded} keys from the snapshot` };
      });
      if (config.appendOnly) await step("append-only", async () => ({ value: await enableAppendOnly(endpoint, SERVER_STEP_TIMEOUT_MS), detail: "append-only on again, its rewrite from the loaded data finished" }));
      const streams = await summariseStreams(endpoint);
      progress(`Redis holds ${streams.streams} streams with ${streams.groups} consumer groups and ${streams.pendingEntries} pending entries (the services reclaim those of consumers that no longer run)`);

      let republished: RepublishedSchema[] = [];
      let republishError: string | undefined;
      try {
        republished = await step("republish", async () => {
          const result = await republishSince(db, { ...republishOpts, ...(req.audit ? { audit: { ...req.audit, clock } } : {}) });
          return { value: result, detail: `${result.reduce((n, r) => n + r.rows, 0)} messages handed back to the relays (${result.map((r) => `${r.schema} ${r.rows}`).join(", ") || "no outbox"})` };
        });
      } catch (err) {
        republishError = `${(err as Error).message}; Redis is restored: run \`titanctl bus republish --since ${isoOf(sinceMs)}\` once PostgreSQL answers`;
        progress(`republish FAILED: ${republishError}`);
      }

      // The copies published again prove what matters here: the services' relays reach the restored Redis.
      const drainTimeoutMs = req.drainTimeoutMs ?? (target.health.length > 0 ? RECOVERY_TIME_OBJECTIVES.criticalServices.seconds * 1000 : 0);
      const drain = republished.length > 0 && drainTimeoutMs > 0 ? await step("drain", async () => {
        const d = await waitUntilRepublished(db, republished, { timeoutMs: drainTimeoutMs, clock, progress });
        return { value: d, detail: d.seconds === null ? `${d.remaining} copies still wait for their relays (their services are not running?)` : "every copy published again" };
      }) : undefined;
      return {
        snapshot: { id: record.id, takenMs: record.startedMs },
        sinceMs,
        dryRun: false,
        steps,
        keysLoaded: loaded.keysLoaded,
        streams,
        replacedDir,
        republished,
        ...(republishError ? { republishError } : {}),
        ...(drain ? { drain } : {}),
        totalSeconds: (clock.monotonicMs() - t0) / 1000,
      };
    } finally {
      unlock();
    }
  } finally {
    await db.close();
  }
};
