import type { Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KPI_LIST, KPIS, MEMORY_BUDGETS, SCALING_TRIGGERS, SERVICE_CAPACITY, meetsKpi, type Kpi } from "../ops/index.js";
import { DEFAULT_BRAIN_PARAMETERS } from "../services/brain/domain/brain-parameters.js";
import { buildDashboards, isPendingMetric, panelsOf } from "./index.js";
import { KPI_QUERIES } from "./kpi-queries.js";
import { metricNamesIn } from "./lib/promql.js";
import type { ThresholdStep } from "./lib/spec.js";
import { MIB_BYTES, lowerLimits } from "./lib/thresholds.js";
import { kpiPanel } from "./overview.js";

const panelIn = (uid: string, title: string, opts: Parameters<typeof buildDashboards>[0] = {}): Panel => {
  const dashboard = buildDashboards(opts).find((d) => d.uid === uid);
  const panel = dashboard && panelsOf(dashboard.json).find((p) => p.title === title);
  if (!panel) throw new Error(`no panel "${title}" in ${uid}`);
  return panel;
};

const stepsOf = (panel: Panel): ThresholdStep[] => (panel.fieldConfig?.defaults?.thresholds?.steps ?? []) as ThresholdStep[];
const stepValues = (panel: Panel): number[] => stepsOf(panel).flatMap((s) => (s.value === null ? [] : [s.value]));

/** Grafana's rule: a value takes the colour of the highest step at or below it (null = minus infinity). */
const colourOf = (steps: readonly ThresholdStep[], value: number): string => {
  let colour = steps[0]?.color ?? "";
  for (const step of steps) if (step.value === null || value >= step.value) colour = step.color;
  return colour;
};

const GOOD = new Set(["green", "dark-green", "yellow"]);

/** Values around the KPI's threshold, in its unit; counts are whole. */
const valuesNear = (kpi: Kpi): fc.Arbitrary<number> =>
  kpi.unit === "count"
    ? fc.integer({ min: 0, max: kpi.threshold + 10 })
    : fc.double({ min: kpi.threshold / 2, max: Math.min(kpi.unit === "ratio" ? 1 : Infinity, kpi.threshold * 2), noNaN: true }).filter((v) => v !== kpi.threshold);

describe("every KPI of ops/ on the overview", () => {
  it("has a stat panel titled as in ops/ whose thresholds are the KPI's threshold (and aim)", () => {
    for (const kpi of KPI_LIST) {
      const panel = panelIn("titan-overview", kpi.title);
      expect(panel.type, kpi.id).toBe("stat");
      const expected = kpi.bound === "max" && kpi.unit === "count" ? [kpi.threshold + 1] : [kpi.threshold, ...(kpi.aim === undefined ? [] : [kpi.aim])];
      expect(stepValues(panel), kpi.id).toEqual(expected);
    }
  });

  it("colours a value as meeting the KPI exactly when ops/ says it meets it", () => {
    for (const kpi of KPI_LIST) {
      const steps = stepsOf(panelIn("titan-overview", kpi.title));
      fc.assert(
        fc.property(valuesNear(kpi), (value) => {
          expect(GOOD.has(colourOf(steps, value)), `${kpi.id} at ${value}`).toBe(meetsKpi(kpi, value));
        }),
        { numRuns: 200 },
      );
    }
  });

  it("follows ops/: another threshold moves the panel's step", () => {
    const moved = kpiPanel({ ...KPIS.signalProcessingLatencyP95, threshold: 0.042 });
    expect(moved.thresholds?.map((s) => s.value)).toEqual([null, 0.042]);
  });

  it("shows the KPI's unit: ratios as percentages, latencies in seconds", () => {
    const unitOf = (kpi: Kpi): string | undefined => panelIn("titan-overview", kpi.title).fieldConfig?.defaults?.unit;
    expect(unitOf(KPIS.uptime)).toBe("percentunit");
    expect(unitOf(KPIS.signalProcessingLatencyP95)).toBe("s");
    expect(unitOf(KPIS.circuitBreakerFalsePositives)).toBe("short");
  });

  it("says in its description when its metric is not emitted yet, and only then", () => {
    for (const kpi of KPI_LIST) {
      const pending = metricNamesIn(KPI_QUERIES[kpi.id].expr).filter(isPendingMetric);
      const description = panelIn("titan-overview", kpi.title).description ?? "";
      if (pending.length > 0) for (const name of pending) expect(description, kpi.id).toContain(name);
      else expect(description, kpi.id).not.toMatch(/not emitted yet/);
    }
  });
});

describe("capacity against ops/", () => {
  it("draws the CPU and memory scaling triggers on their utilisation panels", () => {
    expect(stepValues(panelIn("titan-capacity", "CPU utilisation"))).toEqual([SCALING_TRIGGERS.cpu.scaleDown.ratio, SCALING_TRIGGERS.cpu.scaleUp.ratio]);
    expect(stepValues(panelIn("titan-capacity", "Memory utilisation"))).toEqual([SCALING_TRIGGERS.memory.scaleDown.ratio, SCALING_TRIGGERS.memory.scaleUp.ratio]);
    expect(stepValues(panelIn("titan-capacity", "Network utilisation"))).toEqual([SCALING_TRIGGERS.network.scaleUp.ratio]);
  });

  it("tests the sustained triggers over the seed's durations", () => {
    const exprs = (title: string): string[] => (panelIn("titan-capacity", title).targets ?? []).map((t) => (t as unknown as { expr: string }).expr);
    expect(exprs("CPU scaling triggers")).toEqual([expect.stringMatching(/^min_over_time\(.*\[15m:1m\]\)$/), expect.stringMatching(/^max_over_time\(.*\[1h:1m\]\)$/)]);
    expect(exprs("Memory scaling triggers")).toEqual([expect.stringMatching(/\[5m:1m\]\)$/), expect.stringMatching(/\[2h:1m\]\)$/)]);
  });

  it("colours free disk space red under the scale-up floor and orange under the alert floor", () => {
    const steps = stepsOf(panelIn("titan-capacity", "Disk free space"));
    expect(stepValues(panelIn("titan-capacity", "Disk free space"))).toEqual([SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio, SCALING_TRIGGERS.storage.alertFreeRatio.ratio]);
    expect(colourOf(steps, SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio / 2)).toBe("red");
    expect(colourOf(steps, (SCALING_TRIGGERS.storage.scaleUpFreeRatio.ratio + SCALING_TRIGGERS.storage.alertFreeRatio.ratio) / 2)).toBe("orange");
    expect(colourOf(steps, 0.9)).toBe("green");
    expect(lowerLimits({ value: 0.5, color: "red" })).toEqual([{ value: null, color: "red" }, { value: 0.5, color: "green" }]);
  });

  it("draws each service's memory budget, idle target and container limit in bytes", () => {
    const mib = (n: number): number => n * MIB_BYTES;
    expect(stepValues(panelIn("titan-capacity", "brain resident memory"))).toEqual([mib(MEMORY_BUDGETS.idleTargetMiB.value), mib(MEMORY_BUDGETS.brainMaxMiB.value), mib(SERVICE_CAPACITY.brain.memoryLimitMiB)]);
    expect(stepValues(panelIn("titan-capacity", "execution resident memory"))).toEqual([
      mib(MEMORY_BUDGETS.idleTargetMiB.value),
      mib(MEMORY_BUDGETS.executionMaxMiB.value),
      mib(SERVICE_CAPACITY.execution.memoryLimitMiB),
    ]);
    expect(stepValues(panelIn("titan-capacity", "console resident memory"))).toEqual([mib(MEMORY_BUDGETS.idleTargetMiB.value), mib(SERVICE_CAPACITY.console.memoryLimitMiB)]);
  });
});

describe("trading against the breaker", () => {
  it("draws the HARD breaker's drawdown and equity limits from the brain's parameters", () => {
    expect(stepValues(panelIn("titan-trading", "Daily drawdown"))).toEqual([DEFAULT_BRAIN_PARAMETERS.breaker.hardDailyDrawdownFraction]);
    expect(stepValues(panelIn("titan-trading", "Equity"))).toEqual([DEFAULT_BRAIN_PARAMETERS.breaker.hardMinEquityUsd]);
  });

  it("follows the deployed parameters when given them", () => {
    const brainParameters = { ...DEFAULT_BRAIN_PARAMETERS, breaker: { ...DEFAULT_BRAIN_PARAMETERS.breaker, hardDailyDrawdownFraction: 0.07, hardMinEquityUsd: 500 } };
    expect(stepValues(panelIn("titan-trading", "Daily drawdown", { brainParameters }))).toEqual([0.07]);
    expect(stepValues(panelIn("titan-trading", "Equity", { brainParameters }))).toEqual([500]);
  });
});
