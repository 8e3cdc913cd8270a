// The titan_* metrics the dashboards read exist in the services' registries, with the labels the
// queries match and group by; the pending ones do not exist yet (and leave the list when they do).
import { describe, expect, it } from "vitest";
import { metricsReadByRules } from "../alerts/metrics.js";
import { PENDING_METRICS, dashboardQueries, isPendingMetric, metricsReadByDashboards } from "./index.js";
import { checkQueries, serviceCatalogue } from "./testing/catalogue.js";

const catalogue = serviceCatalogue();
const isTitan = (metric: string): boolean => metric.startsWith("titan_");

describe("the services' metrics the dashboards read", () => {
  it("registers a catalogue large enough to be the real one", () => {
    expect(catalogue.has("titan_brain_equity_usd")).toBe(true);
    expect(catalogue.get("titan_execution_orders_total")).toEqual(new Set(["venue", "type", "outcome"]));
    expect(catalogue.get("titan_brain_signal_processing_seconds_bucket")).toEqual(new Set(["outcome", "le"]));
    expect(catalogue.size).toBeGreaterThan(150);
  });

  it("exist, with every label the queries match or group by", () => {
    expect(checkQueries(catalogue, dashboardQueries(), (m) => isTitan(m) && !isPendingMetric(m))).toEqual([]);
  });

  it("are caught when a query names a metric or label the code does not have", () => {
    const bad = [
      { dashboardUid: "t", panelTitle: "typo", expr: "titan_brain_equity_dollars" },
      { dashboardUid: "t", panelTitle: "label", expr: 'titan_execution_orders_total{exchange="bybit"}' },
      { dashboardUid: "t", panelTitle: "grouping", expr: "sum by (symbol) (rate(titan_execution_orders_total[5m]))" },
    ];
    expect(checkQueries(catalogue, bad, isTitan)).toEqual([
      "t / typo: no metric titan_brain_equity_dollars",
      "t / label: titan_execution_orders_total has no label exchange",
      "t / grouping: groups by symbol, which none of titan_execution_orders_total carries",
    ]);
  });

  it("list as pending only metrics nothing produces yet, each read by a panel or an alert, and unregistered unless it says otherwise", () => {
    const read = [...metricsReadByDashboards(), ...metricsReadByRules()];
    for (const pending of PENDING_METRICS) {
      const registered = [...catalogue.keys()].filter((series) => series === pending.metric || series.startsWith(`${pending.metric}_`));
      if (pending.registered) expect(registered.length, `${pending.metric} says it is registered`).toBeGreaterThan(0);
      else expect(registered, `${pending.metric} is registered now: drop it from PENDING_METRICS or mark it registered`).toEqual([]);
      expect(read.some((series) => series === pending.metric || series.startsWith(`${pending.metric}_`)), `${pending.metric} is pending but nothing reads it`).toBe(true);
    }
    expect(isPendingMetric("titan_execution_api_key_age_seconds")).toBe(true);
    expect(isPendingMetric("titan_incident_detection_seconds_bucket")).toBe(false);
    expect(isPendingMetric("titan_brain_equity_usd")).toBe(false);
  });

  it("no longer list the backup scheduler's metrics, which it registers and pushes", () => {
    for (const metric of ["titan_backup_runs_total", "titan_backup_last_success_timestamp_seconds", "titan_backup_last_run_outcome_state", "titan_backup_interval_seconds"]) {
      expect(catalogue.has(metric), metric).toBe(true);
      expect(isPendingMetric(metric), metric).toBe(false);
    }
  });

  it("include the metrics the seed's alerts read, so every alert has a panel", () => {
    const read = new Set(metricsReadByDashboards());
    for (const metric of [
      "up",
      "titan_brain_breaker_tripped_state",
      "titan_execution_position_mismatches_total",
      "pg_up",
      "titan_brain_signal_processing_seconds_bucket",
      "node_memory_MemAvailable_bytes",
      "node_filesystem_avail_bytes",
      "titan_execution_rate_limit_use_ratio",
      "titan_execution_exchange_websocket_reconnects_total",
    ]) {
      expect(read.has(metric), metric).toBe(true);
    }
  });
});
