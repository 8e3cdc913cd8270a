// titanctl's command tree as its help shows it (commander's format): the runbook test checks every
// command a runbook shows against it. The CLI parses argv when imported, so the tree is read by
// running `titanctl <path> --help`.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
const TITANCTL = join(REPO_DIR, "bin", "titanctl.mjs");

export interface CliOption {
  readonly flags: string[];
  /** Whether the option takes a value (`--reason <text>`). */
  readonly takesValue: boolean;
}

export interface CliCommand {
  readonly path: string[];
  readonly options: CliOption[];
  /** Positional arguments from the usage line (`<version>`, `[file]`). */
  readonly args: string[];
  readonly subcommands: Map<string, CliCommand>;
}

export interface ParsedHelp {
  readonly usageArgs: string[];
  readonly options: CliOption[];
  readonly commands: string[];
}

/** Reads one commander help text: usage arguments, options, subcommand names (`help` left out). */
export const parseHelp = (text: string): ParsedHelp => {
  const lines = text.split("\n");
  const usage = lines.find((l) => l.startsWith("Usage: "));
  if (!usage) throw new Error(`not a commander help text:\n${text}`);
  const usageArgs = usage.replace(/^Usage: /, "").split(/\s+/).filter((w) => /^[<[]/.test(w) && w !== "[options]" && w !== "[command]");
  const section = (title: string): string[] => {
    const start = lines.indexOf(`${title}:`);
    if (start < 0) return [];
    const out: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (line.trim() === "") break;
      if (/^ {2}\S/.test(line)) out.push(line.trim()); // continuation lines are indented further
    }
    return out;
  };
  const options = section("Options").map((line) => {
    const spec = line.split(/\s{2,}/)[0]!;
    return { flags: spec.split(/,\s*|\s+/).filter((w) => w.startsWith("-")), takesValue: /[<[]/.test(spec) };
  });
  const commands = section("Commands").map((line) => line.split(/\s+/)[0]!).filter((c) => c !== "help");
  return { usageArgs, options, commands };
};

const helpOf = async (path: string[]): Promise<string> => {
  const { stdout } = await run(process.execPath, [TITANCTL, ...path, "--help"], { cwd: REPO_DIR, timeout: 30_000 });
  return stdout;
};

/** The whole tree, read from the CLI itself. */
export const readTitanctlTree = async (path: string[] = []): Promise<CliCommand> => {
  const help = parseHelp(await helpOf(path));
  const children = await Promise.all(help.commands.map((c) => readTitanctlTree([...path, c])));
  return { path, options: help.options, args: help.usageArgs, subcommands: new Map(children.map((c) => [c.path.at(-1)!, c])) };
};

const SEPARATORS = new Set(["|", "||", "&&", ";", ">", ">>", "2>&1", "&"]);

/**
 * The words of a shell command line, honouring single and double quotes and keeping a `<placeholder
 * with spaces>` whole; stops at a shell separator, a redirection or a comment.
 */
export const shellWords = (line: string): string[] => {
  const words: string[] = [];
  const re = /(<[^>]*>)|"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s;|&>]+|[;|&>]+|2>&1)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const bare = m[4];
    if (bare !== undefined && (SEPARATORS.has(bare) || /^[;|&>]/.test(bare) || bare.startsWith("#"))) break;
    words.push(m[1] ?? m[2] ?? m[3] ?? bare!);
  }
  return words;
};

const isPlaceholder = (word: string): boolean => word === "..." || /^<[^>]+>$/.test(word);

/** What is wrong with `titanctl <words>` given the tree, or undefined when it would be accepted. */
export const checkInvocation = (tree: CliCommand, words: readonly string[]): string | undefined => {
  let command = tree;
  let i = words[0] === "--" ? 1 : 0; // `npm run titanctl -- ...`
  while (i < words.length && command.subcommands.has(words[i]!)) command = command.subcommands.get(words[i++]!)!;
  const name = ["titanctl", ...command.path].join(" ");
  // A command with subcommands may run itself too (`restore --to ...` beside `restore redis`): an option next means that.
  const runsItself = i < words.length && words[i]!.startsWith("-") && command.options.some((o) => !o.flags.includes("--help"));
  if (command.subcommands.size > 0 && !runsItself) {
    // A group named alone ("the `titanctl config` commands"), or "titanctl <command>" in prose.
    if (i === words.length || isPlaceholder(words[i]!)) return command.path.length > 0 || i < words.length ? undefined : "titanctl needs a command";
    return `${name} has no command "${words[i]}"`;
  }
  const positional: string[] = [];
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("-")) {
      positional.push(word);
      continue;
    }
    const flag = word.split("=")[0]!;
    const option = command.options.find((o) => o.flags.includes(flag));
    if (!option) return `${name} has no option ${flag}`;
    if (option.takesValue && !word.includes("=")) i++;
  }
  const allowed = command.args.length;
  const variadic = command.args.some((a) => a.includes("..."));
  if (!variadic && positional.length > allowed) return `${name} takes ${allowed} argument(s) (${command.args.join(" ") || "none"}), got ${positional.join(" ")}`;
  const required = command.args.filter((a) => a.startsWith("<")).length;
  if (positional.length < required) return `${name} needs ${command.args.join(" ")}`;
  return undefined;
};
