// promtool checks every rendered rule file and runs every hand-written unit test against the current
// catalogue; and every alert has a test that fires it and one that keeps it silent.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allAlerts } from "./catalogue.js";
import { preparePromtoolWorkspace, promtool, readPromtoolTests, type Workspace } from "./promtool-runner.js";
import { renderRuleFiles } from "./render-rules.js";

let ws: Workspace;
beforeAll(() => {
  ws = preparePromtoolWorkspace();
});
afterAll(() => rmSync(ws.root, { recursive: true, force: true }));

const { ruleFiles, cases } = readPromtoolTests();

describe("promtool", () => {
  it("accepts every rendered rule file (promtool check rules)", () => {
    const res = promtool(["check", "rules", ...ws.ruleFiles], ws.root);
    expect(res.ok, res.output).toBe(true);
    expect(ws.ruleFiles.length).toBe(renderRuleFiles().size);
  });

  it("passes every hand-written rule test (promtool test rules)", () => {
    const res = promtool(["test", "rules", ...ws.testFiles], ws.root);
    expect(res.ok, res.output).toBe(true);
    const alerts = allAlerts();
    process.stdout.write(`promtool: ${cases.length} alert test cases (${cases.filter((c) => c.firing).length} firing, ${cases.filter((c) => !c.firing).length} silent) over ${alerts.length} alerts in ${ws.testFiles.length} files\n`);
  }, 60_000);
});

describe("the promtool tests", () => {
  it("cover every rendered rule file, one test file each", () => {
    const tested = [...ruleFiles.values()].flat().map((f) => f.replace(/^\.\.\/rendered\//, "")).sort();
    expect(tested).toEqual([...renderRuleFiles().keys()].sort());
  });

  it("fire every alert at least once", () => {
    const fired = new Set(cases.filter((c) => c.firing).map((c) => c.alertname));
    expect(allAlerts().map((a) => a.name).filter((n) => !fired.has(n))).toEqual([]);
  });

  it("keep every alert but the always-firing Watchdog silent at least once (before `for`, or where it must not fire)", () => {
    const silent = new Set(cases.filter((c) => !c.firing).map((c) => c.alertname));
    expect(allAlerts().filter((a) => a.expr !== "vector(1)").map((a) => a.name).filter((n) => !silent.has(n))).toEqual([]);
  });

  it("name only alerts that exist", () => {
    const names = new Set(allAlerts().map((a) => a.name));
    expect(cases.map((c) => c.alertname).filter((n) => !names.has(n))).toEqual([]);
  });
});
