// Every dashboard query goes through `promtool query instant` against a Prometheus of our own (2.42,
// empty configuration): Prometheus's parser and type checks decide, not a regular expression.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardQueries, variableQueries } from "./index.js";
import { startThrowawayPrometheus, type ThrowawayPrometheus } from "./testing/throwaway-prometheus.js";

let prometheus: ThrowawayPrometheus;

beforeAll(async () => {
  prometheus = await startThrowawayPrometheus();
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
});

/** Runs `check` over items, a few at a time: the machine's cores are shared. */
const mapLimited = async <T, R>(items: readonly T[], limit: number, check: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await check(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

describe("dashboard queries in Prometheus", () => {
  it("rejects deliberately broken expressions, so the check below can fail", async () => {
    const broken = [
      "rate(titan_brain_equity_usd)", // a range function given an instant vector
      "sum(titan_brain_equity_usd", // unclosed parenthesis
      "histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))", // one parenthesis short
      'titan_brain_equity_usd{service=~"brain}', // unterminated string
      "sum by (le) rate(x_bucket[5m])", // aggregation without its parentheses
    ];
    for (const expr of broken) expect(await prometheus.queryError(expr), expr).toMatch(/parse error|bad_data/);
  }, 30_000);

  it("rejects a real dashboard query once it is broken", async () => {
    const [first] = dashboardQueries().filter((q) => q.expr.endsWith(")"));
    expect(first).toBeDefined();
    expect(await prometheus.queryError((first as { expr: string }).expr.slice(0, -1))).toMatch(/parse error/);
  }, 30_000);

  it("accepts every query of every dashboard and every template variable (Grafana variables expanded)", async () => {
    const queries = [...dashboardQueries(), ...variableQueries().map((v) => ({ dashboardUid: v.dashboardUid, panelTitle: `$${v.variable}`, expr: v.expr }))];
    const unique = [...new Map(queries.map((q) => [q.expr, q])).values()];
    expect(unique.length).toBeGreaterThan(100);
    const errors = await mapLimited(unique, 4, async (q) => {
      const error = await prometheus.queryError(q.expr);
      return error === null ? null : `${q.dashboardUid} / ${q.panelTitle}: ${error}\n  ${q.expr}`;
    });
    expect(errors.filter((e) => e !== null)).toEqual([]);
  }, 120_000);
});
