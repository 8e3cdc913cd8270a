// Where resource graphs come from: a synth of the working tree (in-process), a folder that `npm run
// synth` wrote (<dir>/<stack>/resources.json, as the PR workflow's build/synth-base and -head), or a
// git revision, checked out into a temporary worktree (node_modules linked) and synthesised there in a
// child process so its code, not ours, builds its graph.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StackName } from "../config.js";
import type { GraphResource } from "../synth/graph.js";

const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface StackGraph {
  readonly stack: string;
  readonly source: string;
  readonly resources: readonly GraphResource[];
}

export type Progress = (line: string) => void;

/** Synthesises the working tree's stack in this process. */
export async function synthGraph(stack: StackName): Promise<StackGraph> {
  const { synthStack } = await import("../synth/synth-stack.js");
  const result = await synthStack(stack);
  return { stack, source: "synth of the working tree", resources: result.resources };
}

/** `<dir>/<stack>/resources.json`; undefined when the folder has no such stack (a base without a synth). */
export function readSynthDir(dir: string, stack: string): StackGraph | undefined {
  const file = join(dir, stack, "resources.json");
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, "utf8")) as { resources?: unknown };
  if (!Array.isArray(data.resources)) throw new Error(`${file}: no resources array (write it with npm run synth)`);
  return { stack, source: file, resources: data.resources as GraphResource[] };
}

/** Stacks present in a synth folder. */
export const stacksInDir = (dir: string, candidates: readonly string[]): string[] => candidates.filter((s) => existsSync(join(dir, s, "resources.json")));

function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${code}:\n${(err || out).trim().slice(-2000)}`))));
  });
}

/**
 * Synthesises `stacks` at a git revision. A revision without the offline synth gives no stacks (its
 * cost is then unknown, not zero). The worktree is removed afterwards, whatever happens.
 */
export async function synthAtRef(ref: string, stacks: readonly string[], progress: Progress, repoDir: string = REPO_DIR): Promise<Map<string, StackGraph>> {
  const sha = (await run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], repoDir).catch(() => "")).trim();
  if (!sha) throw new Error(`--base ${ref}: not a git revision of ${repoDir} (and not a folder)`);
  const scratch = mkdtempSync(join(tmpdir(), "titan-cost-base-"));
  const tree = join(scratch, "tree");
  const out = join(scratch, "synth");
  progress(`checking out ${ref} (${sha.slice(0, 12)}) into a temporary worktree...`);
  await run("git", ["worktree", "add", "--detach", "--quiet", tree, sha], repoDir);
  try {
    symlinkSync(join(repoDir, "node_modules"), join(tree, "node_modules"), "dir");
    const graphs = new Map<string, StackGraph>();
    if (!existsSync(join(tree, "infra", "synth.ts"))) {
      progress(`${ref} has no infra/synth.ts: nothing to price at the base`);
      return graphs;
    }
    for (const stack of stacks) {
      progress(`synthesising ${stack} at ${ref}...`);
      await run(process.execPath, ["--import", "tsx", "infra/synth.ts", "--stack", stack, "--out", out], tree);
      const graph = readSynthDir(out, stack);
      if (graph) graphs.set(stack, { ...graph, source: `synth of ${ref} (${sha.slice(0, 12)})` });
    }
    return graphs;
  } finally {
    await run("git", ["worktree", "remove", "--force", tree], repoDir).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
    await run("git", ["worktree", "prune"], repoDir).catch(() => undefined);
  }
}
