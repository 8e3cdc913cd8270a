// The scavenger's shell around its strategy core: market messages in (already decoded), signals out
// through the outbox, parameter versions applied in place, metrics kept. It owns no timer and no
// connection; service.ts wires those. The recipe per batch: decode, feed the strategy, publish what
// fired, export counts.
import type { Clock } from "../shared/clock.js";
import type { Envelope, MarketTrade } from "../shared/contracts/index.js";
import type { Database } from "../shared/db/database.js";
import type { MessagingLogger } from "../shared/messaging/index.js";
import {
  DEFAULT_SCAVENGER_PARAMETERS,
  createScavengerStrategy,
  toSignalMessage,
  type ActiveTrap,
  type RecomputeResult,
  type ScavengerSignal,
  type ScavengerStrategy,
} from "./domain/index.js";
import type { ActiveConfig } from "./adapters/config-store.js";
import { decodeEntry, perpSymbolOf, type DropKind } from "./adapters/market-decode.js";
import type { StreamBatch } from "./adapters/market-data-reader.js";
import { StrategyCountExporter, type ScavengerMetrics, type SignalOutcome } from "./adapters/metrics.js";
import { publishSignal } from "./adapters/signal-store.js";

export interface EngineOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly metrics: ScavengerMetrics;
  readonly logger: MessagingLogger;
  readonly instanceId: string;
  /** Allocation to size proposals with until an equity snapshot arrives; null = propose nothing until then. */
  readonly fallbackAllocationUsd?: number | null;
  /** Time one trade in this many (the histogram costs more than the evaluation). */
  readonly tradeEvaluationSampleEvery?: number;
}

export interface AppliedConfig {
  readonly version: number;
  readonly activationSeq: number;
  readonly appliedAtMs: number;
}

interface Fired {
  readonly signal: ScavengerSignal;
  readonly venueTsMs: number;
}

const MARKET_TYPES = new Set(["market-trade", "market-kline", "market-open-interest", "market-funding", "market-ticker"]);
const PUBLISH_ATTEMPTS = 3;

export class ScavengerEngine {
  readonly strategy: ScavengerStrategy;
  private readonly exporter: StrategyCountExporter;
  private appliedConfig: AppliedConfig | null = null;
  private lastRecompute: RecomputeResult | null = null;
  private equity: { equityUsd: number; tsMs: number } | null = null;
  private readonly openPositions = new Set<string>();
  private readonly latestVenueTsMs = new Map<string, number>();
  /** This batch's messages by type, and every message since start. */
  private readonly messagesByType = new Map<string, number>();
  private readonly messagesTotal = new Map<string, number>();
  private readonly droppedByAdapter = new Map<DropKind, number>();
  private readonly signalOutcomes: Record<SignalOutcome, number> = { published: 0, duplicate: 0, unsized: 0, failed: 0 };
  private tradesSeen = 0;
  private readonly sampleEvery: number;

  constructor(private readonly o: EngineOptions) {
    // Version 0 until the stored active version is applied at start: nothing is armed before that.
    this.strategy = createScavengerStrategy(DEFAULT_SCAVENGER_PARAMETERS, { configVersion: 0 });
    this.exporter = new StrategyCountExporter(o.metrics);
    this.sampleEvery = Math.max(1, Math.floor(o.tradeEvaluationSampleEvery ?? 8));
  }

  /** One activation through the API, for the configuration-change KPI. */
  countConfigChange(outcome: "applied" | "refused" | "failed"): void {
    this.o.metrics.configChanges.inc({ outcome });
  }

  get applied(): AppliedConfig | null {
    return this.appliedConfig;
  }

  /** Applies a version if its activation is newer than the one applied; true when it changed anything. */
  applyConfig(active: ActiveConfig): boolean {
    if (this.appliedConfig && active.activationSeq <= this.appliedConfig.activationSeq) return false;
    this.strategy.setParameters(active.parameters, active.version);
    this.appliedConfig = { version: active.version, activationSeq: active.activationSeq, appliedAtMs: this.o.clock.nowMs() };
    this.o.metrics.activeConfigVersion.set(active.version);
    this.exporter.syncTraps(this.strategy);
    this.o.logger.info({ version: active.version, activationSeq: active.activationSeq }, "scavenger parameters applied");
    return true;
  }

  /** The minute's work: rank symbols and re-arm traps, at the clock's time. */
  recompute(): RecomputeResult {
    const started = this.o.clock.monotonicMs();
    this.lastRecompute = this.strategy.recompute(this.o.clock.nowMs());
    this.o.metrics.recomputeDuration.observe((this.o.clock.monotonicMs() - started) / 1_000);
    this.exporter.syncTraps(this.strategy);
    return this.lastRecompute;
  }

  get lastRecomputation(): RecomputeResult | null {
    return this.lastRecompute;
  }

  traps(): ActiveTrap[] {
    return this.strategy.activeTraps();
  }

  /** Reader callback: every entry of every stream in the batch, then the signals they fired. */
  async handleBatches(batches: readonly StreamBatch[]): Promise<void> {
    const fired: Fired[] = [];
    for (const batch of batches) {
      for (const entry of batch.entries) {
        const decoded = decodeEntry(entry.fields);
        if (!decoded.ok) {
          this.dropped(decoded.kind, decoded.messageType, decoded.reason);
          continue;
        }
        this.dispatch(decoded.envelope, fired);
      }
    }
    this.exportBatchFigures();
    if (fired.length > 0) await this.publish(fired);
  }

  private dispatch(envelope: Envelope, fired: Fired[]): void {
    const type = envelope.type;
    this.messagesByType.set(type, (this.messagesByType.get(type) ?? 0) + 1);
    switch (envelope.type) {
      case "market-trade": {
        const t = envelope.payload;
        this.seen(type, t.venueTsMs);
        if (t.marketType === "spot") this.strategy.onSpotPrice(perpSymbolOf(t.symbol), t.priceUsd, t.venueTsMs);
        else this.evaluateTrade(t, fired);
        return;
      }
      case "market-kline": {
        const k = envelope.payload;
        this.seen(type, k.venueTsMs);
        if (k.marketType === "linear") this.strategy.onKline(k);
        return;
      }
      case "market-open-interest": {
        const oi = envelope.payload;
        this.seen(type, oi.venueTsMs);
        if (oi.marketType === "linear") this.strategy.onOpenInterest(oi.symbol, oi.openInterestQty, oi.venueTsMs);
        return;
      }
      case "market-funding": {
        const f = envelope.payload;
        this.seen(type, f.venueTsMs);
        if (f.marketType === "linear") this.strategy.onFunding(f.symbol, f.fundingRate, f.venueTsMs);
        return;
      }
      case "market-ticker": {
        const tk = envelope.payload;
        this.seen(type, tk.venueTsMs);
        // The basis detector needs the spot price; the perpetual's own price comes from its trades.
        if (tk.marketType === "spot") this.strategy.onSpotPrice(perpSymbolOf(tk.symbol), tk.lastPriceUsd, tk.venueTsMs);
        return;
      }
      case "equity-snapshot": {
        const e = envelope.payload;
        // The stream is in publication order: the last snapshot read is the current one.
        if (e.account === "futures") this.equity = { equityUsd: e.equityUsd, tsMs: e.tsMs };
        return;
      }
      case "position-snapshot": {
        const p = envelope.payload;
        if (p.source !== "shadow") return;
        if (p.side === "flat" || p.qty === 0) this.openPositions.delete(p.symbol);
        else this.openPositions.add(p.symbol);
        this.strategy.setOpenPositions(this.openPositions.size);
        return;
      }
      default:
        return; // another type sharing a stream
    }
  }

  private evaluateTrade(t: MarketTrade, fired: Fired[]): void {
    const sampled = ++this.tradesSeen % this.sampleEvery === 0;
    const started = sampled ? performance.now() : 0;
    const signals = this.strategy.onTrade(t.symbol, t.priceUsd, t.qty, t.side, t.venueTsMs, t.tradeId);
    if (sampled) this.o.metrics.tradeEvaluation.observe((performance.now() - started) / 1_000);
    for (const signal of signals) fired.push({ signal, venueTsMs: t.venueTsMs });
  }

  private seen(type: string, venueTsMs: number): void {
    if (venueTsMs > (this.latestVenueTsMs.get(type) ?? 0)) this.latestVenueTsMs.set(type, venueTsMs);
  }

  private dropped(kind: DropKind, messageType: string | null, reason: string): void {
    if (messageType !== null && !MARKET_TYPES.has(messageType)) {
      this.o.logger.warn({ messageType, reason }, "dropped an account message that breaks its contract");
      return;
    }
    this.droppedByAdapter.set(kind, (this.droppedByAdapter.get(kind) ?? 0) + 1);
    this.o.metrics.badMarketDataDropped.inc({ kind });
    this.o.logger.debug({ kind, messageType, reason }, "dropped bad market data");
  }

  private exportBatchFigures(): void {
    const nowMs = this.o.clock.nowMs();
    for (const [type, tsMs] of this.latestVenueTsMs) this.o.metrics.marketDataLag.set({ type }, Math.max(0, (nowMs - tsMs) / 1_000));
    for (const [type, n] of this.messagesByType) {
      this.o.metrics.marketDataMessages.inc({ type }, n);
      this.messagesTotal.set(type, (this.messagesTotal.get(type) ?? 0) + n);
    }
    this.messagesByType.clear();
    this.exporter.sync(this.strategy);
  }

  /** The allocation signals are sized against, and closed trades measured against; null before any is known. */
  allocationUsd(): number | null {
    if (this.equity && this.equity.equityUsd > 0) return this.equity.equityUsd;
    return this.o.fallbackAllocationUsd ?? null;
  }

  private async publish(fired: readonly Fired[]): Promise<void> {
    for (const { signal, venueTsMs } of fired) {
      const outcome = await this.publishOne(signal, venueTsMs);
      this.signalOutcomes[outcome]++;
      this.o.metrics.signals.inc({ trap_type: signal.trapType, outcome });
    }
    this.exporter.syncTraps(this.strategy);
  }

  private async publishOne(signal: ScavengerSignal, venueTsMs: number): Promise<SignalOutcome> {
    const allocation = this.allocationUsd();
    // Sized against the phase's equity; the brain caps it to the phase's allocation and risk limits.
    const message = allocation === null ? null : toSignalMessage(signal, allocation, venueTsMs);
    if (message === null) {
      this.o.logger.warn({ signalId: signal.signalId, symbol: signal.symbol, allocation }, "signal not sent: no allocation to size it against");
      return "unsized";
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const fresh = await publishSignal(this.o.db, { message, configVersion: signal.configVersion }, { clock: this.o.clock, instanceId: this.o.instanceId });
        this.o.logger.info({ signalId: signal.signalId, symbol: signal.symbol, trapType: signal.trapType, side: signal.side, duplicate: !fresh }, "signal");
        return fresh ? "published" : "duplicate";
      } catch (err) {
        if (attempt >= PUBLISH_ATTEMPTS) {
          // A signal is worth seconds: the brain refuses a stale one, so retrying longer buys nothing.
          this.o.logger.error({ err: (err as Error).message, signalId: signal.signalId }, "signal could not be written; dropped");
          return "failed";
        }
        await this.o.clock.sleep(50 * attempt);
      }
    }
  }

  /** Figures for the status route. */
  snapshot() {
    const stats = this.strategy.stats();
    const lastVenueTsMs = Object.fromEntries(this.latestVenueTsMs);
    const dropped: Record<DropKind, number> = { ...this.strategy.droppedMarketData(), malformed: 0 };
    for (const [kind, n] of this.droppedByAdapter) dropped[kind] = (dropped[kind] ?? 0) + n;
    return {
      config: this.appliedConfig,
      strategy: { ...stats, armedTraps: this.strategy.activeTraps().length, top: this.lastRecompute?.top ?? [] },
      allocation: {
        allocationUsd: this.allocationUsd(),
        source: this.equity && this.equity.equityUsd > 0 ? ("equity-snapshot" as const) : this.o.fallbackAllocationUsd ? ("fallback" as const) : ("none" as const),
        equityTsMs: this.equity?.tsMs ?? null,
        openPositions: this.openPositions.size,
      },
      marketData: { lastVenueTsMs, messages: Object.fromEntries(this.messagesTotal), dropped },
      signals: { ...this.signalOutcomes },
    };
  }
}
