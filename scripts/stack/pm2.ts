// The services under PM2, driven through its CLI with PM2_HOME inside the stack folder, so the
// stack's daemon is separate from any other PM2 on the machine.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_MEMBER_ENV, runningPid } from "./processes.js";
import type { StackLayout } from "./state.js";

export const PM2_APPS = ["brain", "execution", "console", "scavenger", "ai-quant", "ai-quant-api", "backup"] as const;
export type Pm2App = (typeof PM2_APPS)[number];

/**
 * The compiled entry point each app runs, under dist/ (ecosystem.config.cjs holds the same table, which
 * a test keeps equal): the AI Quant API is the ai-quant service's second process, the backup scheduler
 * is services/backup's main.
 */
export const PM2_APP_ENTRIES: Readonly<Record<Pm2App, string>> = {
  brain: "services/brain/main.js",
  execution: "services/execution/main.js",
  console: "services/console/main.js",
  scavenger: "services/scavenger/main.js",
  "ai-quant": "services/ai-quant/main.js",
  "ai-quant-api": "services/ai-quant/api-main.js",
  backup: "services/backup/main.js",
};

/** Apps PM2 runs once and then on their cron: a finished run is not restarted by `npm start`. */
export const PM2_JOBS: readonly Pm2App[] = ["ai-quant"];

export interface Pm2Process {
  readonly name: string;
  /** PM2's own id, part of the pid file name `pids/<name>-<id>.pid`. */
  readonly id: number;
  readonly pid: number;
  readonly status: string;
  readonly restarts: number;
  readonly exitCode: number | null;
}

const pm2Bin = (repoDir: string): string => join(repoDir, "node_modules", "pm2", "bin", "pm2");
const pidFile = (layout: StackLayout): string => join(layout.pm2Dir, "pm2.pid");

/** Environment of every PM2 command: its home, no version check (there is no internet), and what the ecosystem reads. */
export const pm2Env = (layout: StackLayout, portOffset: number): NodeJS.ProcessEnv => ({
  ...process.env,
  PM2_HOME: layout.pm2Dir,
  PM2_DISABLE_VERSION_CHECK: "true",
  TITAN_STACK_MANAGED: "1",
  TITAN_STATE_DIR: layout.root,
  TITAN_STACK_PORT_OFFSET: String(portOffset),
  [STACK_MEMBER_ENV]: layout.root,
});

const pm2 = (layout: StackLayout, portOffset: number, args: string[]): string => {
  mkdirSync(layout.pm2Dir, { recursive: true });
  // PM2 prints its banner and phones home on the first command in a fresh home unless this file exists.
  const touch = join(layout.pm2Dir, "touch");
  if (!existsSync(touch)) writeFileSync(touch, String(Date.now()));
  const res = spawnSync(process.execPath, [pm2Bin(layout.repoDir), ...args], { cwd: layout.repoDir, env: pm2Env(layout, portOffset), encoding: "utf8", timeout: 60_000 });
  if (res.error) throw new Error(`pm2 ${args[0]} failed: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`pm2 ${args.join(" ")} failed (${res.status}): ${(res.stderr || res.stdout).trim().split("\n").slice(-10).join("\n")}`);
  return res.stdout;
};

export const pm2DaemonPid = (layout: StackLayout): number | undefined => runningPid(pidFile(layout), "PM2");

/** Processes known to the stack's PM2 daemon; empty (and no daemon started) when it is not running. */
export const listPm2 = (layout: StackLayout, portOffset: number): Pm2Process[] => {
  if (pm2DaemonPid(layout) === undefined) return [];
  const out = pm2(layout, portOffset, ["jlist"]);
  const start = out.indexOf("[");
  const list = JSON.parse(start >= 0 ? out.slice(start) : "[]") as Array<{ name: string; pm_id: number; pid: number; pm2_env?: { status?: string; restart_time?: number; exit_code?: number } }>;
  return list.map((p) => ({ name: p.name, id: p.pm_id, pid: p.pid, status: p.pm2_env?.status ?? "unknown", restarts: p.pm2_env?.restart_time ?? 0, exitCode: p.pm2_env?.exit_code ?? null }));
};

/** Hash of what the services run: the compiled code (and migrations) and the ecosystem file. */
export const buildFingerprint = (repoDir: string): string => {
  const hash = createHash("sha256");
  const ecosystem = join(repoDir, "ecosystem.config.cjs");
  if (existsSync(ecosystem)) hash.update(readFileSync(ecosystem));
  for (const top of ["dist/services", "dist/ops"]) {
    const dir = join(repoDir, top);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(js|sql|json)$/.test(f)).sort()) {
      hash.update(`${top}/${file}\0`).update(readFileSync(join(dir, file)));
    }
  }
  return hash.digest("hex");
};

const fingerprintFile = (layout: StackLayout): string => join(layout.pm2Dir, "build.sha256");

export interface StartedApps {
  readonly started: string[];
  readonly restarted: string[];
  /** Already under PM2 and left alone. */
  readonly running: string[];
}

/**
 * Starts the apps PM2 does not know yet and restarts long-running ones that are not online; an app
 * already online is left alone, and a job (ai-quant) that already ran waits for its cron. After a
 * new build (or a changed ecosystem) every app is replaced, so `npm start` never leaves old code running.
 */
export const startApps = (layout: StackLayout, portOffset: number, apps: readonly Pm2App[]): StartedApps => {
  const fingerprint = buildFingerprint(layout.repoDir);
  const previous = existsSync(fingerprintFile(layout)) ? readFileSync(fingerprintFile(layout), "utf8").trim() : undefined;
  let known = new Map(listPm2(layout, portOffset).map((p) => [p.name, p]));
  const stale = previous !== fingerprint ? apps.filter((a) => known.has(a)) : [];
  if (stale.length > 0) {
    pm2(layout, portOffset, ["delete", ...stale, "--silent"]);
    known = new Map(listPm2(layout, portOffset).map((p) => [p.name, p]));
  }
  const missing = apps.filter((a) => !known.has(a));
  const broken = apps.filter((a) => !PM2_JOBS.includes(a) && known.has(a) && known.get(a)?.status !== "online");
  const ecosystem = join(layout.repoDir, "ecosystem.config.cjs");
  if (missing.length > 0) pm2(layout, portOffset, ["start", ecosystem, "--only", missing.join(","), "--silent"]);
  for (const app of broken) pm2(layout, portOffset, ["restart", app, "--update-env", "--silent"]);
  writeFileSync(fingerprintFile(layout), `${fingerprint}\n`);
  return {
    started: missing.filter((a) => !stale.includes(a)),
    restarted: [...stale, ...broken],
    running: apps.filter((a) => !missing.includes(a) && !broken.includes(a)),
  };
};

/** Stops every app and the daemon (`pm2 kill`). Returns whether a daemon was running. */
export const killPm2 = (layout: StackLayout, portOffset: number): boolean => {
  if (pm2DaemonPid(layout) === undefined) return false;
  pm2(layout, portOffset, ["kill", "--silent"]);
  return true;
};
