import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acrossServices, expandGrafanaVariables, groupingLabelsIn, histogramQuantile, metricNamesIn, selectorsIn } from "./lib/promql.js";

describe("reading metric names from PromQL", () => {
  it("finds selectors inside functions, aggregations, binary operators and subqueries", () => {
    expect(metricNamesIn('sum by (le, venue) (rate(titan_execution_command_to_ack_seconds_bucket{venue="paper"}[5m]))')).toEqual(["titan_execution_command_to_ack_seconds_bucket"]);
    expect(metricNamesIn("min_over_time((1 - avg by (instance) (rate(node_cpu_seconds_total[1m])))[15m:1m])")).toEqual(["node_cpu_seconds_total"]);
    expect(metricNamesIn("titan_brain_leverage_ratio * titan_brain_equity_usd")).toEqual(["titan_brain_leverage_ratio", "titan_brain_equity_usd"]);
    expect(metricNamesIn("sum by (instance) (a) / on (instance) group_left (x) b")).toEqual(["a", "b"]);
  });

  it("ignores keywords, numbers, durations, offsets and label values that look like names", () => {
    expect(metricNamesIn('a offset 1d > bool 0.5e3 or b{x="c_total"} unless on (d) e')).toEqual(["a", "b", "e"]);
    expect(metricNamesIn("clamp_min(sum(x) or vector(0), 1)")).toEqual(["x"]);
    expect(metricNamesIn('label_replace(y, "direction", "in", "", "")')).toEqual(["y"]);
  });

  it("refuses a selector by __name__, which hides the metrics it reads", () => {
    expect(() => metricNamesIn('{__name__=~"titan_.+"}')).toThrow(/by name, not by __name__/);
  });
});

describe("reading selectors and grouping labels", () => {
  it("returns each selector's matchers with their operators", () => {
    expect(selectorsIn('rate(m{a="1", b!~"x|y"}[5m]) / n{c!="}"}')).toEqual([
      { metric: "m", matchers: [{ label: "a", op: "=", value: "1" }, { label: "b", op: "!~", value: "x|y" }] },
      { metric: "n", matchers: [{ label: "c", op: "!=", value: "}" }] },
    ]);
  });

  it("collects by, without, on, ignoring and group_left labels", () => {
    expect(groupingLabelsIn("sum by (a, b) (x) / on (c) group_left (d) y + sum without (e) (z)").sort()).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("building expressions", () => {
  it("refuses a quantile outside (0, 1)", () => {
    for (const q of [0, 1, 95, -0.1]) expect(() => histogramQuantile(q, "h")).toThrow(/inside \(0, 1\)/);
  });

  it("keeps every service's metric explicit in a union", () => {
    expect(acrossServices(["brain", "console"], "process_resident_memory_bytes", (m) => m)).toBe("titan_brain_process_resident_memory_bytes or titan_console_process_resident_memory_bytes");
    expect(() => acrossServices([], "x", (m) => m)).toThrow(/no services/);
  });
});

describe("expanding Grafana variables", () => {
  it("replaces $name and ${name} and leaves no variable behind", () => {
    expect(expandGrafanaVariables('rate(x{service=~"$service", instance=~"${instance}"}[$__rate_interval])')).toBe('rate(x{service=~".+", instance=~".+"}[1m])');
    fc.assert(
      // Separators are never word characters: `$servicex` is a different (unknown) variable, as in Grafana.
      fc.property(fc.array(fc.constantFrom("$service", "${instance}", "$__rate_interval", "$__interval", "${service}x", " ", "(", ")", "[", ",")), (parts) => {
        expect(expandGrafanaVariables(parts.join(""))).not.toMatch(/\$/);
      }),
    );
  });

  it("refuses an unknown variable instead of sending it to Prometheus", () => {
    expect(() => expandGrafanaVariables("up{job=~\"$job\"}")).toThrow(/unknown Grafana variable \$job/);
  });
});
