// Daemons started through pid files, and the sweep that finds every process of a stack by its marker.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { ensureDaemon, findStackProcesses, isLive, isPortFree, runningPid, STACK_MEMBER_ENV, stopDaemon, sweepStackProcesses } from "../../../scripts/stack/processes.js";
import { createServer } from "node:net";

const withMarker = <T>(root: string, run: () => T): T => {
  const before = process.env[STACK_MEMBER_ENV];
  process.env[STACK_MEMBER_ENV] = root;
  try {
    return run();
  } finally {
    if (before === undefined) delete process.env[STACK_MEMBER_ENV];
    else process.env[STACK_MEMBER_ENV] = before;
  }
};

describe("stack processes", () => {
  it("start once per pid file, and stop", async () => {
    const root = mkdtempSync(join(inject("scratchDir"), "stack-proc-"));
    const spec = { name: "sleeper", executable: "sleep", args: ["300"], pidFile: join(root, "sleeper.pid"), logFile: join(root, "sleeper.log") };
    const first = withMarker(root, () => ensureDaemon(spec));
    expect(first.started).toBe(true);
    expect(withMarker(root, () => ensureDaemon(spec))).toEqual({ pid: first.pid, started: false });
    expect(runningPid(spec.pidFile, "sleep")).toBe(first.pid);
    expect(runningPid(spec.pidFile, "prometheus")).toBeUndefined(); // a reused pid running something else is not ours
    expect(await stopDaemon(spec.pidFile, "sleep", 2_000)).toBe(true);
    expect(isLive(first.pid)).toBe(false);
    expect(await stopDaemon(spec.pidFile, "sleep", 2_000)).toBe(false);
  });

  it("are all found through the stack marker and swept, leaving other stacks alone", async () => {
    const root = mkdtempSync(join(inject("scratchDir"), "stack-proc-"));
    const other = mkdtempSync(join(inject("scratchDir"), "stack-proc-"));
    const mine = withMarker(root, () => ensureDaemon({ name: "a", executable: "sleep", args: ["300"], pidFile: join(root, "a.pid"), logFile: join(root, "a.log") }));
    const envPassed = withMarker(root, () => ensureDaemon({ name: "b", executable: "sleep", args: ["301"], env: { EXTRA: "1" }, pidFile: join(root, "b.pid"), logFile: join(root, "b.log") }));
    const theirs = withMarker(other, () => ensureDaemon({ name: "c", executable: "sleep", args: ["302"], pidFile: join(other, "c.pid"), logFile: join(other, "c.log") }));
    expect(findStackProcesses(root).map((p) => p.pid).sort()).toEqual([mine.pid, envPassed.pid].sort());

    const { found, left } = await sweepStackProcesses(root, 2_000);
    expect(found).toHaveLength(2);
    expect(left).toEqual([]);
    expect(isLive(mine.pid) || isLive(envPassed.pid)).toBe(false);
    expect(isLive(theirs.pid)).toBe(true);
    await sweepStackProcesses(other, 2_000);
    expect(isLive(theirs.pid)).toBe(false);
  });

  it("tell a taken port from a free one", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    expect(await isPortFree(port)).toBe(false);
    await new Promise<void>((r) => server.close(() => r()));
    expect(await isPortFree(port)).toBe(true);
  });
});
