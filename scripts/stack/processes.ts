// Pid files, detached daemons and the last-resort sweep that makes `down` leave nothing behind.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive, spawnDetached } from "../lib/local-servers.js";

const processState = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "";
  } catch {
    return "";
  }
};

/** Alive and not a zombie: a reparented daemon may linger as a zombie when PID 1 does not reap. */
export const isLive = (pid: number): boolean => isProcessAlive(pid) && processState(pid) !== "Z";

/**
 * Every process the stack starts inherits this variable (value: the state folder), so `down` and CI
 * can find a stack's processes even when their command line does not name the folder (Redis, the
 * services under PM2). NGINX clears its environment; its command line names its config instead.
 */
export const STACK_MEMBER_ENV = "TITAN_STACK_MEMBER";

export const readPidFile = (pidFile: string): number | undefined => {
  if (!existsSync(pidFile)) return undefined;
  const first = readFileSync(pidFile, "utf8").split("\n")[0]?.trim() ?? "";
  const pid = Number(first);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

export const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
};

const environment = (pid: number): string[] => {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return [];
  }
};

/** The pid recorded in `pidFile`, when that process is alive and still runs `executable` (pids get reused). */
export const runningPid = (pidFile: string, executable: string): number | undefined => {
  const pid = readPidFile(pidFile);
  if (pid === undefined || !isLive(pid)) return undefined;
  return commandLine(pid).includes(executable) ? pid : undefined;
};

export interface DaemonSpec {
  readonly name: string;
  readonly executable: string;
  readonly args: readonly string[];
  /** Extra environment, passed through `env` so the daemon's pid is still the one recorded. */
  readonly env?: Readonly<Record<string, string>>;
  readonly pidFile: string;
  readonly logFile: string;
}

/** Whether the live daemon `pid` runs with the spec's arguments and environment (a changed spec means a restart). */
export const runsAsSpecified = (pid: number, spec: DaemonSpec): boolean => {
  const env = environment(pid);
  return commandLine(pid).endsWith(spec.args.join(" ")) && Object.entries(spec.env ?? {}).every(([k, v]) => env.includes(`${k}=${v}`));
};

/** Starts the daemon unless its pid file names a live process running the same executable. */
export const ensureDaemon = (spec: DaemonSpec): { pid: number; started: boolean } => {
  const existing = runningPid(spec.pidFile, spec.executable);
  if (existing !== undefined) return { pid: existing, started: false };
  const envArgs = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const pid = envArgs.length > 0 ? spawnDetached("env", [...envArgs, spec.executable, ...spec.args], spec.logFile) : spawnDetached(spec.executable, [...spec.args], spec.logFile);
  writeFileSync(spec.pidFile, `${pid}\n`);
  return { pid, started: true };
};

export const waitForExit = async (pids: readonly number[], timeoutMs: number): Promise<number[]> => {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isLive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter(isLive);
  }
  return alive;
};

/** SIGTERM (or `signal`), then SIGKILL after `graceMs`. Returns whether a process was running. */
export const stopPid = async (pid: number, graceMs = 10_000, signal: NodeJS.Signals = "SIGTERM"): Promise<boolean> => {
  if (!isLive(pid)) return false;
  try {
    process.kill(pid, signal);
  } catch {
    return false;
  }
  const left = await waitForExit([pid], graceMs);
  if (left.length > 0) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* exited meanwhile */
    }
    await waitForExit([pid], 2_000);
  }
  return true;
};

export const stopDaemon = async (pidFile: string, executable: string, graceMs = 10_000): Promise<boolean> => {
  const pid = runningPid(pidFile, executable);
  rmSync(pidFile, { force: true });
  return pid === undefined ? false : stopPid(pid, graceMs);
};

/** True when nothing listens on 127.0.0.1:port (the stack binds loopback only). */
export const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", () => resolvePromise(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolvePromise(true)));
  });

export interface StackProcess {
  readonly pid: number;
  readonly command: string;
}

const ancestors = (): Set<number> => {
  const mine = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !mine.has(pid)) {
    mine.add(pid);
    const stat = (() => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        return "";
      }
    })();
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1] ?? 0);
  }
  return mine;
};

// A command line naming the folder is only trusted for the stack's own programs, so an editor or
// `tail -f .titan/logs/...` of the developer is left alone.
const STACK_PROGRAMS = /(^|\/)(nginx|postgres|redis-server|prometheus[\w-]*|node|PM2)\b/;

/** Live processes that belong to the stack rooted at `root`, never this process or its ancestors. */
export const findStackProcesses = (root: string): StackProcess[] => {
  const marker = `${STACK_MEMBER_ENV}=${root}`;
  const mine = ancestors();
  const found: StackProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (mine.has(pid)) continue;
    const command = commandLine(pid);
    if (command === "" || !isLive(pid)) continue;
    const marked = environment(pid).includes(marker);
    const named = command.includes(`${root}/`) && STACK_PROGRAMS.test(command);
    if (marked || named) found.push({ pid, command });
  }
  return found;
};

/** Ends every process of the stack: SIGTERM, a grace period, then SIGKILL. Returns what it found. */
export const sweepStackProcesses = async (root: string, graceMs = 5_000): Promise<{ found: StackProcess[]; left: StackProcess[] }> => {
  const found = findStackProcesses(root);
  for (const p of found) {
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  const stubborn = await waitForExit(found.map((p) => p.pid), graceMs);
  for (const pid of stubborn) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  await waitForExit(stubborn, 2_000);
  return { found, left: findStackProcesses(root) };
};
