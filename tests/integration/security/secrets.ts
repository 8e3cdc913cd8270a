// Known secret values for the scan, and the search for them in text: each value whole, and its first
// sixteen characters (a truncated leak is still a leak).
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { repoRoot } from "../../support/child-process.js";

/** A secret that cannot occur by chance: a recognisable prefix and 24 random hex digits. */
export const knownSecret = (label: string): string => `${label}${randomBytes(12).toString("hex")}`;

export interface Leak {
  readonly secret: string;
  readonly where: string;
  /** The text around it, with the secret itself shown as «…» so the report does not leak it further. */
  readonly context: string;
}

const PREFIX_CHARS = 16;

/** Every place in `text` where one of `secrets` (by name) appears, whole or by its first characters. */
export const findLeaks = (where: string, text: string, secrets: Readonly<Record<string, string>>): Leak[] => {
  const leaks: Leak[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const needle = value.length > PREFIX_CHARS ? value.slice(0, PREFIX_CHARS) : value;
    let at = text.indexOf(needle);
    while (at >= 0) {
      const context = text.slice(Math.max(0, at - 80), at + value.length + 80).split(value).join("«…»").split(needle).join("«…»");
      leaks.push({ secret: name, where, context });
      at = text.indexOf(needle, at + needle.length);
    }
  }
  return leaks;
};

export interface CapturedChild {
  /** Everything written to stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<number | null>;
  terminate(): Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** A TypeScript entry point run under tsx with exactly `env`, all of its output kept (a scan needs every line). */
export const spawnCaptured = (script: string, args: readonly string[], env: NodeJS.ProcessEnv): CapturedChild => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const chunks: string[] = [];
  child.stdout.on("data", (d: Buffer) => chunks.push(d.toString()));
  child.stderr.on("data", (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const output = (): string => chunks.join("");
  return {
    output,
    exited,
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    waitFor: async (pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output().match(pattern);
        if (match) return match;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${script}: no ${pattern} in its output (exit ${child.exitCode}):\n${output().slice(-3_000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
};
