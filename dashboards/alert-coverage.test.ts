// Every alert has a panel: an on-call engineer who gets paged opens a dashboard that shows what the
// alert watches. An alert "has a panel" when some dashboard query reads at least one metric the alert
// reads, through recording rules where the alert reads a recorded series.
import { describe, expect, it } from "vitest";
import { ALERT_RULE_GROUPS } from "../alerts/index.js";
import { metricNamesIn } from "../alerts/promql.js";
import { buildCostDashboard, metricsReadByDashboards } from "./index.js";

const recorded = new Map(ALERT_RULE_GROUPS.flatMap((g) => g.recordingRules.map((r) => [r.record, r.expr] as const)));
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** The raw metrics behind an expression, following recording rules down to what services export. */
function rawMetrics(expr: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  for (const name of metricNamesIn(expr)) {
    const rule = recorded.get(name);
    if (rule !== undefined && !seen.has(name)) {
      seen.add(name);
      for (const inner of rawMetrics(rule, seen)) out.add(inner);
    } else {
      out.add(name.replace(HISTOGRAM_SERIES, ""));
    }
  }
  return out;
}

describe("alert coverage by dashboards", () => {
  it("gives every alert a panel that reads what it watches", () => {
    void buildCostDashboard; // the cost dashboard has no alerts of its own
    const shown = new Set<string>();
    for (const series of metricsReadByDashboards()) {
      for (const raw of recorded.has(series) ? rawMetrics(series) : [series.replace(HISTOGRAM_SERIES, "")]) shown.add(raw);
    }
    const uncovered: string[] = [];
    for (const group of ALERT_RULE_GROUPS) {
      for (const alert of group.alerts) {
        const reads = rawMetrics(alert.expr);
        // The Watchdog (vector(1)) and time-of-day digests read no metric: nothing to show.
        if (reads.size === 0) continue;
        if (![...reads].some((m) => shown.has(m))) uncovered.push(`${alert.name} (reads ${[...reads].join(", ")})`);
      }
    }
    expect(uncovered).toEqual([]);
  });
});
