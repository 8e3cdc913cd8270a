// Reading a service's own prom-client registry in tests: how many observations a histogram has, or a
// counter's value, summed over the series whose labels match.
import type { ServiceMetrics } from "../../services/shared/metrics.js";

/** A counter's value or a histogram's observation count, over every series carrying `labels`. */
export const metricCount = async (metrics: ServiceMetrics, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, unknown>; metricName?: string }>;
  return values
    .filter((v) => v.metricName === undefined || v.metricName.endsWith("_count"))
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
};
