// Point-in-time restore of the cluster: unpack the chosen base backup into a NEW data folder, give it
// the recovery settings, move the old folder (if any) aside, put the new one in its place, start it,
// wait for the end of recovery and promotion, then drop the recovery settings again.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { stampOf } from "../domain/records.js";
import { renderRecoveryConf, type RestorePlan } from "../domain/restore-plan.js";
import { chownToPostgres, pgBin, runProgram } from "./exec.js";
import type { BackupTarget } from "./target.js";

export interface RestoreFigures {
  readonly unpackSeconds: number;
  /** From starting the server to its promotion (WAL replay). */
  readonly recoverySeconds: number;
  readonly totalSeconds: number;
  /** The time of the last transaction replayed, as PostgreSQL reports it (null when none was). */
  readonly restoredToMs: number | null;
  /** Where the previous data folder went, when there was one. */
  readonly replacedDir: string | null;
}

const isRunning = async (dataDir: string): Promise<boolean> =>
  existsSync(join(dataDir, "postmaster.pid")) &&
  (await runProgram(pgBin("pg_ctl"), ["-D", dataDir, "status"], { asPostgres: true }).then(
    () => true,
    () => false,
  ));

const connectOnce = async (url: string): Promise<pg.Client | undefined> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return undefined;
  }
};

const logTail = (dataDir: string): string => {
  const file = join(dataDir, "server.log");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").slice(-6).join("\n") : "(no server.log)";
};

/** Waits until the server accepts connections and has left recovery (promoted); fails fast when it exits. */
const waitForPromotion = async (url: string, dataDir: string, timeoutMs: number, progress: (line: string) => void): Promise<number | null> => {
  const deadline = Date.now() + timeoutMs;
  const graceMs = Date.now() + 5_000;
  let said = "";
  while (Date.now() < deadline) {
    // No pid file once the start window has passed: the server stopped (a failed recovery ends it).
    if (Date.now() > graceMs && !existsSync(join(dataDir, "postmaster.pid"))) throw new Error(`the restored cluster stopped during recovery:\n${logTail(dataDir)}`);
    const client = await connectOnce(url);
    if (client) {
      try {
        const { rows } = await client.query<{ recovering: boolean; replayed_ms: string | null }>(
          "SELECT pg_is_in_recovery() AS recovering, (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000)::bigint AS replayed_ms",
        );
        const r = rows[0]!;
        if (!r.recovering) return r.replayed_ms === null ? null : Number(r.replayed_ms);
        const now = `replaying WAL, at ${r.replayed_ms === null ? "(no transaction yet)" : new Date(Number(r.replayed_ms)).toISOString()}`;
        if (now !== said) progress(now);
        said = now;
      } catch {
        // the server is still starting; try again
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    await sleep(250);
  }
  throw new Error(`the restored cluster did not finish recovery within ${timeoutMs / 1000} s`);
};

export interface RestoreOptions {
  readonly plan: RestorePlan;
  /** Folder of the chosen base backup (base.tar.gz, pg_wal.tar.gz). */
  readonly backupPath: string;
  readonly nowMs: number;
  /** Stop a running cluster first; without it a running cluster is refused. */
  readonly stopRunning: boolean;
  readonly recoveryTimeoutMs: number;
  readonly progress: (line: string) => void;
}

export const restoreCluster = async (target: BackupTarget, opts: RestoreOptions): Promise<RestoreFigures> => {
  const t0 = performance.now();
  const { pgDataDir } = target;
  if (await isRunning(pgDataDir)) {
    if (!opts.stopRunning) throw new Error(`PostgreSQL is running on ${pgDataDir}: a restore replaces its data. Stop it first, or pass --force to have restore stop it`);
    opts.progress(`stopping the running cluster on ${pgDataDir}`);
    await runProgram(pgBin("pg_ctl"), ["-D", pgDataDir, "-m", "fast", "-w", "-t", "60", "stop"], { asPostgres: true });
  }
  const stamp = stampOf(opts.nowMs);
  const newDir = `${pgDataDir}.restore-${stamp}`;
  mkdirSync(newDir, { recursive: true, mode: 0o700 });
  opts.progress(`unpacking base backup ${opts.plan.base.id} into ${newDir}`);
  await runProgram("tar", ["-xzf", join(opts.backupPath, "base.tar.gz"), "-C", newDir]);
  const walTar = join(opts.backupPath, "pg_wal.tar.gz");
  if (existsSync(walTar)) await runProgram("tar", ["-xzf", walTar, "-C", join(newDir, "pg_wal")]);
  // The socket's lock file lives in the data folder (unix_socket_directories) and was copied with it.
  const socketLocks = readdirSync(newDir).filter((f) => /^\.s\.PGSQL\.\d+\.lock$/.test(f));
  for (const stale of ["postmaster.pid", "postmaster.opts", "backup_manifest", ...socketLocks]) rmSync(join(newDir, stale), { force: true });
  appendFileSync(join(newDir, "postgresql.auto.conf"), renderRecoveryConf(opts.plan.recoverySettings));
  writeFileSync(join(newDir, "recovery.signal"), "");
  chmodSync(newDir, 0o700);
  chownToPostgres(newDir, true);
  const unpackSeconds = (performance.now() - t0) / 1000;

  // The switch: the stack's folder name is kept, so its configuration, socket folder and pid file
  // paths all stay valid; what was there is kept beside it until someone deletes it.
  let replacedDir: string | null = null;
  if (existsSync(pgDataDir)) {
    replacedDir = `${pgDataDir}.replaced-${stamp}`;
    renameSync(pgDataDir, replacedDir);
    opts.progress(`moved the previous data folder to ${replacedDir}`);
  }
  renameSync(newDir, pgDataDir);

  const t1 = performance.now();
  opts.progress(`starting PostgreSQL on port ${target.pgPort} to replay WAL to ${opts.plan.target.kind === "latest" ? "the end of the archive" : new Date(opts.plan.target.atMs).toISOString()}`);
  // -W: do not wait; readiness (and the end of recovery) is judged by waitForPromotion below.
  await runProgram(pgBin("pg_ctl"), ["-D", pgDataDir, "-o", `-p ${target.pgPort}`, "-l", join(pgDataDir, "server.log"), "-W", "start"], { asPostgres: true });
  const restoredToMs = await waitForPromotion(target.pgAdminUrl.replace(/\/[^/]*$/, "/postgres"), pgDataDir, opts.recoveryTimeoutMs, opts.progress);
  const recoverySeconds = (performance.now() - t1) / 1000;

  const client = new pg.Client({ connectionString: target.pgAdminUrl.replace(/\/[^/]*$/, "/postgres") });
  await client.connect();
  try {
    for (const name of Object.keys(opts.plan.recoverySettings)) await client.query(`ALTER SYSTEM RESET ${name}`);
    await client.query("SELECT pg_reload_conf()");
  } finally {
    await client.end();
  }
  opts.progress(`promoted; restored to ${restoredToMs === null ? "the base backup's end" : new Date(restoredToMs).toISOString()}`);
  return { unpackSeconds, recoverySeconds, totalSeconds: (performance.now() - t0) / 1000, restoredToMs, replacedDir };
};
