// A service or test role run as a child Node process (crash tests SIGKILL it at fault points): its exit,
// the tail of what it wrote (for failure messages), a graceful stop, and a sweep for leftovers.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TestChild {
  readonly process: ChildProcess;
  readonly exited: Promise<ChildExit>;
  /** The last 20,000 characters the child wrote. */
  output(): string;
  /** SIGTERM (graceful stop) and wait for the exit. */
  terminate(): Promise<ChildExit>;
}

const OUTPUT_TAIL_CHARS = 20_000;
const running = new Set<ChildProcess>();

/** Runs a TypeScript file (path relative to the repository) under tsx with exactly `env`. */
export const spawnTsChild = (script: string, args: readonly string[], env: NodeJS.ProcessEnv): TestChild => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<ChildExit>((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    exited,
    output: () => output,
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
};

/** Kills children a failed test left behind (call it in each test file's afterAll). */
export const killLeftoverChildren = (): void => {
  for (const child of running) child.kill("SIGKILL");
};

export interface CommandResult {
  readonly code: number;
  /** Everything it wrote, stdout and stderr interleaved as they came. */
  readonly output: string;
}

/** Runs a command in the repository to its end (SIGKILLed past `timeoutMs`), with exactly `env`. */
export const runCommand = (cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
