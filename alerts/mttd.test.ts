// Worst-case detection time of every critical alert, from the configurations the local stack really
// runs (its Prometheus config, the rendered rule files, its Alertmanager config): it must stay within
// the seed's MTTD.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MTTD_BUDGET_SECONDS, promDuration } from "../ops/index.js";
import { renderAlertmanagerConfig } from "../scripts/stack/alertmanager.js";
import { stackPorts } from "../scripts/stack/ports.js";
import { renderPrometheusConfig } from "../scripts/stack/prometheus.js";
import { routedReceiver, writeTempConfig } from "./amtool.js";
import { allAlerts } from "./catalogue.js";
import { parsePromDuration, worstCaseDetectionSeconds } from "./mttd.js";
import { renderRuleFiles } from "./render-rules.js";

interface Route {
  receiver?: string;
  matchers?: string[];
  group_wait?: string;
  continue?: boolean;
  routes?: Route[];
}

const matches = (matcher: string, labels: Readonly<Record<string, string>>): boolean => {
  const m = /^(\w+)(=~|!~|!=|=)"(.*)"$/.exec(matcher);
  if (!m) throw new Error(`cannot read matcher ${matcher}`);
  const [, name, op, value] = m as unknown as [string, string, string, string];
  const actual = labels[name] ?? "";
  const re = new RegExp(`^(?:${value})$`);
  return op === "=" ? actual === value : op === "!=" ? actual !== value : op === "=~" ? re.test(actual) : !re.test(actual);
};

/** The route Alertmanager picks (first matching child, depth first), with inherited settings. */
const pickRoute = (route: Route, labels: Readonly<Record<string, string>>, inherited: Route = {}): Route => {
  const here = { ...inherited, ...route };
  for (const child of route.routes ?? []) {
    if ((child.matchers ?? []).every((m) => matches(m, labels))) return pickRoute(child, labels, here);
  }
  return here;
};

const promConfig = JSON.parse(renderPrometheusConfig({ ports: stackPorts(), ruleDirs: [], caFile: "/ca.crt" }).replace(/^#.*$/gm, "")) as { global: { scrape_interval: string; evaluation_interval: string } };
const amYaml = renderAlertmanagerConfig();
const amConfig = parse(amYaml) as { route: Route };
const amFile = writeTempConfig(amYaml);
const groupIntervals = new Map(
  [...renderRuleFiles().values()].flatMap((y) => (parse(y) as { groups: Array<{ name: string; interval?: string; rules: Array<{ alert?: string }> }> }).groups).flatMap((g) => g.rules.filter((r) => r.alert).map((r) => [r.alert!, g.interval] as const)),
);

const critical = allAlerts().filter((a) => a.severity === "critical");

const rows = critical.map((alert) => {
  const labels = { ...alert.labels, alertname: alert.name, service: "execution" };
  const route = pickRoute(amConfig.route, labels);
  const inputs = {
    forSeconds: alert.forSeconds,
    conditionLagSeconds: alert.conditionLagSeconds,
    scrapeIntervalSeconds: parsePromDuration(promConfig.global.scrape_interval),
    evaluationIntervalSeconds: parsePromDuration(groupIntervals.get(alert.name) ?? promConfig.global.evaluation_interval),
    groupWaitSeconds: parsePromDuration(route.group_wait ?? "30s"), // Alertmanager's default
  };
  return { alert, labels, receiver: route.receiver, inputs, worstSeconds: worstCaseDetectionSeconds(inputs) };
});

describe("worst-case detection time of critical alerts", () => {
  it("prints the table", () => {
    const header = "alert                             for  lag scrape eval group_wait  worst  budget";
    const lines = rows.map(({ alert, inputs: i, worstSeconds }) =>
      [alert.name.padEnd(32), String(i.forSeconds).padStart(4), String(i.conditionLagSeconds).padStart(4), String(i.scrapeIntervalSeconds).padStart(6), String(i.evaluationIntervalSeconds).padStart(4), String(i.groupWaitSeconds).padStart(10), `${worstSeconds} s`.padStart(6), `${MTTD_BUDGET_SECONDS} s`.padStart(7)].join(" "),
    );
    process.stdout.write(`\n${header}\n${lines.join("\n")}\n`);
    expect(rows.length).toBeGreaterThanOrEqual(5);
  });

  it.each(rows.map((r) => [r.alert.name, r] as const))("%s is detected within the MTTD budget", (_name, row) => {
    expect(row.worstSeconds).toBeLessThanOrEqual(MTTD_BUDGET_SECONDS);
  });

  it("reads group_wait from the route amtool says the alert takes", () => {
    for (const row of rows) expect(routedReceiver(amFile, row.labels)).toBe(row.receiver);
  });
});

describe("worstCaseDetectionSeconds", () => {
  it("adds scrape, evaluation, `for` rounded up to evaluations, condition lag and group wait", () => {
    expect(worstCaseDetectionSeconds({ forSeconds: 60, conditionLagSeconds: 0, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, groupWaitSeconds: 10 })).toBe(100);
    expect(worstCaseDetectionSeconds({ forSeconds: 50, conditionLagSeconds: 60, scrapeIntervalSeconds: 30, evaluationIntervalSeconds: 30, groupWaitSeconds: 10 })).toBe(190);
  });

  it("never undercuts the plain sum of its parts, nor `for` rounded up to whole evaluations", () => {
    const figure = fc.integer({ min: 0, max: 3_600 });
    fc.assert(
      fc.property(figure, figure, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), figure, (forSeconds, lag, scrape, evaluation, groupWait) => {
        const worst = worstCaseDetectionSeconds({ forSeconds, conditionLagSeconds: lag, scrapeIntervalSeconds: scrape, evaluationIntervalSeconds: evaluation, groupWaitSeconds: groupWait });
        expect(worst).toBeGreaterThanOrEqual(forSeconds + lag + scrape + evaluation + groupWait);
        expect(worst).toBeLessThan(forSeconds + lag + scrape + 2 * evaluation + groupWait);
      }),
    );
  });

  it("refuses negative or missing figures", () => {
    expect(() => worstCaseDetectionSeconds({ forSeconds: -1, conditionLagSeconds: 0, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, groupWaitSeconds: 10 })).toThrow(/forSeconds/);
    expect(() => worstCaseDetectionSeconds({ forSeconds: 60, conditionLagSeconds: 0, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 0, groupWaitSeconds: 10 })).toThrow(/evaluationIntervalSeconds/);
  });
});

describe("parsePromDuration", () => {
  it.each([["15s", 15], ["1m30s", 90], ["0s", 0], ["1d", 86_400], ["500ms", 0.5]])("%s is %d s", (text, s) => expect(parsePromDuration(text)).toBe(s));
  it("refuses what is not a duration", () => expect(() => parsePromDuration("15")).toThrow(/not a Prometheus duration/));
  it("reads back every duration ops/ writes", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400 * 86_400 }), (s) => parsePromDuration(promDuration(s)) === s));
  });
});
