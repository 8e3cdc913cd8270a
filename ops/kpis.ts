// The seed's key performance indicators ("Key Performance Indicators"): each with its threshold, the
// direction that counts as good, and the window it is judged over. Alerts, dashboards and the bench
// read them from here.
import { type Provenance, DAY_SECONDS, MINUTE_SECONDS, seed } from "./provenance.js";

export type KpiId =
  | "uptime"
  | "signalProcessingLatencyP95"
  | "websocketDeliveryLatencyP95"
  | "databaseQueryTimeAverage"
  | "positionTrackingAccuracy"
  | "orderExecutionSuccessRate"
  | "riskLimitCompliance"
  | "circuitBreakerFalsePositives"
  | "meanTimeToDetection"
  | "meanTimeToRecovery"
  | "configurationChangeSuccessRate"
  | "backupSuccessRate";

export type KpiUnit = "ratio" | "seconds" | "count";

export interface Kpi {
  readonly id: KpiId;
  readonly title: string;
  readonly group: "reliability" | "trading" | "operations";
  readonly unit: KpiUnit;
  /** "max": the measured value must stay at or below the threshold; "min": at or above it. */
  readonly bound: "max" | "min";
  /** The seed's hard threshold, in `unit` (ratios as 0..1). */
  readonly threshold: number;
  /** A stricter aim where the seed states one (uptime: 99.95 %). */
  readonly aim?: number;
  /** The window the value is judged over, in seconds. */
  readonly windowSeconds: number;
  readonly provenance: Provenance;
}

const KPI_SECTION = "Key Performance Indicators";
const MONTH_SECONDS = 30 * DAY_SECONDS;

export const KPIS: Readonly<Record<KpiId, Kpi>> = {
  uptime: {
    id: "uptime", title: "Uptime", group: "reliability", unit: "ratio", bound: "min",
    threshold: 0.999, aim: 0.9995, windowSeconds: MONTH_SECONDS, provenance: seed(`${KPI_SECTION}: Uptime >99.9% (target 99.95%)`),
  },
  signalProcessingLatencyP95: {
    id: "signalProcessingLatencyP95", title: "Signal processing latency p95", group: "reliability", unit: "seconds", bound: "max",
    threshold: 0.1, windowSeconds: 5 * MINUTE_SECONDS, provenance: seed(`${KPI_SECTION}: Signal processing latency <100ms (95th percentile)`),
  },
  websocketDeliveryLatencyP95: {
    id: "websocketDeliveryLatencyP95", title: "WebSocket delivery latency p95", group: "reliability", unit: "seconds", bound: "max",
    threshold: 0.05, windowSeconds: 5 * MINUTE_SECONDS, provenance: seed(`${KPI_SECTION}: WebSocket message delivery <50ms (95th percentile)`),
  },
  databaseQueryTimeAverage: {
    id: "databaseQueryTimeAverage", title: "Database query time (average)", group: "reliability", unit: "seconds", bound: "max",
    threshold: 0.01, windowSeconds: 5 * MINUTE_SECONDS, provenance: seed(`${KPI_SECTION}: Database query response <10ms (average)`),
  },
  positionTrackingAccuracy: {
    id: "positionTrackingAccuracy", title: "Position tracking accuracy", group: "trading", unit: "ratio", bound: "min",
    threshold: 1, windowSeconds: 5 * MINUTE_SECONDS, provenance: seed(`${KPI_SECTION}: Position tracking accuracy 100%`),
  },
  orderExecutionSuccessRate: {
    id: "orderExecutionSuccessRate", title: "Order execution success rate", group: "trading", unit: "ratio", bound: "min",
    threshold: 0.995, windowSeconds: DAY_SECONDS, provenance: seed(`${KPI_SECTION}: Order execution success rate >99.5%`),
  },
  riskLimitCompliance: {
    id: "riskLimitCompliance", title: "Risk limit compliance", group: "trading", unit: "ratio", bound: "min",
    threshold: 1, windowSeconds: DAY_SECONDS, provenance: seed(`${KPI_SECTION}: Risk limit compliance 100%`),
  },
  circuitBreakerFalsePositives: {
    id: "circuitBreakerFalsePositives", title: "Circuit breaker false positives per month", group: "trading", unit: "count", bound: "max",
    // "<1 per month": a single false positive in 30 days breaks it.
    threshold: 0, windowSeconds: MONTH_SECONDS, provenance: seed(`${KPI_SECTION}: Circuit breaker false positives <1 per month`),
  },
  meanTimeToDetection: {
    id: "meanTimeToDetection", title: "Mean time to detection", group: "operations", unit: "seconds", bound: "max",
    threshold: 5 * MINUTE_SECONDS, windowSeconds: MONTH_SECONDS, provenance: seed(`${KPI_SECTION}: MTTD <5 minutes`),
  },
  meanTimeToRecovery: {
    id: "meanTimeToRecovery", title: "Mean time to recovery", group: "operations", unit: "seconds", bound: "max",
    threshold: 30 * MINUTE_SECONDS, windowSeconds: MONTH_SECONDS, provenance: seed(`${KPI_SECTION}: MTTR <30 minutes`),
  },
  configurationChangeSuccessRate: {
    id: "configurationChangeSuccessRate", title: "Configuration change success rate", group: "operations", unit: "ratio", bound: "min",
    threshold: 0.99, windowSeconds: MONTH_SECONDS, provenance: seed(`${KPI_SECTION}: Configuration change success rate >99%`),
  },
  backupSuccessRate: {
    id: "backupSuccessRate", title: "Backup success rate", group: "operations", unit: "ratio", bound: "min",
    threshold: 1, windowSeconds: 7 * DAY_SECONDS, provenance: seed(`${KPI_SECTION}: Backup success rate 100%`),
  },
};

export const KPI_LIST: readonly Kpi[] = Object.values(KPIS);

/** True when a measured value meets the KPI. */
export const meetsKpi = (kpi: Kpi, measured: number): boolean => (kpi.bound === "max" ? measured <= kpi.threshold : measured >= kpi.threshold);

/** Minutes of downtime a month the uptime threshold allows (99.9 % → 43.2). */
export const errorBudgetMinutesPerMonth = (): number => ((1 - KPIS.uptime.threshold) * KPIS.uptime.windowSeconds) / MINUTE_SECONDS;

