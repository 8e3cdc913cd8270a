// The runbooks as on-call needs them: a page per alert with the four sections, no page or mention of
// an alert that does not exist, and only commands that exist (titanctl's, npm scripts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { allAlerts } from "./catalogue.js";
import { REQUIRED_SECTIONS, alertNamesMentioned, alertPagesLinked, npmScriptsShown, sectionsOf, titanctlInvocations } from "./runbook-lint.js";
import { checkInvocation, parseHelp, readTitanctlTree, shellWords, type CliCommand } from "./titanctl-help.js";

const REPO_DIR = fileURLToPath(new URL("..", import.meta.url));
const RUNBOOKS_DIR = join(REPO_DIR, "runbooks");
const ALERT_PAGES_DIR = join(RUNBOOKS_DIR, "alerts");

/** Every markdown file under runbooks/, all subfolders (the operational runbooks included). */
const runbookFiles = (): string[] =>
  readdirSync(RUNBOOKS_DIR, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => join(RUNBOOKS_DIR, f));

const read = (file: string): string => readFileSync(file, "utf8");
const shown = (file: string): string => relative(REPO_DIR, file);
const alertNames = new Set(allAlerts().map((a) => a.name));

describe("a runbook page per alert", () => {
  it.each(allAlerts().map((a) => [a.name, a.name] as const))("%s has runbooks/alerts/%s.md with Meaning, Impact, Diagnosis and Mitigation", (name, _page) => {
    const file = join(ALERT_PAGES_DIR, `${name}.md`);
    expect(existsSync(file), `missing ${shown(file)}`).toBe(true);
    const text = read(file);
    expect(text.split("\n")[0]).toBe(`# ${name}`);
    const sections = sectionsOf(text);
    expect(sections.map((s) => s.title)).toEqual([...REQUIRED_SECTIONS]);
    for (const s of sections) expect(s.body.length, `${name}: ${s.title} is empty`).toBeGreaterThan(40);
  });

  it("has no page for an alert that does not exist", () => {
    const pages = readdirSync(ALERT_PAGES_DIR).filter((f) => f.endsWith(".md")).map((f) => f.replace(/\.md$/, ""));
    expect(pages.filter((p) => !alertNames.has(p))).toEqual([]);
  });

  it("is listed in runbooks/README.md", () => {
    const readme = read(join(RUNBOOKS_DIR, "README.md"));
    expect([...alertNames].filter((n) => !readme.includes(`(alerts/${n}.md)`))).toEqual([]);
  });
});

describe("every runbook under runbooks/", () => {
  it("names and links only alerts that exist", () => {
    const problems = runbookFiles().flatMap((file) => {
      const text = read(file);
      return [...alertNamesMentioned(text), ...alertPagesLinked(text)].filter((n) => !alertNames.has(n)).map((n) => `${shown(file)}: ${n}`);
    });
    expect(problems).toEqual([]);
  });

  it("shows only npm scripts that exist", () => {
    const scripts = new Set(Object.keys((JSON.parse(read(join(REPO_DIR, "package.json"))) as { scripts: Record<string, string> }).scripts));
    const problems = runbookFiles().flatMap((file) => npmScriptsShown(read(file)).filter((s) => !scripts.has(s)).map((s) => `${shown(file)}: npm run ${s}`));
    expect(problems).toEqual([]);
  });

  describe("titanctl commands", () => {
    let tree: CliCommand;
    beforeAll(async () => {
      tree = await readTitanctlTree();
    }, 120_000);

    it("are read from titanctl's own help", () => {
      expect([...tree.subcommands.keys()]).toEqual(expect.arrayContaining(["status", "breaker", "halt", "reconcile"]));
      expect(tree.subcommands.get("breaker")?.subcommands.has("reset")).toBe(true);
    });

    it("exist in titanctl's help, with the options they show", () => {
      const invocations = runbookFiles().flatMap((file) => titanctlInvocations(read(file)).map((line) => ({ file, line })));
      const problems = invocations.flatMap(({ file, line }) => {
        const problem = checkInvocation(tree, shellWords(line));
        return problem ? [`${shown(file)}: titanctl ${line}: ${problem}`] : [];
      });
      expect(problems).toEqual([]);
      expect(invocations.length).toBeGreaterThan(50);
    });
  });
});

describe("the runbook checker", () => {
  const tree: CliCommand = {
    path: [],
    options: [],
    args: [],
    subcommands: new Map([
      ["halt", { path: ["halt"], options: [{ flags: ["--reason"], takesValue: true }, { flags: ["-h", "--help"], takesValue: false }], args: [], subcommands: new Map() }],
      [
        "restore",
        {
          path: ["restore"],
          options: [{ flags: ["--to"], takesValue: true }, { flags: ["-h", "--help"], takesValue: false }],
          args: [],
          subcommands: new Map([["redis", { path: ["restore", "redis"], options: [{ flags: ["--force"], takesValue: false }], args: [], subcommands: new Map() }]]),
        },
      ],
      ["config", { path: ["config"], options: [], args: [], subcommands: new Map([["rollback", { path: ["config", "rollback"], options: [{ flags: ["--reason"], takesValue: true }], args: ["<version>"], subcommands: new Map() }]]) }],
    ]),
  };

  it.each([
    ['halt --reason "a b"', undefined],
    ["config rollback 3 --reason x", undefined],
    ["config rollback <version>", undefined],
    ["<command>", undefined],
    ["hlat", 'titanctl has no command "hlat"'],
    ["halt --force", "titanctl halt has no option --force"],
    ["halt now", "titanctl halt takes 0 argument(s) (none), got now"],
    ["config", undefined],
    ["config rolback 3", 'titanctl config has no command "rolback"'],
    ['-- halt --reason "x; y" | jq . # comment', undefined],
    ["halt --reason <why, in words>", undefined],
    ["config rollback", "titanctl config rollback needs <version>"],
    ["restore --to latest", undefined],
    ["restore redis --force", undefined],
    ["restore --from x", "titanctl restore has no option --from"],
    ["restore postgres", 'titanctl restore has no command "postgres"'],
    ["config --reason x", 'titanctl config has no command "--reason"'],
  ])("judges titanctl %s", (line, problem) => {
    expect(checkInvocation(tree, shellWords(line))).toBe(problem);
  });

  it("reads commander's help: usage arguments, options with values, commands", () => {
    const help = parseHelp(
      [
        "Usage: titanctl config activate [options] <version>",
        "",
        "make a version the active one",
        "",
        "Options:",
        "  --reason <text>  why (audited)",
        "  -h, --help       display help for command",
        "",
      ].join("\n"),
    );
    expect(help).toEqual({ usageArgs: ["<version>"], options: [{ flags: ["--reason"], takesValue: true }, { flags: ["-h", "--help"], takesValue: false }], commands: [] });
  });

  it("finds invocations in code blocks and inline code, and alert names in prose", () => {
    const md = "Run `titanctl breaker status` then\n```bash\nnode bin/titanctl.mjs reconcile | jq .\nnpm run titanctl -- state --json\n```\nSee TitanServiceDown and Watchdog.";
    expect(titanctlInvocations(md).map(shellWords)).toEqual([["breaker", "status"], ["reconcile"], ["state", "--json"]]);
    expect(alertNamesMentioned(md)).toEqual(["TitanServiceDown", "Watchdog"]);
  });
});
