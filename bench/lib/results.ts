// What one bench run found: a row per measured path, each with its figures and the targets it is judged
// against. Every target comes from ops/ (the seed's KPIs and DESIGN.md's targets), never a literal here.
import { KPIS, MEMORY_BUDGETS, PERFORMANCE_TARGETS, type Kpi, type PerformanceTarget } from "../../ops/index.js";
import type { LatencySummary } from "./stats.js";

export const PATH_IDS = ["signal", "console", "db", "replay", "synth", "memory"] as const;
export type PathId = (typeof PATH_IDS)[number];

export const PATH_TITLES: Readonly<Record<PathId, string>> = {
  signal: "signal → decision → order submitted to the venue",
  console: "console WebSocket delivery",
  db: "hot-path database statements",
  replay: "AI Quant backtest replay",
  synth: "offline synth of the prod stack",
  memory: "resident memory of each service",
};

export type Unit = "seconds" | "events/s" | "MiB";
/** Which figure of a row a target reads. */
export type Figure = "p50" | "p95" | "p99" | "max" | "mean" | "value";

export interface Target {
  readonly source: "seed KPI" | "design" | "runbook budget";
  readonly figure: Figure;
  /** "max": the figure must stay at or below `value`; "min": at or above. */
  readonly bound: "max" | "min";
  readonly value: number;
  readonly unit: Unit;
}

export interface JudgedTarget extends Target {
  readonly measured: number | null;
  /** null when the figure could not be measured. */
  readonly met: boolean | null;
}

export type RowStatus = "measured" | "not-measurable" | "failed";

export interface ResultRow {
  readonly id: string;
  readonly path: PathId;
  readonly title: string;
  readonly status: RowStatus;
  readonly unit: Unit;
  readonly latency?: LatencySummary;
  /** The percentiles are histogram bucket upper bounds (a service's own histogram), the mean is exact. */
  readonly latencyFromBuckets?: boolean;
  /** The row's single figure (a rate, a duration, a size) when it is not a latency distribution. */
  readonly value?: number;
  readonly targets: readonly JudgedTarget[];
  readonly notes: readonly string[];
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface BenchRun {
  readonly version: 1;
  readonly mode: "full" | "quick";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string };
  /** 1-, 5- and 15-minute load averages when the run started and ended: a loaded machine gives noisy figures. */
  readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] };
  readonly stack: { readonly root: string; readonly portOffset: number } | null;
  readonly rows: readonly ResultRow[];
}

export const figureOf = (row: Pick<ResultRow, "latency" | "value">, figure: Figure): number | null => {
  if (figure === "value") return row.value ?? null;
  const l = row.latency;
  if (!l) return null;
  return { p50: l.p50Seconds, p95: l.p95Seconds, p99: l.p99Seconds, max: l.maxSeconds, mean: l.meanSeconds }[figure];
};

/** Each target with the row's figure beside it and whether it is met. */
export const judge = (row: Pick<ResultRow, "latency" | "value">, targets: readonly Target[]): JudgedTarget[] =>
  targets.map((t) => {
    const measured = figureOf(row, t.figure);
    return { ...t, measured, met: measured === null ? null : t.bound === "max" ? measured <= t.value : measured >= t.value };
  });

const fromKpi = (kpi: Kpi, figure: Figure): Target => ({ source: "seed KPI", figure, bound: kpi.bound, value: kpi.threshold, unit: "seconds" });
const fromDesign = (t: PerformanceTarget, figure: Figure): Target => ({ source: "design", figure, bound: t.unit === "events/s" ? "min" : "max", value: t.value, unit: t.unit });
const percentileFigure = (t: PerformanceTarget): Figure => t.percentile ?? "value";

/** The targets of each path, read from ops/. */
export const TARGETS = {
  signalToOrder: [fromKpi(KPIS.signalProcessingLatencyP95, "p95"), fromDesign(PERFORMANCE_TARGETS.signalToOrderP99, percentileFigure(PERFORMANCE_TARGETS.signalToOrderP99))],
  consoleDelivery: [fromKpi(KPIS.websocketDeliveryLatencyP95, "p95"), fromDesign(PERFORMANCE_TARGETS.consoleDeliveryP99, percentileFigure(PERFORMANCE_TARGETS.consoleDeliveryP99))],
  dbStatements: [fromKpi(KPIS.databaseQueryTimeAverage, "mean"), fromDesign(PERFORMANCE_TARGETS.hotPathStatementAverage, "mean")],
  replay: [fromDesign(PERFORMANCE_TARGETS.backtestReplayRate, "value")],
  synth: [fromDesign(PERFORMANCE_TARGETS.prodSynth, "value")],
  idleMemory: [fromDesign(PERFORMANCE_TARGETS.idleResidentMemory, "value")],
  loadedMemory: (service: string): Target[] => {
    const budget = service === "brain" ? MEMORY_BUDGETS.brainMaxMiB.value : service === "execution" ? MEMORY_BUDGETS.executionMaxMiB.value : undefined;
    return budget === undefined ? [] : [{ source: "runbook budget", figure: "value", bound: "max", value: budget, unit: "MiB" }];
  },
} as const;

/** The rates the issue asks for, beside the one ops/ records with the target. */
export const SIGNAL_RATES_PER_SECOND = { low: 100, target: PERFORMANCE_TARGETS.signalToOrderP99.loadPerSecond } as const;
export const CONSOLE_LOAD = { clients: 1_000, messagesPerSecond: PERFORMANCE_TARGETS.consoleDeliveryP99.loadPerSecond } as const;

/** A path that broke (the quick mode's only failure). */
export const failedRows = (rows: readonly ResultRow[]): ResultRow[] => rows.filter((r) => r.status === "failed");
