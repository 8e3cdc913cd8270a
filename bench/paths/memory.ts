// Path 6: resident memory of each service under PM2 (VmRSS from /proc/<pid>/status): idle once settled,
// the startup peak, and the highest seen while the signal load runs (sampled every 250 ms).
//
// Idle means at rest, not just started. A service that has just filled in hours of history (execution)
// or loaded its state has promoted that work's garbage to V8's old space; the memory reducer gives it
// back once allocation has been quiet for about 8 s. Sampled sooner, "idle" is a startup transient
// (execution: ~150 MiB two seconds after ready, ~100 MiB at rest), so the sample waits until each
// process is old enough and its RSS has held steady; the transient is reported as the startup peak.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { procTimes } from "../lib/cpu.js";
import type { BenchStack } from "../lib/stack.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";
import { percentileOfSorted } from "../lib/stats.js";

const KIB_PER_MIB = 1024;

const statusMiB = (pid: number, field: "VmRSS" | "VmHWM"): number | undefined => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / KIB_PER_MIB : undefined;
  } catch {
    return undefined;
  }
};

/** VmRSS in MiB, or undefined when the process is gone. */
export const residentMiB = (pid: number): number | undefined => statusMiB(pid, "VmRSS");

/** VmHWM (the highest RSS since the process started) in MiB. */
export const residentPeakMiB = (pid: number): number | undefined => statusMiB(pid, "VmHWM");

const medianOfSorted = (sorted: readonly number[]): number => percentileOfSorted(sorted, 0.5);

const processAgeSeconds = (pid: number): number | undefined => {
  const started = procTimes(pid)?.startedAfterBootSeconds;
  if (started === undefined) return undefined;
  return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) - started;
};

export interface IdleMemory {
  /** Service → RSS at rest, MiB. */
  readonly idle: Map<string, number>;
  /** Service → highest RSS since it started (before any load), MiB. */
  readonly startupPeak: Map<string, number>;
  readonly waitedSeconds: number;
  /** Services whose RSS still moved when the wait ran out. */
  readonly unsettled: string[];
}

export interface SettleOptions {
  /** A process younger than this is still starting (history, state, first GCs). */
  readonly minAgeSeconds: number;
  /** RSS must stay within `tolerance` (a fraction of its median) over this many one-second samples. */
  readonly steadySamples: number;
  readonly tolerance: number;
  readonly maxWaitSeconds: number;
  readonly log?: (line: string) => void;
}

// Execution's live feed keeps allocating, so its RSS wanders by a few MiB at rest: 5 % is steady.
export const IDLE_SETTLE: SettleOptions = { minAgeSeconds: 30, steadySamples: 5, tolerance: 0.05, maxWaitSeconds: 90 };

/**
 * Waits until every service is at rest (old enough, RSS steady), then gives each one's RSS (the median
 * of the steady samples) and its startup peak. A stack that has been up a while settles in
 * `steadySamples` seconds.
 */
export const settleIdle = async (stack: BenchStack, options: SettleOptions = IDLE_SETTLE): Promise<IdleMemory> => {
  // A job that ends meanwhile (ai-quant's run at start) is no longer a service at rest: it drops out.
  let pids = stack.pm2().filter((p) => p.status === "online" && p.pid > 0);
  const history = new Map<string, number[]>(pids.map((p) => [p.name, []]));
  const startedMs = Date.now();
  /** The last `steadySamples` samples of a service, ascending. */
  const recentOf = (name: string): number[] => (history.get(name) ?? []).slice(-options.steadySamples).sort((a, b) => a - b);
  const steady = (name: string, pid: number): boolean => {
    const recent = recentOf(name);
    const age = processAgeSeconds(pid);
    return age !== undefined && age >= options.minAgeSeconds && recent.length === options.steadySamples && recent.at(-1)! - recent[0]! <= options.tolerance * medianOfSorted(recent);
  };
  let lastLogMs = 0;
  for (;;) {
    pids = pids.filter(({ name, pid }) => {
      const rss = residentMiB(pid);
      if (rss !== undefined) history.get(name)!.push(rss);
      return rss !== undefined;
    });
    const waitedSeconds = (Date.now() - startedMs) / 1_000;
    const moving = pids.filter((p) => !steady(p.name, p.pid)).map((p) => p.name);
    if (moving.length === 0 || waitedSeconds >= options.maxWaitSeconds) {
      const idle = new Map<string, number>();
      const startupPeak = new Map<string, number>();
      for (const { name, pid } of pids) {
        const recent = recentOf(name);
        if (recent.length > 0) idle.set(name, medianOfSorted(recent));
        const peak = residentPeakMiB(pid);
        if (peak !== undefined) startupPeak.set(name, peak);
      }
      return { idle, startupPeak, waitedSeconds, unsettled: moving };
    }
    if (Date.now() - lastLogMs >= 10_000) {
      options.log?.(`waiting for the services to settle (${waitedSeconds.toFixed(0)} s): ${moving.join(", ")}`);
      lastLogMs = Date.now();
    }
    await sleep(1_000);
  }
};

/** Highest RSS per service over the sampling period. */
export class PeakSampler {
  private readonly peaks = new Map<string, number>();
  private pids: Array<{ name: string; pid: number }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly stack: BenchStack) {}

  start(intervalMs = 250): void {
    this.pids = this.stack.pm2().filter((p) => p.status === "online" && p.pid > 0).map((p) => ({ name: p.name, pid: p.pid }));
    const tick = (): void => {
      for (const { name, pid } of this.pids) {
        const rss = residentMiB(pid);
        if (rss !== undefined) this.peaks.set(name, Math.max(rss, this.peaks.get(name) ?? 0));
      }
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): Map<string, number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return new Map(this.peaks);
  }
}

export const memoryRows = (measured: IdleMemory, loaded: ReadonlyMap<string, number> | undefined, quick: boolean): ResultRow[] => {
  const { idle } = measured;
  if (idle.size === 0) return [{ id: "memory", path: "memory", title: "resident memory", status: "failed", unit: "MiB", targets: [], notes: ["no service process found under the stack's PM2"] }];
  const rows: ResultRow[] = [];
  for (const [service, mib] of [...idle].sort()) {
    const notes = measured.unsettled.includes(service) ? [`still moving after ${measured.waitedSeconds.toFixed(0)} s: the last samples' median`] : [];
    rows.push({ id: `memory:${service}:idle`, path: "memory", title: `${service} RSS, idle`, status: "measured", unit: "MiB", value: mib, targets: quick ? [] : judge({ value: mib }, TARGETS.idleMemory), notes });
    const startupPeak = measured.startupPeak.get(service);
    if (startupPeak !== undefined) {
      rows.push({ id: `memory:${service}:startup`, path: "memory", title: `${service} RSS, startup peak`, status: "measured", unit: "MiB", value: startupPeak, targets: quick ? [] : judge({ value: startupPeak }, TARGETS.loadedMemory(service)), notes: [] });
    }
    const peak = loaded?.get(service);
    if (peak !== undefined) {
      rows.push({ id: `memory:${service}:load`, path: "memory", title: `${service} RSS, peak under the signal load`, status: "measured", unit: "MiB", value: peak, targets: quick ? [] : judge({ value: peak }, TARGETS.loadedMemory(service)), notes: [] });
    }
  }
  return rows;
};
