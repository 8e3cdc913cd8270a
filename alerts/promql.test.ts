// The metric names an expression reads, and the live stack's list built from them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildRuleGroups } from "./catalogue.js";
import { PENDING_METRICS, isPendingMetric, metricsReadByAlerts, metricsReadByRules } from "./metrics.js";
import { metricNamesIn, templateQueries } from "./promql.js";

describe("metricNamesIn", () => {
  it.each([
    ['up{job="brain"} == 0', ["up"]],
    ["max by (job) (up{job=~\"a|b\"}) == 0", ["up"]],
    ["histogram_quantile(0.95, sum by (service, le) (rate(x_seconds_bucket[5m])))", ["x_seconds_bucket"]],
    ["sum by (service) (rate(a_sum[5m])) / sum by (service) (rate(a_count[5m]))", ["a_sum", "a_count"]],
    ['a > 0 unless on (service) b{outcome="ok"} > 0', ["a", "b"]],
    ["rec:metric:rate5m > bool 0.5 and on (instance) other offset 1h", ["rec:metric:rate5m", "other"]],
    ["x / ignoring (le) group_left (service) y", ["x", "y"]],
    ['absent(up{job="brain"}) or absent(up{job="console"})', ["up"]],
    ["vector(1)", []],
    ['label_replace(m, "service", "$1", "job", "(.+)")', ["m"]],
    ["1e3 * node_load1 + 0x1f - Inf", ["node_load1"]],
    ["max_over_time(r[1h:5m]) < 0.3", ["r"]],
    ['count(m{route="/api/auth/login", le="+Inf"}) without (instance)', ["m"]],
  ])("%s reads %j", (expr, expected) => {
    expect(metricNamesIn(expr)).toEqual(expected);
  });

  it("finds a generated metric name wherever an expression puts it, and nothing else", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}(:[a-z0-9_]{1,10}){0,2}$/).filter((n) => !/^(and|or|unless|by|without|on|ignoring|group_left|group_right|bool|offset|atan2|inf|nan|sum|min|max|avg|group|stddev|stdvar|count|count_values|bottomk|topk|quantile|limitk|limit_ratio)$/.test(n));
    const label = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
    const wrap = fc.constantFrom(
      (m: string, _l: string) => `${m}`,
      (m: string, l: string) => `sum by (${l}) (rate(${m}{${l}="x y", le="+Inf"}[5m]))`,
      (m: string, l: string) => `histogram_quantile(0.9, sum without (${l}) (rate(${m}[1h:1m])))`,
      (m: string, _l: string) => `2 * ${m} offset 5m > bool 0.5`,
      (m: string, l: string) => `absent(${m}{${l}=~"a|b"}) or vector(0)`,
    );
    fc.assert(
      fc.property(name, label, wrap, (m, l, w) => {
        expect(metricNamesIn(w(m, l))).toEqual([m]);
      }),
    );
  });

  it("refuses what it cannot name", () => {
    expect(() => metricNamesIn('{__name__=~"titan_.*"}')).toThrow(/__name__/);
    expect(() => metricNamesIn("sum(rate(x[5m])")).not.toThrow();
    expect(() => metricNamesIn('x{job="a"')).toThrow(/unbalanced/);
  });
});

describe("templateQueries", () => {
  it("finds the queries of backquoted and double-quoted template calls", () => {
    expect(templateQueries('a {{ with query `sum(x{o="a"})` }}{{ . }}{{ end }} b {{ query "max(y{o=\\"b\\"})" }}')).toEqual(['sum(x{o="a"})', 'max(y{o="b"})']);
  });
});

describe("metricsReadByAlerts", () => {
  const read = metricsReadByAlerts();

  it("lists the raw metrics behind alerts and recording rules, without recorded names", () => {
    expect(read).toEqual(
      expect.arrayContaining([
        "up",
        "pg_up",
        "redis_up",
        "titan_brain_signal_processing_seconds_bucket",
        "titan_execution_orders_total",
        "titan_execution_position_mismatches_total",
        "titan_brain_breaker_tripped_state",
        "titan_console_auth_failures_total",
        "node_memory_MemAvailable_bytes",
        "titan_brain_daily_drawdown_ratio", // from the daily summary's annotation query
      ]),
    );
    expect(read.filter((m) => m.includes(":"))).toEqual([]);
  });

  it("leaves out exactly the pending metrics (dashboards/metrics.test.ts checks each is read somewhere)", () => {
    const all = metricsReadByRules();
    expect(all.filter(isPendingMetric).sort()).toEqual(all.filter((m) => !read.includes(m)).sort());
    expect(PENDING_METRICS.length).toBeGreaterThan(0);
  });

  it("uses only recorded series that some recording rule records", () => {
    const groups = buildRuleGroups();
    const recorded = new Set(groups.flatMap((g) => g.recordingRules.map((r) => r.record)));
    const used = groups.flatMap((g) => [...g.alerts.map((a) => a.expr), ...g.recordingRules.map((r) => r.expr)]).flatMap(metricNamesIn).filter((m) => m.includes(":"));
    expect(used.filter((m) => !recorded.has(m))).toEqual([]);
  });
});
