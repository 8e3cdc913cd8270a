// Redis snapshot: BGSAVE (a fork writes a consistent RDB while Redis keeps serving), wait for it to
// finish, then copy the RDB out of Redis's folder. The AOF is not copied: it is the live log, and the
// RDB is the point-in-time image a restart can load. Beside it goes how the server runs (its startup
// parameters, secrets left out), so a restore can start it again even when it no longer runs.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { configReplyToRecord, startupConfigOf, withoutSecrets } from "./redis-config.js";

export const SNAPSHOT_FILE = "dump.rdb";
/** The server's startup parameters when the snapshot was taken (RedisStartupConfig, without secrets). */
export const SNAPSHOT_CONFIG_FILE = "redis-config.json";

const infoField = (info: string, field: string): string | undefined => new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();

export const snapshotRedis = async (opts: { url: string; caFile?: string; redisDir?: string; dir: string; timeoutMs?: number; onProgress?: (line: string) => void }): Promise<{ fileName: string }> => {
  // rediss:// (the stack's Redis speaks TLS only): its certificate is checked against the stack's CA.
  const tls = opts.url.startsWith("rediss:") && opts.caFile ? { tls: { ca: readFileSync(opts.caFile) } } : {};
  const client = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, ...tls });
  client.on("error", () => undefined); // surfaced by the commands below
  try {
    await client.connect();
    const before = Number(await client.lastsave());
    try {
      await client.bgsave();
    } catch (err) {
      // One already running (Redis's own save rule or an AOF rewrite) is waited for, then a fresh one started.
      if (!/in progress|already/i.test((err as Error).message)) throw err;
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    opts.onProgress?.("BGSAVE started");
    for (;;) {
      const info = await client.info("persistence");
      const inProgress = infoField(info, "rdb_bgsave_in_progress") === "1";
      const lastSave = Number(await client.lastsave());
      if (!inProgress && lastSave > before) {
        if (infoField(info, "rdb_last_bgsave_status") !== "ok") throw new Error(`BGSAVE failed: rdb_last_bgsave_status=${infoField(info, "rdb_last_bgsave_status")}`);
        break;
      }
      if (!inProgress && lastSave <= before) {
        // The save we waited on was another one; start ours now. LASTSAVE has a one-second resolution.
        await sleep(1_000);
        await client.bgsave().catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error("BGSAVE did not finish in time");
      await sleep(100);
    }
    const [, dirReply] = (await client.config("GET", "dir")) as [string, string];
    const [, fileReply] = (await client.config("GET", "dbfilename")) as [string, string];
    const source = join(opts.redisDir ?? dirReply, fileReply);
    if (!existsSync(source)) throw new Error(`BGSAVE reported success but ${source} is not readable from here (is Redis on another host?)`);
    copyFileSync(source, join(opts.dir, SNAPSHOT_FILE));
    opts.onProgress?.(`copied ${source}`);
    const config = withoutSecrets(startupConfigOf(configReplyToRecord((await client.call("CONFIG", "GET", "*")) as unknown[])));
    writeFileSync(join(opts.dir, SNAPSHOT_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    return { fileName: SNAPSHOT_FILE };
  } finally {
    client.disconnect();
  }
};
