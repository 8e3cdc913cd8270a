// Runs a bench child script in a fresh Node process (tsx loader) and reads the one JSON line it prints.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_DIR } from "../../scripts/stack/state.js";

export interface ChildRun<T> {
  readonly result: T;
  /** Wall time of the whole process, spawn to exit (Node and tsx start-up included). */
  readonly wallSeconds: number;
}

/** `pinToOneCore` runs it under `taskset -c 0` (when taskset exists): "on one core" made literal. */
export const runChild = <T>(script: string, args: readonly string[], opts: { pinToOneCore?: boolean; timeoutMs: number }): Promise<ChildRun<T>> =>
  new Promise((resolve, reject) => {
    const node = [process.execPath, "--import", "tsx", join(REPO_DIR, "bench", "children", script), ...args];
    const pin = opts.pinToOneCore === true && existsSync("/usr/bin/taskset");
    const [cmd, ...rest] = pin ? ["/usr/bin/taskset", "-c", "0", ...node] : node;
    const started = performance.now();
    const child = spawn(cmd as string, rest, { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
      if (code !== 0 || line === undefined) {
        const why = signal === "SIGKILL" ? `killed after ${opts.timeoutMs / 1000} s` : `exit ${code}`;
        reject(new Error(`bench/children/${script} failed (${why}): ${(stderr || stdout).trim().split("\n").slice(-5).join(" | ")}`));
        return;
      }
      try {
        resolve({ result: JSON.parse(line) as T, wallSeconds });
      } catch (err) {
        reject(new Error(`bench/children/${script} printed no JSON: ${(err as Error).message}`));
      }
    });
  });
