// CPU time per process group, from /proc: what each signal costs the machine, service by service. A
// latency on a saturated two-core machine is mostly queueing, so the CPU spent per signal is the steadier
// figure to optimise against. PostgreSQL's backends come and go with the pools, so its group is the
// postmaster's own time, its reaped children's (cutime/cstime) and its live children's.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux for every architecture we run on). */
const TICKS_PER_SECOND = 100;

interface ProcTimes {
  readonly ppid: number;
  /** utime + stime, seconds. */
  readonly ownSeconds: number;
  /** cutime + cstime (waited-for children), seconds. */
  readonly childrenSeconds: number;
  /** When the process started, seconds after boot (compare with /proc/uptime). */
  readonly startedAfterBootSeconds: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ")". */
export const parseProcStat = (text: string): ProcTimes => {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const n = (i: number): number => Number(fields[i] ?? 0);
  return { ppid: n(1), ownSeconds: (n(11) + n(12)) / TICKS_PER_SECOND, childrenSeconds: (n(13) + n(14)) / TICKS_PER_SECOND, startedAfterBootSeconds: n(19) / TICKS_PER_SECOND };
};

export const procTimes = (pid: number): ProcTimes | undefined => {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined; // gone
  }
};

/** Busy seconds of the whole machine (every CPU; idle and iowait excluded), from the first line of /proc/stat. */
export const parseMachineBusySeconds = (procStat: string): number => {
  const [, ...ticks] = (procStat.split("\n")[0] ?? "").trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
};

export interface CpuTargets {
  /** Group name → the process whose own time counts (a service under PM2, Redis). */
  readonly processes: ReadonlyMap<string, number>;
  /** Group name → a parent whose own, reaped and live children's time count (PostgreSQL's postmaster). */
  readonly trees: ReadonlyMap<string, number>;
}

export interface CpuSnapshot {
  readonly groups: ReadonlyMap<string, number>;
  readonly machineBusySeconds: number;
  readonly atMs: number;
}

export const takeCpuSnapshot = (targets: CpuTargets, nowMs: number = Date.now()): CpuSnapshot => {
  const groups = new Map<string, number>();
  for (const [name, pid] of targets.processes) {
    const t = procTimes(pid);
    if (t) groups.set(name, t.ownSeconds);
  }
  if (targets.trees.size > 0) {
    const children = new Map<number, number>(); // ppid → live children's own seconds
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const t = procTimes(Number(entry));
      if (t) children.set(t.ppid, (children.get(t.ppid) ?? 0) + t.ownSeconds);
    }
    for (const [name, pid] of targets.trees) {
      const t = procTimes(pid);
      if (t) groups.set(name, t.ownSeconds + t.childrenSeconds + (children.get(pid) ?? 0));
    }
  }
  const bench = process.cpuUsage();
  groups.set("bench", (bench.user + bench.system) / 1e6);
  return { groups, machineBusySeconds: parseMachineBusySeconds(readFileSync("/proc/stat", "utf8")), atMs: nowMs };
};

export interface CpuUse {
  /** Group → CPU milliseconds per unit of work (a signal), largest first. */
  readonly msPerUnit: ReadonlyArray<readonly [string, number]>;
  /** Everything the machine did per unit, these groups and all else. */
  readonly machineMsPerUnit: number;
  /** Share of all CPUs busy over the interval, 0..1. */
  readonly machineBusyShare: number;
}

export const cpuUse = (before: CpuSnapshot, after: CpuSnapshot, units: number, cpus: number): CpuUse => {
  const per = (seconds: number): number => (seconds * 1000) / Math.max(1, units);
  const msPerUnit = [...after.groups]
    .filter(([name]) => before.groups.has(name))
    .map(([name, s]) => [name, per(Math.max(0, s - (before.groups.get(name) ?? 0)))] as const)
    .sort((a, b) => b[1] - a[1]);
  const busy = Math.max(0, after.machineBusySeconds - before.machineBusySeconds);
  const wallSeconds = Math.max(1e-3, (after.atMs - before.atMs) / 1000);
  return { msPerUnit, machineMsPerUnit: per(busy), machineBusyShare: Math.min(1, busy / (wallSeconds * cpus)) };
};

export const formatCpuUse = (use: CpuUse): string =>
  `CPU per signal: ${use.msPerUnit.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(", ")}; ` +
  `the whole machine ${use.machineMsPerUnit.toFixed(2)} ms (all CPUs ${(use.machineBusyShare * 100).toFixed(0)} % busy)`;

/** Bars of CPU milliseconds per signal by process, for the terminal: where a signal's cost goes at a glance. */
export const renderCpuBars = (title: string, use: CpuUse, widthChars = 50): string => {
  const peak = Math.max(1e-9, ...use.msPerUnit.map(([, ms]) => ms));
  const nameWidth = Math.max(...use.msPerUnit.map(([name]) => name.length), 0);
  const lines = use.msPerUnit
    .filter(([, ms]) => ms >= 0.005)
    .map(([name, ms]) => `  ${name.padStart(nameWidth)} ${"█".repeat(Math.max(1, Math.round((ms / peak) * widthChars)))} ${ms.toFixed(2)} ms`);
  return [`${title}: CPU per signal (the whole machine ${use.machineMsPerUnit.toFixed(2)} ms, all CPUs ${(use.machineBusyShare * 100).toFixed(0)} % busy)`, ...lines].join("\n");
};
