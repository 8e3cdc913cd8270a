// The latency, throughput and memory targets of DESIGN.md that `npm run bench` measures against,
// beside the seed KPI each one tightens.
import { type Provenance, design } from "./provenance.js";

export interface PerformanceTarget {
  readonly title: string;
  readonly percentile?: "p50" | "p95" | "p99";
  /** The target in the unit its name states. */
  readonly value: number;
  readonly unit: "seconds" | "events/s" | "MiB";
  /** Load the target is measured under, where it has one. */
  readonly loadPerSecond?: number;
  readonly provenance: Provenance;
}

const TARGETS = "Performance targets";

export const PERFORMANCE_TARGETS = {
  signalToOrderP99: { title: "signal → decision → order submitted", percentile: "p99", value: 0.005, unit: "seconds", loadPerSecond: 1_000, provenance: design(TARGETS) },
  consoleDeliveryP99: { title: "console WebSocket delivery, 1,000 clients", percentile: "p99", value: 0.01, unit: "seconds", loadPerSecond: 100, provenance: design(TARGETS) },
  hotPathStatementAverage: { title: "hot-path database statements (average)", value: 0.001, unit: "seconds", provenance: design(TARGETS) },
  backtestReplayRate: { title: "AI Quant backtest replay on one core", value: 10_000_000, unit: "events/s", provenance: design(TARGETS) },
  prodSynth: { title: "offline synth of the prod stack", value: 3, unit: "seconds", provenance: design(TARGETS) },
  idleResidentMemory: { title: "service resident memory, idle", value: 150, unit: "MiB", provenance: design(TARGETS) },
} as const satisfies Record<string, PerformanceTarget>;
