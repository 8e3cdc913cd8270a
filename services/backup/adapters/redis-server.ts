// The Redis server process a restore works on: read how it runs, stop it, start it again from its
// configuration (on stdin), turn append-only back on and wait for the rewrite, and summarise the
// streams and consumer groups it holds.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { aofRewriteState, configReplyToRecord, keysInKeyspace, parseInfo, renderConfigFile, startupConfigOf, type RedisStartupConfig } from "./redis-config.js";

export interface RedisEndpoint {
  readonly url: string;
  /** CA of a rediss:// server's certificate. */
  readonly caFile?: string;
}

const client = (at: RedisEndpoint): Redis => {
  const tls = at.url.startsWith("rediss:") && at.caFile ? { tls: { ca: readFileSync(at.caFile) } } : {};
  const redis = new Redis(at.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 2_000, ...tls });
  redis.on("error", () => undefined); // surfaced by the commands
  return redis;
};

/** Runs `fn` on a fresh connection, closed after. */
export const withRedis = async <T>(at: RedisEndpoint, fn: (redis: Redis) => Promise<T>): Promise<T> => {
  const redis = client(at);
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
};

export const answersPing = async (at: RedisEndpoint): Promise<boolean> => withRedis(at, async (r) => (await r.ping()) === "PONG").catch(() => false);

/** How the server at `at` runs, or undefined when nothing answers there. */
export const readStartupConfig = async (at: RedisEndpoint): Promise<RedisStartupConfig | undefined> => {
  if (!(await answersPing(at))) return undefined;
  return withRedis(at, async (r) => startupConfigOf(configReplyToRecord((await r.call("CONFIG", "GET", "*")) as unknown[])));
};

const pidOf = (config: RedisStartupConfig): number | undefined => {
  const file = config.parameters.pidfile;
  if (!file || !existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

/** Alive and still a Redis (pids are reused). */
const isRedisProcess = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("redis-server");
  } catch {
    return false;
  }
};

const waitUntil = async (probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(50);
  }
};

/**
 * Stops the server: SIGTERM to the pid in its pid file (it flushes its append-only file and exits), or
 * SHUTDOWN when it keeps no pid file; waits until it has exited.
 */
export const stopRedisServer = async (at: RedisEndpoint, config: RedisStartupConfig, timeoutMs: number): Promise<void> => {
  const pid = pidOf(config);
  if (pid !== undefined && isRedisProcess(pid)) {
    process.kill(pid, "SIGTERM");
    await waitUntil(() => !isRedisProcess(pid), timeoutMs, `Redis (pid ${pid}) to exit`);
    return;
  }
  await withRedis(at, (r) => r.call("SHUTDOWN").catch(() => undefined)).catch(() => undefined);
  await waitUntil(async () => !(await answersPing(at)), timeoutMs, "Redis to shut down");
};

export interface StartFigures {
  /** Keys the server loaded from the RDB (INFO rdb_last_load_keys_loaded). */
  readonly keysLoaded: number;
  /** Keys of the RDB it dropped because their time to live had passed. */
  readonly keysExpired: number;
  /** Keys it holds once ready (INFO keyspace). */
  readonly keys: number;
}

/**
 * Starts `redis-server -` with the configuration on stdin (append-only off: see renderConfigFile) and
 * waits until it answers and has finished loading its data.
 */
export const startRedisServer = async (at: RedisEndpoint, config: RedisStartupConfig, timeoutMs: number): Promise<StartFigures> => {
  const res = spawnSync("redis-server", ["-"], { input: renderConfigFile(config), encoding: "utf8", timeout: 30_000 });
  if (res.error) throw new Error(`redis-server could not be run: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`redis-server refused to start (exit ${res.status}): ${`${res.stderr}${res.stdout}`.trim().split("\n").slice(-6).join("\n")}`);
  let info = new Map<string, string>();
  await waitUntil(
    async () => {
      try {
        info = await withRedis(at, async (r) => parseInfo(`${await r.info("persistence")}\n${await r.info("keyspace")}`));
        return info.get("loading") === "0";
      } catch {
        return false; // not listening yet, or answering LOADING
      }
    },
    timeoutMs,
    `Redis on ${at.url} to load its data${config.parameters.logfile ? ` (log: ${config.parameters.logfile})` : ""}`,
  );
  // With append-only on, Redis would have loaded its append-only files instead of the RDB.
  if (info.get("aof_enabled") !== "0") throw new Error(`Redis on ${at.url} started with append-only on: it did not load the RDB`);
  return { keysLoaded: Number(info.get("rdb_last_load_keys_loaded") ?? Number.NaN), keysExpired: Number(info.get("rdb_last_load_keys_expired") ?? 0), keys: keysInKeyspace(info) };
};

/**
 * Append-only back on: Redis writes a new base file from the loaded data in the background (a rewrite)
 * and logs to it from then on. Waits for that rewrite, so a crash afterwards restarts from it.
 */
export const enableAppendOnly = async (at: RedisEndpoint, timeoutMs: number): Promise<void> =>
  withRedis(at, async (r) => {
    await r.call("CONFIG", "SET", "appendonly", "yes");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = aofRewriteState(parseInfo(await r.info("persistence")));
      if (state.kind === "done") return;
      if (state.kind === "failed") throw new Error(`turning append-only back on failed: ${state.reason}`);
      if (Date.now() > deadline) throw new Error(`the append-only rewrite did not finish within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  });

export interface StreamsSummary {
  readonly streams: number;
  readonly groups: number;
  /** Entries delivered to a consumer and not acknowledged: the services claim them (their inboxes drop what they already handled). */
  readonly pendingEntries: number;
}

/** Streams, consumer groups and pending entries in the database `at` selects. */
export const summariseStreams = async (at: RedisEndpoint): Promise<StreamsSummary> =>
  withRedis(at, async (r) => {
    let cursor = "0";
    let streams = 0;
    let groups = 0;
    let pendingEntries = 0;
    do {
      const [next, keys] = (await r.call("SCAN", cursor, "TYPE", "stream", "COUNT", "1000")) as [string, string[]];
      cursor = next;
      for (const key of keys) {
        streams += 1;
        const infos = (await r.call("XINFO", "GROUPS", key)) as unknown[][];
        groups += infos.length;
        for (const info of infos) {
          const i = info.indexOf("pending");
          pendingEntries += i >= 0 ? Number(info[i + 1] ?? 0) : 0;
        }
      }
    } while (cursor !== "0");
    return { streams, groups, pendingEntries };
  });
