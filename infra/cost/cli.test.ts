// The command: --help, a pull-request run (base and head synth folders, as the PR workflow passes them)
// whose only change is the database instance class, a base given as a git revision (a real temporary
// worktree), and the loud failure on a resource it cannot price.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_DIR, synthStack } from "../synth/synth-stack.js";
import { main, type CliIo } from "./cli.js";

const scratch = mkdtempSync(join(tmpdir(), "titan-cost-cli-"));
const [base, head, out] = ["base", "head", "out"].map((d) => join(scratch, d)) as [string, string, string];

/** Runs the command in-process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { out: (t) => (stdout += t.endsWith("\n") ? t : `${t}\n`), err: (t) => (stderr += `${t}\n`), nowSeconds: () => 1_800_000_000 };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const writeSynth = (dir: string, stack: string, resources: unknown) => {
  mkdirSync(join(dir, stack), { recursive: true });
  writeFileSync(join(dir, stack, "resources.json"), JSON.stringify({ stack, resources }));
};

beforeAll(async () => {
  // The head of the "pull request": prod with db.m7g.large instead of db.m6g.large, nothing else.
  const changed = join(scratch, "changed-config");
  mkdirSync(changed);
  const config = readFileSync(join(REPO_DIR, "Pulumi.prod.yaml"), "utf8");
  expect(config).toContain("instanceClass: db.m6g.large");
  writeFileSync(join(changed, "Pulumi.prod.yaml"), config.replace("instanceClass: db.m6g.large", "instanceClass: db.m7g.large"));
  copyFileSync(join(REPO_DIR, "Pulumi.yaml"), join(changed, "Pulumi.yaml"));
  writeSynth(base, "prod", (await synthStack("prod")).resources);
  writeSynth(head, "prod", (await synthStack("prod", { repoDir: changed })).resources);
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run cost", () => {
  it("explains itself with --help", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const option of ["--stack", "--base", "--head", "--format", "--usage", "--observed", "--vpa", "--push", "--out"]) expect(stdout).toContain(option);
    expect(stdout).toContain("npm run cost -- --stack prod");
  });

  it("refuses bad arguments with exit 2", async () => {
    expect((await run(["--stack", "staging"])).code).toBe(2);
    expect((await run(["--format", "xml"])).code).toBe(2);
  });

  it("shows a pull request's changed instance class as the right delta, on the resources it changes and nowhere else", async () => {
    const { code, stdout, stderr } = await run(["--base", base, "--head", head, "--format", "markdown", "--out", out]);
    expect(code, stderr).toBe(0);
    // db.m6g.large 0.159 $/h → db.m7g.large 0.168 $/h: the Multi-AZ primary bills 2 instances, the replica 1.
    const primary = 2 * (0.168 - 0.159) * 730; // +13.14
    const standby = 1 * (0.168 - 0.159) * 730; // +6.57
    const json = await run(["--base", base, "--head", head, "--format", "json", "--out", out]);
    const delta = JSON.parse(json.stdout).deltas[0];
    expect(delta.stack).toBe("prod");
    expect(delta.deltaUsd).toBeCloseTo(primary + standby, 6);
    expect(delta.resources.map((r: { name: string; deltaUsd: number }) => [r.name, Number(r.deltaUsd.toFixed(2))])).toEqual([
      ["database-primary", 13.14],
      ["database-standby", 6.57],
    ]);
    expect(stdout).toContain("### prod: $1,");
    expect(stdout).toContain("(**+$19.71**)");
    expect(stdout).toMatch(/\| database-primary \| database \| changed \| \$\d[\d,.]* \| \$\d[\d,.]* \| \+\$13\.14 \|/);
    expect(stdout).toContain("db.m7g.large (Multi-AZ, 2 instances)");
    expect(readFileSync(join(out, "delta-prod.md"), "utf8")).toContain("+$19.71");
    expect(readFileSync(join(out, "prod.md"), "utf8")).toMatch(/^# Cost estimate: prod/);
  });

  it("prices a base without a synth of a stack as an unknown base, not as a free one", async () => {
    const empty = join(scratch, "empty-base");
    mkdirSync(empty);
    const { code, stdout } = await run(["--base", empty, "--head", head, "--format", "markdown", "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/### prod: new stack: \$1,/);
    expect(stdout).toContain(`> ${empty} has no prod synth: the delta is the whole head cost`);
  });

  it("checks out a git revision into a temporary worktree, synthesises it there, and removes the worktree", async () => {
    const worktrees = () => execFileSync("git", ["worktree", "list"], { cwd: REPO_DIR, encoding: "utf8" });
    const before = worktrees();
    const { code, stdout, stderr } = await run(["--stack", "dev", "--base", "HEAD", "--format", "json", "--out", out]);
    expect(code, stderr).toBe(0);
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_DIR, encoding: "utf8" }).trim();
    expect(stderr).toContain(`checking out HEAD (${sha.slice(0, 12)}) into a temporary worktree`);
    expect(stderr).toContain("synthesising dev at HEAD");
    const result = JSON.parse(stdout);
    expect(result.notes).toEqual([]);
    const delta = result.deltas[0];
    expect(delta.baseUsd).toBeGreaterThan(0);
    expect(delta.deltaUsd).toBeCloseTo(delta.headUsd - delta.baseUsd, 6);
    expect(worktrees()).toBe(before);
  }, 240_000);

  it("fails loudly, exit 1, naming the resource it cannot price", async () => {
    const resources = JSON.parse(readFileSync(join(head, "prod", "resources.json"), "utf8")).resources;
    const broken = join(scratch, "broken");
    writeSynth(broken, "prod", [...resources, { urn: "urn:pulumi:prod::titan::aws:sagemaker/endpoint:Endpoint::model", type: "aws:sagemaker/endpoint:Endpoint", name: "model", custom: true, inputs: {} }]);
    const { code, stderr } = await run(["--head", broken, "--out", out]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/prod: 1 resource cannot be priced/);
    expect(stderr).toContain("aws:sagemaker/endpoint:Endpoint model: no pricing rule and not listed as free");
  });

  it("runs as the npm script would (tsx infra/cost/cli.ts)", () => {
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const text = execFileSync(process.execPath, ["--import", "tsx", cli, "--head", head, "--out", out], { cwd: REPO_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(text).toMatch(/^prod: \$1,[\d,.]+ a month \(USD, us-east-1 on-demand prices, 730 h;/);
    expect(text).toContain("Per service: share of the node group");
    expect(text).toContain("Recommendations:");
  }, 60_000);
});
