// The incident KPIs as Prometheus histograms: detection (MTTD) and recovery (MTTR) of each closed
// incident. Named titan_incident_* rather than titan_console_*: they measure the system, not the
// console, and the alerts and dashboards read them under these names. Without labels they exist with
// zero observations from the start, so the series are there before the first incident closes.
import { Histogram } from "prom-client";
import { KPIS, MTTD_BUDGET_SECONDS } from "../../../ops/index.js";
import type { ServiceMetrics } from "../../shared/metrics.js";
import { bucketsAround, detectionSeconds, recoverySeconds, type Incident } from "../domain/incidents.js";

export const DETECTION_METRIC = "titan_incident_detection_seconds";
export const RECOVERY_METRIC = "titan_incident_recovery_seconds";

export interface IncidentMetrics {
  /** Observes a closed incident's detection and recovery; an open one is not observed. */
  observeClosed(incident: Incident): void;
}

const histogram = (metrics: ServiceMetrics, name: string, help: string, budgetSeconds: number): Histogram =>
  (metrics.registry.getSingleMetric(name) as Histogram | undefined) ?? new Histogram({ name, help, buckets: bucketsAround(budgetSeconds), registers: [metrics.registry] });

export const incidentMetrics = (metrics: ServiceMetrics): IncidentMetrics => {
  const detection = histogram(metrics, DETECTION_METRIC, "Time from an incident's fault start to its first page (MTTD), observed when it closes or its start is corrected", MTTD_BUDGET_SECONDS);
  const recovery = histogram(metrics, RECOVERY_METRIC, "Time from an incident's fault start to its last critical alert resolving, observed when it closes or its start is corrected", KPIS.meanTimeToRecovery.threshold);
  return {
    observeClosed(incident) {
      const recoveredSeconds = recoverySeconds(incident);
      if (recoveredSeconds === null) return;
      detection.observe(detectionSeconds(incident));
      recovery.observe(recoveredSeconds);
    },
  };
};
