// Path 6: resident memory of each service under PM2 (VmRSS from /proc/<pid>/status), idle before any
// load and the highest seen while the signal load runs (sampled every 250 ms).
import { readFileSync } from "node:fs";
import type { BenchStack } from "../lib/stack.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";

const KIB_PER_MIB = 1024;

/** VmRSS in MiB, or undefined when the process is gone. */
export const residentMiB = (pid: number): number | undefined => {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / KIB_PER_MIB : undefined;
  } catch {
    return undefined;
  }
};

/** Service name → RSS of its PM2 process now (services that are not running are left out). */
export const sampleServices = (stack: BenchStack): Map<string, number> => {
  const out = new Map<string, number>();
  for (const p of stack.pm2()) {
    if (p.status !== "online" || !(p.pid > 0)) continue;
    const rss = residentMiB(p.pid);
    if (rss !== undefined) out.set(p.name, rss);
  }
  return out;
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

export const memoryRows = (idle: ReadonlyMap<string, number>, loaded: ReadonlyMap<string, number> | undefined, quick: boolean): ResultRow[] => {
  if (idle.size === 0) return [{ id: "memory", path: "memory", title: "resident memory", status: "failed", unit: "MiB", targets: [], notes: ["no service process found under the stack's PM2"] }];
  const rows: ResultRow[] = [];
  for (const [service, mib] of [...idle].sort()) {
    rows.push({ id: `memory:${service}:idle`, path: "memory", title: `${service} RSS, idle`, status: "measured", unit: "MiB", value: mib, targets: quick ? [] : judge({ value: mib }, TARGETS.idleMemory), notes: [] });
    const peak = loaded?.get(service);
    if (peak !== undefined) {
      rows.push({ id: `memory:${service}:load`, path: "memory", title: `${service} RSS, peak under the signal load`, status: "measured", unit: "MiB", value: peak, targets: quick ? [] : judge({ value: peak }, TARGETS.loadedMemory(service)), notes: [] });
    }
  }
  return rows;
};
