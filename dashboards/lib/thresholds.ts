// Threshold steps derived from ops/: a KPI's target, a scaling trigger, a budget. Nothing here holds a
// number of its own; each function turns an ops/ figure into Grafana's "from this value upwards" steps.
import type { Kpi } from "../../ops/index.js";
import { COLORS, type ThresholdStep } from "./spec.js";

/**
 * The steps of a KPI panel. Grafana colours a value by the highest step at or below it, so:
 * - "min" KPIs (uptime, success rates): red below the threshold, green from it (yellow between the
 *   threshold and a stricter aim where the seed states one);
 * - "max" KPIs (latencies): green below, red from the threshold. A count only takes whole values, so
 *   the first breaking count (threshold + 1) is where red starts: "< 1 per month" allows 0, not 0.5.
 */
export const kpiSteps = (kpi: Kpi): ThresholdStep[] => {
  if (kpi.bound === "min") {
    return kpi.aim === undefined
      ? [{ value: null, color: COLORS.bad }, { value: kpi.threshold, color: COLORS.ok }]
      : [{ value: null, color: COLORS.bad }, { value: kpi.threshold, color: COLORS.caution }, { value: kpi.aim, color: COLORS.ok }];
  }
  const firstBreach = kpi.unit === "count" ? kpi.threshold + 1 : kpi.threshold;
  return [{ value: null, color: COLORS.ok }, { value: firstBreach, color: COLORS.bad }];
};

/** Lines a value should stay under, lowest first: each limit starts its colour. */
export const upperLimits = (...limits: ReadonlyArray<{ value: number; color: string }>): ThresholdStep[] => {
  const sorted = [...limits].sort((a, b) => a.value - b.value);
  return [{ value: null, color: COLORS.ok }, ...sorted];
};

/** Floors a value should stay above (free disk space): red under the lowest, green above the highest. */
export const lowerLimits = (...floors: ReadonlyArray<{ value: number; color: string }>): ThresholdStep[] => {
  const sorted = [...floors].sort((a, b) => a.value - b.value);
  if (sorted.length === 0) throw new Error("lowerLimits: at least one floor");
  const colors = sorted.map((f) => f.color);
  // Below the lowest floor: that floor's colour; between floors: the next floor's; above all: ok.
  return [{ value: null, color: colors[0] as string }, ...sorted.map((f, i) => ({ value: f.value, color: colors[i + 1] ?? COLORS.ok }))];
};

export const MIB_BYTES = 1024 * 1024;

/** The quantile a KPI id names: `…P95` → 0.95. */
export const percentileOf = (kpi: Kpi): number => {
  const match = /P(\d{2})$/.exec(kpi.id);
  if (!match) throw new Error(`KPI ${kpi.id} does not name a percentile`);
  return Number(match[1]) / 100;
};
