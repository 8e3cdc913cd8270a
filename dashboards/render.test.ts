import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { buildDashboards } from "./index.js";
import { main } from "./render.js";

const scratch = mkdtempSync(join(tmpdir(), "titan-dashboards-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The command as a user runs it: a separate Node process through tsx. */
const render = (...args: string[]) => {
  const res = spawnSync(process.execPath, ["--import", "tsx", "dashboards/render.ts", ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
};

/** The command in this process, for the cases where a second Node start (about a second each) adds nothing. */
const renderHere = (...args: string[]) => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  const status = main(args);
  vi.restoreAllMocks();
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
};

afterEach(() => vi.restoreAllMocks());

const SPAWN_TIMEOUT_MS = 60_000;

const filesIn = (dir: string): Map<string, Buffer> => new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));

describe("dashboards/render.ts", () => {
  it("documents itself with --help", () => {
    const res = render("--help");
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Usage: .*render\.ts/);
    expect(res.stdout).toContain("--datasource-uid");
  }, SPAWN_TIMEOUT_MS);

  it("writes one <uid>.json per dashboard, byte-identical across two renders", () => {
    const [a, b] = [join(scratch, "a"), join(scratch, "b")];
    const first = render("--out", a);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("6 dashboards in");
    expect(render("--out", b).status).toBe(0);
    const [filesA, filesB] = [filesIn(a), filesIn(b)];
    expect([...filesA.keys()]).toEqual(buildDashboards().map((d) => `${d.uid}.json`).sort());
    expect(filesB).toEqual(filesA);
    for (const d of buildDashboards()) expect(JSON.parse(readFileSync(join(a, `${d.uid}.json`), "utf8"))).toEqual(d.json);
  }, SPAWN_TIMEOUT_MS);

  it("uses the datasource uid it is given", () => {
    const dir = join(scratch, "ds");
    expect(renderHere("--out", dir, "--datasource-uid", "prom-prod").status).toBe(0);
    const text = readFileSync(join(dir, "titan-overview.json"), "utf8");
    expect(text).toContain('"uid": "prom-prod"');
    expect(text).not.toContain("titan-prometheus");
  });

  it("with --check, passes on a fresh render and fails on a changed, missing or stale file", () => {
    const dir = join(scratch, "check");
    expect(renderHere("--out", dir).status).toBe(0);
    expect(renderHere("--out", dir, "--check").status).toBe(0);
    writeFileSync(join(dir, "titan-brain.json"), "{}\n");
    rmSync(join(dir, "titan-trading.json"));
    writeFileSync(join(dir, "titan-retired.json"), "{}\n");
    const res = renderHere("--out", dir, "--check");
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("titan-brain.json: differs");
    expect(res.stderr).toContain("titan-trading.json: missing");
    expect(res.stderr).toContain("titan-retired.json: no dashboard of that uid any more");
    const rewrite = renderHere("--out", dir);
    expect(rewrite.status).toBe(0);
    expect(rewrite.stdout).toContain("removed");
    expect(existsSync(join(dir, "titan-retired.json"))).toBe(false);
    expect(renderHere("--out", dir, "--check").status).toBe(0);
  });

  it("refuses unknown options and a malformed datasource uid with a clear message", () => {
    const unknown = renderHere("--outdir", scratch);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--outdir'");
    const bad = renderHere("--out", join(scratch, "bad"), "--datasource-uid", "no spaces please");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("datasource uid");
  });
});
