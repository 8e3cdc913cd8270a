// What a backup or restore works on: the cluster (data folder, port), Redis, the backup repository,
// the compliance store and the Pushgateway. Read from the local stack's manifest (stack.json in the
// state folder) unless given explicitly, so the same commands serve the stack and a drill's own servers.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const BACKUP_DATABASE = "titan";

export interface HealthTarget {
  readonly name: string;
  readonly url: string;
  readonly critical: boolean;
}

export interface BackupTarget {
  /** The backup repository: base backups, dumps, snapshots, the run log. */
  readonly backupDir: string;
  /** Where PostgreSQL's archive_command puts WAL segments. */
  readonly archiveDir: string;
  /** The compliance export's write-once folder (local store). */
  readonly complianceDir: string;
  readonly pgDataDir: string;
  readonly pgPort: number;
  /** Superuser URL of the database (trusted on loopback in the local stack). */
  readonly pgAdminUrl: string;
  readonly redisUrl?: string;
  readonly redisDir?: string;
  /** CA that signed Redis's (and PostgreSQL's) certificates, for rediss:// (the stack's local CA). */
  readonly caFile?: string;
  readonly pushgatewayUrl?: string;
  /** PM2 home of the stack, when the services run under it (restore restarts them). */
  readonly pm2Home?: string;
  readonly portOffset: number;
  /** The services' readiness URLs, to wait for after a restore. */
  readonly health: readonly HealthTarget[];
}

export interface TargetOverrides {
  readonly backupDir?: string;
  readonly pgDataDir?: string;
  readonly pgPort?: number;
  readonly redisUrl?: string;
  readonly redisDir?: string;
  readonly pushgatewayUrl?: string;
  readonly complianceDir?: string;
  /** The database dumped and exported (default: titan, the stack's). */
  readonly database?: string;
}

interface ManifestLike {
  readonly portOffset?: number;
  readonly caFile?: string;
  readonly pm2Home?: string;
  readonly components?: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly port: number | null; readonly pidFile: string; readonly url: string; readonly healthUrl: string | null }>;
  readonly statusTargets?: ReadonlyArray<{ readonly name: string; readonly kind: string; readonly url: string; readonly critical?: boolean }>;
}

/** The stack's default layout under a state folder (scripts/stack/state.ts names pg and redis so). */
export const backupDirOf = (stateDir: string): string => join(stateDir, "backups");
export const archiveDirOf = (backupDir: string): string => join(backupDir, "wal");

/** Builds the target from a stack manifest (if any) and explicit overrides; pure. */
export const resolveTarget = (stateDir: string, manifest: ManifestLike | undefined, o: TargetOverrides = {}): BackupTarget => {
  const component = (name: string) => manifest?.components?.find((c) => c.name === name);
  const pg = component("postgres");
  const redis = component("redis");
  const pushgateway = component("pushgateway");
  const pgPort = o.pgPort ?? pg?.port ?? undefined;
  const pgDataDir = o.pgDataDir ?? (pg ? dirname(pg.pidFile) : undefined);
  if (pgPort === undefined || pgDataDir === undefined) {
    throw new Error(`no local stack manifest at ${join(stateDir, "stack.json")} and no --pg-data-dir/--pg-port given: start the stack (npm start) or name the cluster`);
  }
  if (!Number.isInteger(pgPort) || pgPort < 1 || pgPort > 65_535) throw new Error(`--pg-port must be a port number, got ${pgPort}`);
  const backupDir = resolve(o.backupDir ?? backupDirOf(stateDir));
  const redisUrl = o.redisUrl ?? redis?.url;
  const redisDir = o.redisDir ?? (redis ? dirname(redis.pidFile) : undefined);
  const pushgatewayUrl = o.pushgatewayUrl ?? pushgateway?.url.replace(/\/$/, "");
  const health = (manifest?.statusTargets ?? []).filter((t) => t.kind === "http" && manifest?.components?.some((c) => c.name === t.name && c.kind === "service")).map((t) => ({ name: t.name, url: t.url, critical: t.critical === true }));
  return {
    backupDir,
    archiveDir: archiveDirOf(backupDir),
    complianceDir: resolve(o.complianceDir ?? join(stateDir, "compliance")),
    pgDataDir: resolve(pgDataDir),
    pgPort,
    pgAdminUrl: `postgres://postgres@127.0.0.1:${pgPort}/${o.database ?? BACKUP_DATABASE}`,
    ...(redisUrl ? { redisUrl } : {}),
    ...(redisDir ? { redisDir } : {}),
    ...(manifest?.caFile ? { caFile: manifest.caFile } : {}),
    ...(pushgatewayUrl ? { pushgatewayUrl } : {}),
    ...(manifest?.pm2Home && !o.pgDataDir ? { pm2Home: manifest.pm2Home } : {}),
    portOffset: manifest?.portOffset ?? 0,
    health,
  };
};

/** Reads stack.json from the state folder, if the stack has written one. */
export const loadTarget = (stateDir: string, overrides: TargetOverrides = {}): BackupTarget => {
  const file = join(stateDir, "stack.json");
  const manifest = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ManifestLike) : undefined;
  return resolveTarget(stateDir, manifest, overrides);
};
