// Continuous WAL archiving with PostgreSQL's own archiver: wal_level, archive_mode, archive_command and
// archive_timeout (ops/ WAL_ARCHIVE_TIMEOUT_SECONDS) set with ALTER SYSTEM. archive_mode and wal_level
// only take effect on a restart, so an existing cluster is restarted once when they change.
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { WAL_ARCHIVE_TIMEOUT_SECONDS } from "../../../ops/index.js";
import { renderArchiveCommand } from "../domain/wal.js";
import { chownToPostgres, pgBin, runProgram } from "./exec.js";

export interface ArchivingSettings {
  readonly wal_level: string;
  readonly archive_mode: string;
  readonly archive_command: string;
  /** In seconds, as SHOW prints it without its unit. */
  readonly archive_timeout: string;
}

export const archivingSettings = (archiveDir: string, timeoutSeconds = WAL_ARCHIVE_TIMEOUT_SECONDS): ArchivingSettings => ({
  wal_level: "replica",
  archive_mode: "on",
  archive_command: renderArchiveCommand(archiveDir),
  archive_timeout: String(timeoutSeconds),
});

export interface ArchivingResult {
  /** Settings that were different and have been set. */
  readonly changed: readonly string[];
  readonly restarted: boolean;
}

/** Which of the settings the server does not have yet; pure, for the tests and the step's message. */
export const settingsToChange = (current: Readonly<Record<string, string>>, wanted: ArchivingSettings): (keyof ArchivingSettings)[] =>
  (Object.keys(wanted) as (keyof ArchivingSettings)[]).filter((k) => current[k] !== wanted[k]);

/**
 * Turns archiving on for the cluster at `adminUrl` (superuser), writing into `archiveDir`; idempotent:
 * nothing changes and nothing restarts when the settings are already in force.
 */
export const ensureWalArchiving = async (opts: { adminUrl: string; dataDir: string; archiveDir: string; timeoutSeconds?: number }): Promise<ArchivingResult> => {
  // Parents stay traversable by the postgres user, who writes the archive; the archive itself is its own.
  mkdirSync(dirname(opts.archiveDir), { recursive: true, mode: 0o755 });
  if (!existsSync(opts.archiveDir)) mkdirSync(opts.archiveDir, { mode: 0o750 });
  chownToPostgres(opts.archiveDir);
  const wanted = archivingSettings(opts.archiveDir, opts.timeoutSeconds);
  const client = new pg.Client({ connectionString: opts.adminUrl });
  await client.connect();
  let changed: (keyof ArchivingSettings)[];
  let pending: string[];
  try {
    const { rows } = await client.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name = ANY($1)", [Object.keys(wanted)]);
    changed = settingsToChange(Object.fromEntries(rows.map((r) => [r.name, r.setting])), wanted);
    for (const name of changed) await client.query(`ALTER SYSTEM SET ${name} = ${client.escapeLiteral(wanted[name])}`);
    if (changed.length > 0) await client.query("SELECT pg_reload_conf()");
    // pending_restart is set by the reload itself; give the postmaster a moment to re-read the file.
    await new Promise((r) => setTimeout(r, changed.length > 0 ? 200 : 0));
    pending = (await client.query<{ name: string }>("SELECT name FROM pg_settings WHERE pending_restart")).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
  const restartNeeded = pending.some((n) => n === "archive_mode" || n === "wal_level");
  if (restartNeeded) {
    // -l: the new postmaster must not inherit our pipes, or this call would wait on it forever.
    await runProgram(pgBin("pg_ctl"), ["-D", opts.dataDir, "-m", "fast", "-w", "-t", "120", "-l", join(opts.dataDir, "server.log"), "restart"], { asPostgres: true });
  }
  return { changed, restarted: restartNeeded };
};

export interface ArchiverStatus {
  readonly archivedCount: number;
  readonly failedCount: number;
  readonly lastArchivedWal: string | null;
  readonly lastArchivedAtMs: number | null;
  readonly lastFailedWal: string | null;
}

export const archiverStatus = async (adminUrl: string): Promise<ArchiverStatus> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ archived_count: string; failed_count: string; last_archived_wal: string | null; last_archived_ms: string | null; last_failed_wal: string | null }>(
      "SELECT archived_count, failed_count, last_archived_wal, (extract(epoch FROM last_archived_time) * 1000)::bigint AS last_archived_ms, last_failed_wal FROM pg_stat_archiver",
    );
    const r = rows[0]!;
    return {
      archivedCount: Number(r.archived_count),
      failedCount: Number(r.failed_count),
      lastArchivedWal: r.last_archived_wal,
      lastArchivedAtMs: r.last_archived_ms === null ? null : Number(r.last_archived_ms),
      lastFailedWal: r.last_failed_wal,
    };
  } finally {
    await client.end();
  }
};
