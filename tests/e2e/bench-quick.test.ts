// `npm run bench -- --quick` against a stack of its own (scratch state folder, ports offset, so it never
// meets a developer's stack): every path runs end to end and reports a figure (the console's through a
// viewer the bench enrolls); no time is asserted, only that
// each path works and that results.json holds what the table printed.
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { benchBrainParametersEnv } from "../../bench/lib/brain-parameters.js";
import type { BenchRun } from "../../bench/lib/results.js";
import { freeOffset } from "../../bench/lib/stack.js";
import { REPO_DIR } from "../../scripts/stack/state.js";
import { runCommand } from "../support/child-process.js";

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");
let parent: string;
let env: NodeJS.ProcessEnv;
let up: { code: number; output: string };
const startedMs = Date.now();
const log = (line: string): void => void process.stdout.write(`[bench-quick ${((Date.now() - startedMs) / 1000).toFixed(0)} s] ${line}\n`);

const run = (cmd: string, args: string[], timeoutMs: number) => runCommand(cmd, args, env, timeoutMs);

beforeAll(async () => {
  parent = mkdtempSync(join(inject("scratchDir"), "bench-quick-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  const offset = await freeOffset([8700, 9000, -1600, -1900]);
  env = { ...process.env, ...benchBrainParametersEnv(parent), TITAN_STACK_DIR: join(parent, ".titan"), TITAN_STACK_PORT_OFFSET: String(offset), TITAN_STATE_DIR: join(parent, ".titan") };
  // The stack runs the compiled services; TITAN_E2E_SKIP_BUILD=1 reuses a build made just before.
  if (process.env.TITAN_E2E_SKIP_BUILD !== "1") {
    const build = await run("npm", ["run", "build"], 600_000);
    expect(build.code, build.output).toBe(0);
  }
  // Its exit code also reflects the ai-quant job's run; the bench checks the services it measures itself.
  up = await run(TSX, ["scripts/stack.ts", "up", "--timeout", "180"], 300_000);
  log(`stack up (exit ${up.code}) in ${parent}, ports offset by ${offset}`);
}, 900_000);

afterAll(async () => {
  if (parent) await run(TSX, ["scripts/stack.ts", "down"], 180_000);
}, 240_000);

describe("npm run bench -- --quick", () => {
  it("runs every path end to end, reports each with a figure, and writes results.json", async () => {
    const out = join(parent, "bench");
    // The stack is fresh and the test's own: the bench enrolls its first admin to invite the viewer it measures with.
    const bench = await run(TSX, ["bench/run.ts", "--quick", "--console-first-admin", "--out", out], 300_000);
    process.stdout.write(bench.output);
    expect(bench.code, `${up.output}\n${bench.output}`).toBe(0);
    expect(bench.output).toMatch(/load average \(1\/5\/15 min\) at start/);

    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as BenchRun;
    expect(results.mode).toBe("quick");
    const byPath = (path: string) => results.rows.filter((r) => r.path === path);
    expect(results.rows.filter((r) => r.status === "failed")).toEqual([]);

    const [signal] = byPath("signal");
    expect(signal?.status).toBe("measured");
    expect(signal?.latency?.count).toBeGreaterThan(0);
    expect(signal?.latency?.p99Seconds).toBeGreaterThanOrEqual(signal?.latency?.p50Seconds ?? Number.NaN);

    const [db, inside] = byPath("db");
    expect(db?.latency?.count).toBeGreaterThan(0);
    expect(db?.latency?.meanSeconds).toBeGreaterThan(0);
    // The bench's own stack is new, so its PostgreSQL preloads pg_stat_statements: the server-side figure is there.
    expect(inside?.id).toMatch(/^db-server:/);
    expect(inside?.value).toBeGreaterThan(0);

    const idle = byPath("memory").filter((r) => r.id.endsWith(":idle")).map((r) => r.id.split(":")[1]);
    expect(idle).toEqual(expect.arrayContaining(["brain", "execution", "console", "scavenger"]));
    for (const r of byPath("memory")) expect(r.value).toBeGreaterThan(0);

    expect(byPath("replay")[0]?.value).toBeGreaterThan(0);
    expect(byPath("synth")[0]?.value).toBeGreaterThan(0);
    // The console's fan-out, through a viewer's real session: every client read every bench event.
    const [consoleRow] = byPath("console");
    expect(consoleRow?.status).toBe("measured");
    expect(consoleRow?.details?.deliveries).toBe(consoleRow?.details?.expectedDeliveries);
    // Quick mode passes no verdict on times.
    expect(results.rows.flatMap((r) => r.targets)).toEqual([]);
  }, 300_000);
});
