// Loading a spec from the environment and mounted secret files. Every problem is collected before
// failing, so an operator fixes a broken deployment in one pass, not one variable per restart.

import { readFileSync } from "node:fs";
import { configKey, isComputedDefault, type AnyVarSpec, type ConfigOf } from "./spec.js";

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `postgres://titan:hunter2@db/titan` → `postgres://titan:***@db/titan`: values may be echoed, passwords not. */
const maskUrlPassword = (text: string) => text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");

const quote = (value: string) => `'${maskUrlPassword(value).replace(/[\r\n]/g, " ").slice(0, 120)}'`;

/** An empty variable counts as unset, so `NAME=` lines copied from .env.example mean "use the default". */
const present = (value: string | undefined): string | undefined => (value === undefined || value === "" ? undefined : value);

type Raw = { ok: true; value: string | undefined } | { ok: false; problem: string };

function readRaw(spec: AnyVarSpec, env: Env): Raw {
  const fileVar = `${spec.name}_FILE`;
  const direct = present(env[spec.name]);
  const filePath = present(env[fileVar]);
  if (filePath === undefined) return { ok: true, value: direct };
  if (!spec.secret) return { ok: false, problem: `${fileVar}: ${spec.name} is not a secret and cannot be read from a file; set ${spec.name} instead` };
  if (direct !== undefined) return { ok: false, problem: `${spec.name}: both ${spec.name} and ${fileVar} are set; give only one` };
  let content: string;
  try {
    content = readFileSync(filePath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, problem: `${fileVar}: cannot read '${filePath}' (${code})` };
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  const value = content.replace(/[\r\n]+$/, "");
  if (value === "") return { ok: false, problem: `${fileVar}: '${filePath}' is empty` };
  return { ok: true, value };
}

/**
 * Loads and validates every variable of `spec` into an object keyed by camel-cased name without the
 * `TITAN_` prefix (`TITAN_HTTP_PORT` → `httpPort`); throws ConfigError listing all problems, one line each.
 */
export function loadConfig<const S extends readonly AnyVarSpec[]>(spec: S, env: Env = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const failed = new Set<string>();
  const loaded: Record<string, unknown> = {};
  for (const variable of spec) {
    const raw = readRaw(variable, env);
    if (!raw.ok) {
      problems.push(raw.problem);
      failed.add(variable.name);
      continue;
    }
    if (raw.value === undefined) {
      if (variable.default !== undefined) {
        loaded[variable.name] = isComputedDefault(variable.default) ? variable.default.compute(loaded) : variable.default;
      } else if (variable.required) {
        const alternative = variable.secret ? `, or ${variable.name}_FILE naming a file that holds it` : "";
        problems.push(`${variable.name}: is required but not set (${variable.expected}${alternative})`);
        failed.add(variable.name);
      } else {
        loaded[variable.name] = undefined;
      }
      continue;
    }
    const parsed = variable.parse(raw.value);
    if (parsed.ok) {
      loaded[variable.name] = parsed.value;
    } else {
      const got = variable.secret ? `a value of ${raw.value.length} characters` : quote(raw.value);
      problems.push(`${variable.name}: must be ${variable.expected}, got ${got}`);
      failed.add(variable.name);
    }
  }
  for (const variable of spec) {
    if (loaded[variable.name] === undefined || failed.has(variable.name)) continue;
    for (const other of variable.requires) {
      if (loaded[other] === undefined && !failed.has(other)) problems.push(`${variable.name}: is set, so ${other} must be set too`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.fromEntries(spec.map((variable) => [configKey(variable.name), loaded[variable.name]])) as ConfigOf<S>;
}

export type LineWriter = (line: string) => void;

export const writeToStderr: LineWriter = (line) => {
  process.stderr.write(`${line}\n`);
};

/** For a process's entry point: on bad configuration, print each problem on its own line and exit 1. */
export function loadConfigOrExit<const S extends readonly AnyVarSpec[]>(spec: S, env: Env = process.env, write: LineWriter = writeToStderr): ConfigOf<S> {
  try {
    return loadConfig(spec, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) write(problem);
    process.exit(1);
  }
}
