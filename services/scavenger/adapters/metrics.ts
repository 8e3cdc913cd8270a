// The scavenger's metrics, titan_scavenger_<what>_<unit>. Counters the strategy keeps itself (guard
// drops, triggers, suppressions) are exported as deltas of its cumulative figures, so the hot path
// touches no metric object.
import type { Counter, Gauge, Histogram } from "prom-client";
import type { ServiceMetrics } from "../../shared/metrics.js";
import { BAD_MARKET_DATA_KINDS, TRAP_TYPES, type ScavengerStrategy, type TrapType } from "../domain/index.js";
import type { DropKind } from "./market-decode.js";

/** Evaluating one trade takes about a microsecond: the shared latency buckets start far above that. */
export const TRADE_EVALUATION_BUCKETS_SECONDS = [1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2];

export type SignalOutcome = "published" | "duplicate" | "unsized" | "failed";

export interface ScavengerMetrics {
  readonly trapsActive: Gauge<"trap_type">;
  readonly trapsTriggered: Counter<"trap_type">;
  readonly signals: Counter<"trap_type" | "outcome">;
  readonly signalsSuppressed: Counter<"reason">;
  readonly tradeEvaluation: Histogram;
  readonly marketDataLag: Gauge<"type">;
  readonly marketDataMessages: Counter<"type">;
  readonly badMarketDataDropped: Counter<"kind">;
  readonly activeConfigVersion: Gauge;
  readonly recomputeDuration: Histogram;
  readonly configChanges: Counter<"outcome">;
}

export function scavengerMetrics(m: ServiceMetrics): ScavengerMetrics {
  const metrics: ScavengerMetrics = {
    trapsActive: m.gauge("traps_active_count", "Traps armed now, by trap type", ["trap_type"]),
    trapsTriggered: m.counter("traps_triggered_total", "Traps whose trigger was touched with volume confirmation, by trap type", ["trap_type"]),
    signals: m.counter("signals_total", "Signals by trap type and what became of them (published to the brain, duplicate, unsized, failed)", ["trap_type", "outcome"]),
    signalsSuppressed: m.counter("signals_suppressed_total", "Triggered traps the strategy proposed nothing for, by reason", ["reason"]),
    tradeEvaluation: m.histogram("trade_evaluation_seconds", "Strategy evaluation time of one trade (sampled)", [], TRADE_EVALUATION_BUCKETS_SECONDS),
    marketDataLag: m.gauge("market_data_lag_seconds", "Now minus the venue timestamp of the latest message, by message type", ["type"]),
    marketDataMessages: m.counter("market_data_messages_total", "Market and account messages read, by message type", ["type"]),
    badMarketDataDropped: m.counter("bad_market_data_dropped_total", "Market data dropped as bad, by kind", ["kind"]),
    configChanges: m.counter("config_changes_total", "Parameter activations through the API by outcome: applied, refused (bad request), failed (could not be applied)", ["outcome"]),
    activeConfigVersion: m.gauge("active_config_version_info", "The active parameter version (the value is the version number)"),
    recomputeDuration: m.histogram("recompute_duration_seconds", "Duration of one ranking and re-arming of every trap"),
  };
  // Every label value exists from the start, so a rate over a quiet series reads 0, not absent.
  for (const type of TRAP_TYPES) {
    metrics.trapsActive.set({ trap_type: type }, 0);
    metrics.trapsTriggered.inc({ trap_type: type }, 0);
    metrics.signals.inc({ trap_type: type, outcome: "published" }, 0);
  }
  for (const kind of [...BAD_MARKET_DATA_KINDS, "malformed"]) metrics.badMarketDataDropped.inc({ kind }, 0);
  for (const reason of ["no-edge", "max-open-positions", "max-daily-loss"]) metrics.signalsSuppressed.inc({ reason }, 0);
  for (const outcome of ["applied", "refused", "failed"]) metrics.configChanges.inc({ outcome }, 0);
  return metrics;
}

/** Carries the strategy's cumulative counts into the counters as deltas. */
export class StrategyCountExporter {
  private dropped: Partial<Record<DropKind, number>> = {};
  private triggered: Partial<Record<TrapType, number>> = {};
  private suppressed: Record<string, number> = {};

  constructor(private readonly metrics: ScavengerMetrics) {}

  sync(strategy: ScavengerStrategy): void {
    for (const [kind, total] of Object.entries(strategy.droppedMarketData()) as [DropKind, number][]) {
      const delta = total - (this.dropped[kind] ?? 0);
      if (delta > 0) this.metrics.badMarketDataDropped.inc({ kind }, delta);
      this.dropped[kind] = total;
    }
    const stats = strategy.stats();
    for (const [type, total] of Object.entries(stats.triggered) as [TrapType, number][]) {
      const delta = total - (this.triggered[type] ?? 0);
      if (delta > 0) this.metrics.trapsTriggered.inc({ trap_type: type }, delta);
      this.triggered[type] = total;
    }
    for (const [reason, total] of Object.entries(stats.suppressed)) {
      const delta = total - (this.suppressed[reason] ?? 0);
      if (delta > 0) this.metrics.signalsSuppressed.inc({ reason }, delta);
      this.suppressed[reason] = total;
    }
  }

  /** Traps armed now, by type (after a recomputation, a detector change or a fired trap). */
  syncTraps(strategy: ScavengerStrategy): void {
    const counts = Object.fromEntries(TRAP_TYPES.map((type) => [type, 0])) as Record<TrapType, number>;
    for (const trap of strategy.activeTraps()) counts[trap.trapType]++;
    for (const type of TRAP_TYPES) this.metrics.trapsActive.set({ trap_type: type }, counts[type]);
  }
}
