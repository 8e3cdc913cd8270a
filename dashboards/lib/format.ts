// ops/ figures written for people, in panel descriptions: 0.999 → "99.9 %", 0.1 s → "100 ms".
import type { Kpi } from "../../ops/index.js";

/** A ratio as a percentage without float noise: 0.995 → "99.5 %". */
export const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))} %`;

/** Seconds in the unit a person would use. */
export const duration = (seconds: number): string => {
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(6))} ms`;
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Number((seconds / 60).toPrecision(6))} min`;
  if (seconds < 86_400) return `${Number((seconds / 3_600).toPrecision(6))} h`;
  const days = Number((seconds / 86_400).toPrecision(6));
  return days === 1 ? "1 day" : `${days} days`;
};

const valueOf = (kpi: Kpi, value: number): string => (kpi.unit === "ratio" ? percent(value) : kpi.unit === "seconds" ? duration(value) : String(value));

/** "≥ 99.9 % (aim 99.95 %) over 30 days". */
export const kpiTarget = (kpi: Kpi): string => {
  const bound = kpi.bound === "min" ? "≥" : "≤";
  const aim = kpi.aim === undefined ? "" : ` (aim ${valueOf(kpi, kpi.aim)})`;
  return `${bound} ${valueOf(kpi, kpi.threshold)}${aim} over ${duration(kpi.windowSeconds)}`;
};

export const mib = (value: number): string => `${value} MiB`;
