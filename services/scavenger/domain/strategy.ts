// The scavenger's strategy core: market events in, signals out, no I/O and no clock (time comes only
// from the events). The live service, paper mode and the AI Quant backtester drive the same object, so
// the same event sequence always gives the same signals.
//
// Every recomputation (each minute) ranks the symbols by quality and arms the top ones' traps; between
// recomputations each trade is checked against the traps near its price and fires one after a
// confirmed burst. The trade path touches only typed arrays and allocates nothing unless a trap fires.

import { Cooldowns } from "./cooldowns.js";
import { basisDiscountHolds, basisTrap, fundingCrowdsShorts, fundingSqueezeTrap, oiWipeoutTrap, openInterestWipedOut } from "./detectors.js";
import { ExposureGate, type ExposureBlock } from "./exposure-gate.js";
import { capacityFor, grownUint8 } from "./growable.js";
import { LevelPlanCache } from "./level-plan-cache.js";
import type { BadMarketDataKind } from "./market-data-guard.js";
import { MarketState, type KlineInput } from "./market-state.js";
import { INTERVAL_MS, loadScavengerParameters, type ScavengerParameters } from "./scavenger-parameters.js";
import { signalIdFor, type ScavengerSignal } from "./signal.js";
import { proposeSize, TrapOutcomes } from "./sizing.js";
import { rankSymbols, symbolQuality, type SymbolQuality } from "./symbol-quality.js";
import { SLOTS_PER_SYMBOL, TRAP_TYPES, sideOfSlot, slotOf, trapTypeOfSlot, type TrapPlan, type TrapSide, type TrapType } from "./trap.js";
import { TrapBook } from "./trap-book.js";

const NO_SIGNALS: readonly ScavengerSignal[] = Object.freeze([]);
const FIVE_MINUTES_MS = INTERVAL_MS["5m"];
/** Each trap type alone: what a detector's re-evaluation may change in the book. */
const ONLY: Readonly<Record<TrapType, ReadonlySet<TrapType>>> = Object.fromEntries(TRAP_TYPES.map((trapType) => [trapType, new Set([trapType])])) as Record<TrapType, Set<TrapType>>;
const LEVEL_TRAPS: ReadonlySet<TrapType> = new Set(["volume-cluster", "daily-level", "bollinger-squeeze"]);
const DETECTOR_TRAPS: ReadonlySet<TrapType> = new Set(["oi-wipeout", "funding-squeeze", "basis"]);

export type SuppressionReason = "no-edge" | ExposureBlock;

export interface RankedSymbolView {
  readonly symbol: string;
  readonly quality: SymbolQuality;
  readonly atrPercent: number;
  readonly volume24hUsd: number;
  readonly traps: number;
}

export interface RecomputeResult {
  readonly tsMs: number;
  /** The top symbols, best first: their traps are armed now. */
  readonly top: readonly RankedSymbolView[];
  readonly armedTraps: number;
}

export interface ActiveTrap {
  readonly symbol: string;
  readonly trapType: TrapType;
  readonly side: TrapSide;
  readonly levelPriceUsd: number;
  readonly triggerPriceUsd: number;
  readonly stopLossPriceUsd: number;
  readonly takeProfitPriceUsd: number;
  readonly confidence: number;
  readonly leverage: number;
  readonly armedAtTsMs: number;
  readonly lastPriceUsd: number | null;
  /** (trigger − last price) / last price × 100: positive when the trigger is above the price. */
  readonly distanceToTriggerPercent: number | null;
  /** Set while the trap type is cooling down on this symbol (as of the last trade). */
  readonly coolingDownUntilTsMs: number | null;
}

export interface TradeOutcome {
  readonly trapType: TrapType;
  /** Realised result as percent of the allocation; above zero counts as a win. */
  readonly pnlPercentOfAllocation: number;
  readonly closedTsMs: number;
}

export interface ScavengerStrategy {
  readonly parameters: ScavengerParameters;
  readonly configVersion: number;
  /** Whether the last trade given passed the market-data guard. */
  readonly lastTradeAccepted: boolean;
  /** Applies a new parameter version at once: levels are recomputed; cooldowns, calibration and history stay. */
  setParameters(params: ScavengerParameters, configVersion: number): void;
  /** The symbol's number for `onTradeAt` (registered on first use). */
  symbolIndex(symbol: string): number;
  /** One trade; `tradeId`, when the feed has one, catches duplicates. */
  onTrade(symbol: string, priceUsd: number, qty: number, side: "buy" | "sell", tsMs: number, tradeId?: string): readonly ScavengerSignal[];
  /** The columnar fast path: `sideSign` +1 for a taker buy, −1 for a taker sell. */
  onTradeAt(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): readonly ScavengerSignal[];
  onKline(kline: KlineInput): void;
  onOpenInterest(symbol: string, openInterestQty: number, tsMs: number): void;
  /** Funding per interval as a fraction (−0.0002 = −0.02 %). */
  onFunding(symbol: string, fundingRate: number, tsMs: number): void;
  /** The spot price of the perpetual `symbol`'s underlying. */
  onSpotPrice(symbol: string, spotPriceUsd: number, tsMs: number): void;
  /** Ranks the symbols and re-arms the top ones' traps (every recomputeIntervalMs). */
  recompute(tsMs: number): RecomputeResult;
  activeTraps(): ActiveTrap[];
  setOpenPositions(count: number): void;
  recordTradeOutcome(outcome: TradeOutcome): void;
  /** Closed trades by trap type (the win-rate calibration) and today's realised result (the daily-loss gate). */
  outcomes(): { byTrapType: Record<TrapType, { trades: number; wins: number }>; realisedPnlPercentToday: number };
  droppedMarketData(): Record<BadMarketDataKind, number>;
  /** `triggered`: confirmed bursts by trap type, whether they became a signal or were suppressed. */
  stats(): { signals: number; triggered: Record<TrapType, number>; suppressed: Record<SuppressionReason, number>; lastRecomputeTsMs: number | null; symbols: number };
}

export interface StrategyOptions {
  readonly configVersion?: number;
  /**
   * Keep each symbol's bar-derived levels (volume-profile peaks, Bollinger squeeze) until a level bar
   * closes (default true); false runs the level calculators afresh at every recomputation. Same signals.
   */
  readonly levelPlanCache?: boolean;
}

export function createScavengerStrategy(params: ScavengerParameters, options: StrategyOptions = {}): ScavengerStrategy {
  return new ScavengerEngine(params, options.configVersion ?? 0, options.levelPlanCache ?? true);
}

/** A hand-built or stale parameter set is refused with every problem listed, before any state changes. */
function checkedParameters(params: ScavengerParameters, configVersion: number): ScavengerParameters {
  if (!Number.isInteger(configVersion) || configVersion < 0) throw new RangeError(`configVersion must be a non-negative integer, got ${configVersion}`);
  return loadScavengerParameters(params);
}

class ScavengerEngine implements ScavengerStrategy {
  parameters: ScavengerParameters;
  configVersion: number;
  private readonly market: MarketState;
  private book: TrapBook;
  private readonly cooldowns = new Cooldowns();
  private readonly tradeOutcomes = new TrapOutcomes();
  private readonly exposure = new ExposureGate();
  private top = new Uint8Array(8);
  private lastTradeTsMs = 0;
  private lastRecomputeTsMs: number | null = null;
  private signalCount = 0;
  private readonly suppressed: Record<SuppressionReason, number> = { "no-edge": 0, "max-open-positions": 0, "max-daily-loss": 0 };
  private readonly triggered = Object.fromEntries(TRAP_TYPES.map((type) => [type, 0])) as Record<TrapType, number>;
  private readonly levels: LevelPlanCache;
  lastTradeAccepted = false;

  constructor(params: ScavengerParameters, configVersion: number, levelPlanCache: boolean) {
    params = checkedParameters(params, configVersion);
    this.parameters = params;
    this.configVersion = configVersion;
    this.market = new MarketState(params);
    this.book = new TrapBook(params.volumeConfirmation);
    this.levels = new LevelPlanCache(levelPlanCache);
  }

  setParameters(params: ScavengerParameters, configVersion: number): void {
    params = checkedParameters(params, configVersion);
    this.parameters = params;
    this.configVersion = configVersion;
    this.market.configure(params);
    this.book = new TrapBook(params.volumeConfirmation, this.market.symbolCount);
    if (this.lastRecomputeTsMs !== null) this.recompute(this.lastRecomputeTsMs);
  }

  symbolIndex(symbol: string): number {
    const index = this.market.symbolIndex(symbol);
    this.top = grownUint8(this.top, capacityFor(index + 1, this.top.length));
    this.book.ensureSymbols(index + 1);
    this.cooldowns.ensureSymbols(index + 1);
    return index;
  }

  onTrade(symbol: string, priceUsd: number, qty: number, side: "buy" | "sell", tsMs: number, tradeId?: string): readonly ScavengerSignal[] {
    const index = this.symbolIndex(symbol);
    if (tradeId !== undefined && this.market.guard.isDuplicateTrade(index, tradeId)) {
      this.lastTradeAccepted = false;
      return NO_SIGNALS;
    }
    const signals = this.onTradeAt(index, priceUsd, qty, side === "buy" ? 1 : side === "sell" ? -1 : 0, tsMs);
    if (tradeId !== undefined && this.lastTradeAccepted) this.market.guard.rememberTradeId(index, tradeId);
    return signals;
  }

  onTradeAt(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): readonly ScavengerSignal[] {
    this.lastTradeAccepted = this.market.recordTrade(symbol, priceUsd, qty, sideSign, tsMs);
    if (!this.lastTradeAccepted) return NO_SIGNALS;
    this.lastTradeTsMs = tsMs;
    if (!(priceUsd >= (this.book.nearLow[symbol] as number) && priceUsd <= (this.book.nearHigh[symbol] as number))) return NO_SIGNALS;
    const fired = this.book.offer(symbol, priceUsd, tsMs, this.cooldowns);
    return fired === 0 ? NO_SIGNALS : this.fire(symbol, fired, tsMs);
  }

  onKline(kline: KlineInput): void {
    const index = this.symbolIndex(kline.symbol);
    // A new closed 5 m bar may complete the higher lows: evaluate at the bar's close.
    if (this.market.recordKline(kline)) this.evaluateFundingSqueeze(index, kline.openTsMs + FIVE_MINUTES_MS);
  }

  onOpenInterest(symbol: string, openInterestQty: number, tsMs: number): void {
    const index = this.symbolIndex(symbol);
    if (!this.market.recordOpenInterest(index, openInterestQty, tsMs) || this.top[index] !== 1) return;
    this.syncDetector(index, this.oiWipeoutPlan(index, tsMs), "oi-wipeout", tsMs);
  }

  onFunding(symbol: string, fundingRate: number, tsMs: number): void {
    const index = this.symbolIndex(symbol);
    if (this.market.recordFunding(index, fundingRate, tsMs)) this.evaluateFundingSqueeze(index, tsMs);
  }

  onSpotPrice(symbol: string, spotPriceUsd: number, tsMs: number): void {
    const index = this.symbolIndex(symbol);
    if (!this.market.recordSpotPrice(index, spotPriceUsd, tsMs) || this.top[index] !== 1) return;
    this.syncDetector(index, this.basisPlan(index, tsMs), "basis", tsMs);
  }

  recompute(tsMs: number): RecomputeResult {
    const p = this.parameters;
    const candidates: (RankedSymbolView & { index: number; plans: TrapPlan[] })[] = [];
    for (let index = 0; index < this.market.symbolCount; index++) {
      const priceUsd = this.market.referencePriceUsd(index);
      if (!(priceUsd > 0)) continue;
      const plans = [...this.levelPlans(index, priceUsd, tsMs), ...this.detectorPlans(index, tsMs)];
      const atrPercent = this.market.atrPercent(index);
      const volume24hUsd = this.market.volume24hUsd(index, tsMs);
      const quality = symbolQuality({ atrPercent, volume24hUsd, traps: plans.length }, p);
      candidates.push({ symbol: this.market.names[index] as string, index, quality, atrPercent, volume24hUsd, traps: plans.length, plans });
    }
    const ranked = rankSymbols(candidates, p.universe.topSymbols);
    this.top.fill(0);
    for (const entry of ranked) this.top[entry.index] = 1;
    for (let index = 0; index < this.market.symbolCount; index++) if (this.top[index] !== 1) this.book.disarmSymbol(index);
    for (const entry of ranked) {
      this.book.sync(entry.index, entry.plans, LEVEL_TRAPS, tsMs);
      this.book.sync(entry.index, entry.plans, DETECTOR_TRAPS, tsMs, true);
    }
    this.lastRecomputeTsMs = tsMs;
    return {
      tsMs,
      top: ranked.map(({ symbol, quality, atrPercent, volume24hUsd, traps }) => ({ symbol, quality, atrPercent, volume24hUsd, traps })),
      armedTraps: this.book.armedCount(),
    };
  }

  activeTraps(): ActiveTrap[] {
    const traps: ActiveTrap[] = [];
    for (let index = 0; index < this.market.symbolCount; index++) {
      for (let slot = 0; slot < SLOTS_PER_SYMBOL; slot++) {
        const plan = this.book.plan(index, slot);
        if (!plan) continue;
        const last = this.market.lastPriceUsd[index] as number;
        traps.push({
          symbol: this.market.names[index] as string,
          trapType: plan.trapType,
          side: plan.side,
          levelPriceUsd: plan.levelPriceUsd,
          triggerPriceUsd: plan.triggerPriceUsd,
          stopLossPriceUsd: plan.stopLossPriceUsd,
          takeProfitPriceUsd: plan.takeProfitPriceUsd,
          confidence: plan.confidence,
          leverage: plan.leverage,
          armedAtTsMs: this.book.armedAt(index, slot),
          lastPriceUsd: last > 0 ? last : null,
          distanceToTriggerPercent: last > 0 ? ((plan.triggerPriceUsd - last) / last) * 100 : null,
          coolingDownUntilTsMs: this.cooldowns.coolingUntil(index, plan.trapType, this.lastTradeTsMs),
        });
      }
    }
    return traps;
  }

  setOpenPositions(count: number): void {
    this.exposure.setOpenPositions(count);
  }

  recordTradeOutcome(outcome: TradeOutcome): void {
    if (!TRAP_TYPES.includes(outcome.trapType)) throw new RangeError(`unknown trap type '${String(outcome.trapType)}'`);
    this.exposure.recordClosedTrade(outcome.pnlPercentOfAllocation, outcome.closedTsMs);
    this.tradeOutcomes.record(outcome.trapType, outcome.pnlPercentOfAllocation > 0);
  }

  outcomes(): { byTrapType: Record<TrapType, { trades: number; wins: number }>; realisedPnlPercentToday: number } {
    const byTrapType = Object.fromEntries(TRAP_TYPES.map((t) => [t, this.tradeOutcomes.counts(t)])) as Record<TrapType, { trades: number; wins: number }>;
    return { byTrapType, realisedPnlPercentToday: this.exposure.snapshot().realisedPnlPercentToday };
  }

  droppedMarketData(): Record<BadMarketDataKind, number> {
    return this.market.guard.dropped();
  }

  stats() {
    return { signals: this.signalCount, triggered: { ...this.triggered }, suppressed: { ...this.suppressed }, lastRecomputeTsMs: this.lastRecomputeTsMs, symbols: this.market.symbolCount };
  }

  private levelPlans(index: number, priceUsd: number, tsMs: number): TrapPlan[] {
    return this.levels.plans(index, this.market.levelSeries(index), this.market.previousDay(index, tsMs), priceUsd, this.parameters);
  }

  private detectorPlans(index: number, tsMs: number): TrapPlan[] {
    const plans = [this.oiWipeoutPlan(index, tsMs), this.fundingSqueezePlan(index, tsMs), this.basisPlan(index, tsMs)];
    return plans.filter((plan): plan is TrapPlan => plan !== null);
  }

  // The detectors run on every open-interest report, funding rate and spot price: their cheap half is
  // checked first, and the price window, bars, volume delta or 24 h volume gathered only when it holds
  // (the detector checks it again: the same plans as gathering everything every time).
  private oiWipeoutPlan(index: number, tsMs: number): TrapPlan | null {
    const oi = this.market.openInterestNow(index, tsMs);
    if (!oi || !openInterestWipedOut(oi.openInterestQty, oi.referenceOpenInterestQty, this.parameters)) return null;
    const input = this.market.oiWipeoutInput(index, tsMs);
    return input ? oiWipeoutTrap(input, this.parameters) : null;
  }

  private fundingSqueezePlan(index: number, tsMs: number): TrapPlan | null {
    if (!fundingCrowdsShorts(this.market.funding(index), this.parameters)) return null;
    const input = this.market.fundingSqueezeInput(index, tsMs);
    return input ? fundingSqueezeTrap(input, this.parameters) : null;
  }

  private basisPlan(index: number, tsMs: number): TrapPlan | null {
    if (!basisDiscountHolds(this.market.spotPrice(index), this.market.lastPriceUsd[index] as number, this.parameters)) return null;
    const input = this.market.basisInput(index, tsMs);
    return input ? basisTrap(input, this.parameters) : null;
  }

  private evaluateFundingSqueeze(index: number, tsMs: number): void {
    if (this.top[index] !== 1) return;
    this.syncDetector(index, this.fundingSqueezePlan(index, tsMs), "funding-squeeze", tsMs);
  }

  /** A detector re-evaluated on its own input: armed while its condition holds, at the price it first held. */
  private syncDetector(index: number, plan: TrapPlan | null, trapType: TrapType, tsMs: number): void {
    // Most evaluations change nothing (still no trap, or its trap already armed and kept as it is): the
    // book is left alone then, exactly as its sync would leave it, at a fraction of the cost.
    const long = this.book.plan(index, slotOf(trapType, "long")) !== undefined;
    const short = this.book.plan(index, slotOf(trapType, "short")) !== undefined;
    const unchanged = plan === null ? !long && !short : plan.side === "long" ? long && !short : short && !long;
    if (!unchanged) this.book.sync(index, plan ? [plan] : [], ONLY[trapType], tsMs, true);
  }

  /** The rare path: turn completed bursts into signals (or count why not). */
  private fire(symbol: number, fired: number, tsMs: number): readonly ScavengerSignal[] {
    const slots = Array.from(this.book.fired().subarray(0, fired));
    const signals: ScavengerSignal[] = [];
    for (const slot of slots) {
      const plan = this.book.plan(symbol, slot);
      if (!plan) continue;
      this.book.disarm(symbol, slot);
      this.triggered[plan.trapType]++;
      const block = this.exposure.blockAt(tsMs, this.parameters);
      const size = proposeSize(plan, this.tradeOutcomes, this.parameters);
      if (block !== null || size.marginFraction <= 0) {
        this.suppressed[block ?? "no-edge"]++;
        continue;
      }
      this.cooldowns.start(symbol, plan.trapType, tsMs, this.parameters.cooldownSeconds * 1_000);
      signals.push(this.signalFor(symbol, plan, slot, size, tsMs));
    }
    this.signalCount += signals.length;
    return signals.length > 0 ? signals : NO_SIGNALS;
  }

  private signalFor(symbol: number, plan: TrapPlan, slot: number, size: ReturnType<typeof proposeSize>, tsMs: number): ScavengerSignal {
    const name = this.market.names[symbol] as string;
    const tolerance = this.parameters.volumeConfirmation.priceTolerancePercent / 100;
    const trapType = trapTypeOfSlot(slot);
    return {
      signalId: signalIdFor(name, trapType, plan.triggerPriceUsd, tsMs),
      symbol: name,
      side: sideOfSlot(slot),
      trapType,
      levelPriceUsd: plan.levelPriceUsd,
      triggerPriceUsd: plan.triggerPriceUsd,
      entryZone: { lowPriceUsd: plan.triggerPriceUsd * (1 - tolerance), highPriceUsd: plan.triggerPriceUsd * (1 + tolerance) },
      stopLossPriceUsd: plan.stopLossPriceUsd,
      takeProfits: [{ priceUsd: plan.takeProfitPriceUsd, fraction: 1 }],
      confidence: plan.confidence,
      leverage: plan.leverage,
      size,
      configVersion: this.configVersion,
      tsMs,
    };
  }
}
