import { describe, expect, it } from "vitest";
import {
  ALERT_THRESHOLDS, BACKUP_SCHEDULE, DAY_SECONDS, RETENTION, DATA_TIER_OF_SCHEMA, KPIS, KPI_LIST, MTTD_BUDGET_SECONDS, RECOVERY_POINT_OBJECTIVES,
  SCALING_TRIGGERS, SERVICES, SERVICE_CAPACITY, SHARED_SCHEMAS, WAL_ARCHIVE_TIMEOUT_SECONDS, errorBudgetMinutesPerMonth, meetsKpi, promDuration,
} from "./index.js";

describe("ops: the seed's numbers", () => {
  it("renders Prometheus durations in the largest whole unit", () => {
    expect(promDuration(900)).toBe("15m");
    expect(promDuration(7_200)).toBe("2h");
    expect(promDuration(90)).toBe("90s");
    expect(promDuration(86_400 * 7)).toBe("7d");
    expect(() => promDuration(0)).toThrow(/positive/);
    expect(() => promDuration(1.5)).toThrow(/whole/);
  });

  it("keeps the seed's KPI thresholds and judges measurements by their bound", () => {
    expect(KPIS.signalProcessingLatencyP95.threshold).toBe(0.1);
    expect(KPIS.websocketDeliveryLatencyP95.threshold).toBe(0.05);
    expect(KPIS.databaseQueryTimeAverage.threshold).toBe(0.01);
    expect(meetsKpi(KPIS.signalProcessingLatencyP95, 0.099)).toBe(true);
    expect(meetsKpi(KPIS.signalProcessingLatencyP95, 0.101)).toBe(false);
    expect(meetsKpi(KPIS.orderExecutionSuccessRate, 0.996)).toBe(true);
    expect(meetsKpi(KPIS.orderExecutionSuccessRate, 0.994)).toBe(false);
    expect(errorBudgetMinutesPerMonth()).toBeCloseTo(43.2, 6);
    for (const kpi of KPI_LIST) {
      expect(kpi.provenance.kind, kpi.id).toBe("seed");
      if (kpi.unit === "ratio") expect(kpi.threshold).toBeLessThanOrEqual(1);
      if (kpi.aim !== undefined) expect(meetsKpi(kpi, kpi.aim), `${kpi.id}: the aim is stricter than the threshold`).toBe(true);
    }
  });

  it("keeps metrics at least as long as the longest KPI window, so every KPI's recording rule sees its whole window", () => {
    const longestWindowSeconds = Math.max(...KPI_LIST.map((k) => k.windowSeconds ?? 0));
    expect(longestWindowSeconds).toBeGreaterThan(0);
    expect(RETENTION.metricsDays.value * DAY_SECONDS).toBeGreaterThanOrEqual(longestWindowSeconds);
  });

  it("keeps the high-latency warning above the latency KPI it escalates", () => {
    expect(ALERT_THRESHOLDS.highSignalLatencySeconds.value).toBeGreaterThan(KPIS.signalProcessingLatencyP95.threshold);
  });

  it("gives every critical alert a `for` far inside the MTTD budget", () => {
    for (const key of ["serviceDownForSeconds", "circuitBreakerActive", "positionMismatches", "databaseDown", "authFailuresPerWindow"] as const) {
      expect(ALERT_THRESHOLDS[key].forSeconds, key).toBeLessThan(MTTD_BUDGET_SECONDS / 2);
    }
  });

  it("scales up above where it scales down, and grows storage before it runs out", () => {
    expect(SCALING_TRIGGERS.cpu.scaleUp.ratio).toBeGreaterThan(SCALING_TRIGGERS.cpu.scaleDown.ratio);
    expect(SCALING_TRIGGERS.memory.scaleUp.ratio).toBeGreaterThan(SCALING_TRIGGERS.memory.scaleDown.ratio);
    expect(SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio).toBeLessThan(SCALING_TRIGGERS.storage.alertFreeRatio.ratio);
    expect(SCALING_TRIGGERS.cpu.scaleUp.sustainedSeconds).toBe(900);
    expect(SCALING_TRIGGERS.memory.scaleDown.sustainedSeconds).toBe(7_200);
  });

  it("gives each service requests within its limits and a scaling mode the design allows", () => {
    for (const [name, cap] of Object.entries(SERVICE_CAPACITY)) {
      expect(cap.cpuRequestMillicores, name).toBeLessThanOrEqual(cap.cpuLimitMillicores);
      expect(cap.memoryRequestMiB, name).toBeLessThanOrEqual(cap.memoryLimitMiB);
      if (cap.scaling.kind === "horizontal") expect(cap.scaling.minReplicas).toBeGreaterThan(cap.maxUnavailable);
    }
    expect(SERVICE_CAPACITY.brain.scaling.kind).toBe("single-writer");
    expect(SERVICE_CAPACITY.execution.scaling.kind).toBe("single-writer");
    expect(SERVICE_CAPACITY.console.scaling.kind).toBe("horizontal");
  });

  it("assigns every schema a data tier, and WAL shipping meets the strictest RPO", () => {
    for (const schema of [...Object.values(SERVICES).map((s) => s.schema), ...SHARED_SCHEMAS]) {
      expect(DATA_TIER_OF_SCHEMA[schema], schema).toBeDefined();
    }
    const strictest = Math.min(...Object.values(RECOVERY_POINT_OBJECTIVES).map((o) => o.seconds));
    expect(WAL_ARCHIVE_TIMEOUT_SECONDS).toBeLessThan(strictest);
    expect(BACKUP_SCHEDULE.hourlySnapshot.intervalSeconds).toBeLessThanOrEqual(RECOVERY_POINT_OBJECTIVES.historicalAnalytics.seconds);
  });
});
