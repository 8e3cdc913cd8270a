// The test rendering that caps `for` (the fault tests run the real rules in a real Prometheus and cannot
// wait minutes): only `for` changes, the files say so, and a cap that is not a whole second is refused.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { promDuration } from "../ops/index.js";
import { FOR_SECONDS_ANNOTATION as CONSOLE_FOR_SECONDS_ANNOTATION } from "../services/console/domain/incidents.js";
import { FOR_SECONDS_ANNOTATION, renderRuleFiles } from "./render-rules.js";

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rulesOf = (files: Map<string, string>): Rule[] => [...files.values()].flatMap((y) => (parse(y) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules));

describe("renderRuleFiles with maxForSeconds", () => {
  const production = rulesOf(renderRuleFiles());
  const capped = rulesOf(renderRuleFiles({ maxForSeconds: 2 }));

  it("caps every `for` and keeps the alerts that had none without one", () => {
    expect(capped.filter((r) => r.alert).every((r) => r.for === undefined || r.for === "1s" || r.for === "2s")).toBe(true);
    expect(capped.filter((r) => r.for === undefined).map((r) => r.alert ?? r.record)).toEqual(production.filter((r) => r.for === undefined).map((r) => r.alert ?? r.record));
    expect(production.some((r) => r.for !== undefined && r.for !== "2s")).toBe(true);
  });

  it("changes nothing else: the same rules, expressions, labels and annotations", () => {
    const withoutFor = (rules: Rule[]) => rules.map(({ for: _for, annotations, ...rest }) => ({ ...rest, annotations: { ...annotations, for_seconds: undefined } }));
    expect(withoutFor(capped)).toEqual(withoutFor(production));
  });

  it("says in every file that its timing is not production's", () => {
    for (const [name, yaml] of renderRuleFiles({ maxForSeconds: 2 })) expect(yaml, name).toMatch(/^# TEST RENDERING: every alert's `for` capped at 2s/m);
    for (const [name, yaml] of renderRuleFiles()) expect(yaml, name).not.toMatch(/TEST RENDERING/);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a cap of %s", (cap) => {
    expect(() => renderRuleFiles({ maxForSeconds: cap })).toThrow(/maxForSeconds must be a whole number of seconds >= 1/);
  });
});

describe("the for_seconds annotation", () => {
  it("carries each alert's `for` in seconds, under the name the console's incident log reads", () => {
    expect(FOR_SECONDS_ANNOTATION).toBe(CONSOLE_FOR_SECONDS_ANNOTATION);
    for (const files of [renderRuleFiles(), renderRuleFiles({ maxForSeconds: 2 })]) {
      for (const rule of rulesOf(files).filter((r) => r.alert)) {
        const seconds = rule.annotations?.[FOR_SECONDS_ANNOTATION];
        if (rule.for === undefined) expect(seconds, rule.alert).toBeUndefined();
        else expect(promDuration(Number(seconds)), rule.alert).toBe(rule.for);
      }
    }
  });
});
