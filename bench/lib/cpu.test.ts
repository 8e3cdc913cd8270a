import { describe, expect, it } from "vitest";
import { cpuUse, parseMachineBusySeconds, parseProcStat, renderCpuBars, takeCpuSnapshot } from "./cpu.js";

describe("CPU accounting from /proc", () => {
  it("reads a stat line whose command name holds spaces and parentheses", () => {
    const line = "4242 (postgres: titan (x) idle) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 1 0 100 225000000 8000";
    expect(parseProcStat(line)).toEqual({ ppid: 17, ownSeconds: 3, childrenSeconds: 0.5, startedAfterBootSeconds: 1 });
  });

  it("counts every CPU's busy ticks except idle and iowait", () => {
    const stat = "cpu  1000 10 300 5000 200 5 15 0 0 0\ncpu0 500 5 150 2500 100 3 8 0 0 0\n";
    expect(parseMachineBusySeconds(stat)).toBeCloseTo(13.3, 6);
  });

  it("divides each group's CPU time by the units of work and ranks them", () => {
    const before = { groups: new Map([["brain", 1], ["postgres", 2], ["bench", 0.5]]), machineBusySeconds: 10, atMs: 0 };
    const after = { groups: new Map([["brain", 1.4], ["postgres", 2.7], ["bench", 0.6], ["new", 9]]), machineBusySeconds: 11.6, atMs: 1_000 };
    const use = cpuUse(before, after, 100, 2);
    expect(use.msPerUnit.map(([n, ms]) => [n, Number(ms.toFixed(3))])).toEqual([["postgres", 7], ["brain", 4], ["bench", 1]]);
    expect(use.machineMsPerUnit).toBeCloseTo(16, 6);
    expect(use.machineBusyShare).toBeCloseTo(0.8, 6);
  });

  it("measures this process's own time", () => {
    const target = { processes: new Map([["self", process.pid]]), trees: new Map([["self-tree", process.ppid]]) };
    const before = takeCpuSnapshot(target, 0);
    const end = Date.now() + 150;
    let spin = 0;
    while (Date.now() < end) spin += Math.sqrt(spin + 1);
    const after = takeCpuSnapshot(target, 150);
    expect(spin).toBeGreaterThan(0);
    expect((after.groups.get("bench") ?? 0) - (before.groups.get("bench") ?? 0)).toBeGreaterThan(0.05);
    expect(after.groups.has("self")).toBe(true);
    expect(after.groups.has("self-tree")).toBe(true);
  });

  it("draws one bar per process, the largest full width", () => {
    const text = renderCpuBars("100/s", { msPerUnit: [["postgres", 7], ["brain", 3.5], ["backup", 0.001]], machineMsPerUnit: 12, machineBusyShare: 0.6 }, 10);
    expect(text.split("\n")).toEqual([
      "100/s: CPU per signal (the whole machine 12.00 ms, all CPUs 60 % busy)",
      "  postgres ██████████ 7.00 ms",
      "     brain █████ 3.50 ms",
    ]);
  });
});
