// What can be checked of the Dockerfile without a Docker engine (there is none on the build machines):
// its instructions read as data, the build context after .dockerignore, and the entry point script's
// commands. Pure functions over text; tests/infra/dockerfile.test.ts holds the checks.

export interface Instruction {
  readonly keyword: string;
  /** The arguments, line continuations joined. */
  readonly args: string;
  /** 0-based index of the stage (FROM) it belongs to. */
  readonly stage: number;
}

export interface Stage {
  readonly index: number;
  readonly image: string;
  readonly name: string | undefined;
}

export interface ParsedDockerfile {
  readonly stages: readonly Stage[];
  readonly instructions: readonly Instruction[];
  /** ARG defaults declared before the first FROM. */
  readonly globalArgs: Readonly<Record<string, string>>;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = "";
  }
  if (pending !== "") throw new Error("Dockerfile ends inside a line continuation");
  const stages: Stage[] = [];
  const instructions: Instruction[] = [];
  const globalArgs: Record<string, string> = {};
  for (const line of logical) {
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`not a Dockerfile instruction: ${line}`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === "FROM") {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`FROM without an image: ${line}`);
      stages.push({ index: stages.length, image: from[1]!, name: from[2] });
    } else if (keyword === "ARG" && stages.length === 0) {
      const [name, value] = args.split("=", 2);
      globalArgs[name!.trim()] = (value ?? "").trim();
    }
    instructions.push({ keyword, args, stage: Math.max(0, stages.length - 1) });
  }
  return { stages, instructions, globalArgs };
}

export interface CopyInstruction {
  readonly keyword: "COPY" | "ADD";
  readonly stage: number;
  /** `--from=<stage>`, when it copies from another stage. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
  readonly flags: Readonly<Record<string, string>>;
}

export function copyInstructions(parsed: ParsedDockerfile): CopyInstruction[] {
  return parsed.instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD").map((i) => {
    const words = i.args.startsWith("[") ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/);
    const flags: Record<string, string> = {};
    while (words[0]?.startsWith("--")) {
      const [flag, value] = words.shift()!.slice(2).split("=", 2);
      flags[flag!] = value ?? "";
    }
    if (words.length < 2) throw new Error(`${i.keyword} needs a source and a destination: ${i.args}`);
    return { keyword: i.keyword as "COPY" | "ADD", stage: i.stage, from: flags.from, sources: words.slice(0, -1), destination: words[words.length - 1]!, flags };
  });
}

/** The last USER of the last stage: what the container runs as. */
export function finalUser(parsed: ParsedDockerfile): string | undefined {
  const last = parsed.stages.length - 1;
  return parsed.instructions.filter((i) => i.stage === last && i.keyword === "USER").pop()?.args;
}

const globToRegExp = (pattern: string): RegExp => {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
};

/**
 * Whether `path` (relative to the context root, `/`-separated) reaches the build context: the last
 * .dockerignore pattern matching it or one of its parents decides, `!` re-including.
 */
export function inBuildContext(path: string, dockerignore: string): boolean {
  const patterns = dockerignore.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")).map((l) => {
    const negate = l.startsWith("!");
    return { negate, re: globToRegExp((negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "")) };
  });
  const parts = path.replace(/^\.?\/+/, "").split("/");
  let included = true;
  for (let n = 1; n <= parts.length; n++) {
    const prefix = parts.slice(0, n).join("/");
    for (const p of patterns) if (p.re.test(prefix)) included = p.negate;
  }
  return included;
}

/** The entry point script's commands: `case` patterns and the program each one runs. */
export function entrypointCommands(script: string): Map<string, string> {
  const commands = new Map<string, string>();
  for (const m of script.matchAll(/^\s*([a-z|-]+)\)\s*program="([^"]+)"/gm)) {
    for (const name of m[1]!.split("|")) commands.set(name, m[2]!.replaceAll("${command}", name));
  }
  return commands;
}
