// promtool over the catalogue: renders the rule files and copies the hand-written tests beside them
// in a scratch folder (the tests name their rule file as ../rendered/<group>.yml), so the tests always
// run against the current source, never against a stale rendering.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { writeRuleFiles } from "./render-rules.js";

export const PROMTOOL_TESTS_DIR = fileURLToPath(new URL("./tests", import.meta.url));

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

export const promtool = (args: readonly string[], cwd: string): PromtoolResult => {
  const res = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (res.error) throw new Error(`promtool not found: run scripts/install-dependencies.sh (${res.error.message})`);
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}`.trim() };
};

export interface Workspace {
  readonly root: string;
  readonly ruleFiles: string[];
  readonly testFiles: string[];
}

export const preparePromtoolWorkspace = (): Workspace => {
  const root = mkdtempSync(join(tmpdir(), "titan-promtool-"));
  const written = writeRuleFiles(join(root, "rendered"));
  cpSync(PROMTOOL_TESTS_DIR, join(root, "tests"), { recursive: true });
  return {
    root,
    ruleFiles: written.written.map((f) => join("rendered", f)),
    testFiles: readdirSync(join(root, "tests")).filter((f) => f.endsWith(".test.yml")).sort().map((f) => join("tests", f)),
  };
};

export interface PromtoolCase {
  readonly file: string;
  readonly testName: string;
  readonly alertname: string;
  readonly evalTime: string;
  readonly firing: boolean;
}

interface TestFile {
  rule_files?: string[];
  tests?: Array<{ name?: string; alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts?: unknown[] }> }>;
}

/** The rule files and alert test cases of the hand-written test files. */
export const readPromtoolTests = (dir = PROMTOOL_TESTS_DIR): { ruleFiles: Map<string, string[]>; cases: PromtoolCase[] } => {
  const ruleFiles = new Map<string, string[]>();
  const cases: PromtoolCase[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".test.yml")).sort()) {
    const doc = parse(readFileSync(join(dir, file), "utf8")) as TestFile;
    ruleFiles.set(file, doc.rule_files ?? []);
    for (const test of doc.tests ?? []) {
      for (const c of test.alert_rule_test ?? []) {
        cases.push({ file, testName: test.name ?? "", alertname: c.alertname, evalTime: c.eval_time, firing: (c.exp_alerts ?? []).length > 0 });
      }
    }
  }
  return { ruleFiles, cases };
};
