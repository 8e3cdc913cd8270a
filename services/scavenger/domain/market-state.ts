// Everything the scavenger knows about each symbol's market, built only from the events it is given:
// last price, trade flow windows, closed bars (the level interval and 5 m), the UTC daily range, open
// interest, funding and the spot price. Every event passes the market-data guard first. Symbols are
// numbered in order of first appearance; all per-symbol state is indexed by that number.

import { BarSeries } from "./bar-series.js";
import { DAY_MS, DailyRange } from "./daily-range.js";
import type { BasisInput, FundingSqueezeInput, OiWipeoutInput } from "./detectors.js";
import { capacityFor, grownFloat64 } from "./growable.js";
import { atrPercent } from "./indicators.js";
import { MarketDataGuard, type BarFields } from "./market-data-guard.js";
import { OpenInterestHistory } from "./open-interest-history.js";
import { INTERVAL_MS, type ScavengerParameters } from "./scavenger-parameters.js";
import { TradeFlowWindows } from "./trade-flow-windows.js";

const FIVE_MINUTES_MS = INTERVAL_MS["5m"];
/** 5 m bars kept beyond those the funding squeeze reads. */
const FIVE_MINUTE_BARS_MIN = 12;

/** A closed bar as the contracts' MarketKline carries it (that type fits). */
export interface KlineInput extends BarFields {
  readonly symbol: string;
  readonly interval: string;
  /** False while the bar is still forming: such bars are ignored. */
  readonly closed: boolean;
}

/** Bars the level calculators, the ATR and the 24 h volume need on the level interval. */
export function levelBarCapacity(params: ScavengerParameters): number {
  const intervalMs = INTERVAL_MS[params.universe.barInterval];
  return Math.max(
    params.volumeCluster.lookbackBars,
    params.bollingerSqueeze.period + params.bollingerSqueeze.widthLookback - 1,
    params.quality.atrPeriod + 1,
    Math.ceil(DAY_MS / intervalMs) + 1,
  );
}

const flowWindowMs = (params: ScavengerParameters) =>
  Math.max(params.oiWipeout.priceWindowMs, params.oiWipeout.cvdWindowMs, params.fundingSqueeze.cvdWindowMs);

export class MarketState {
  readonly names: string[] = [];
  readonly guard: MarketDataGuard;
  private readonly indexByName = new Map<string, number>();
  private params: ScavengerParameters;
  private capacity = 0;
  private flows: TradeFlowWindows;
  private oi: OpenInterestHistory;
  private readonly daily = new DailyRange();
  private levelBars: BarSeries[] = [];
  private fiveMinuteBars: BarSeries[] = [];
  lastPriceUsd = new Float64Array(0);
  private fundingRate = new Float64Array(0);
  private spotPriceUsd = new Float64Array(0);

  constructor(params: ScavengerParameters) {
    this.params = params;
    this.guard = new MarketDataGuard(params.dataGuard);
    this.flows = new TradeFlowWindows(flowWindowMs(params));
    this.oi = new OpenInterestHistory(params.oiWipeout.oiReferenceAgeMs);
  }

  get symbolCount(): number {
    return this.names.length;
  }

  /** The symbol's number, registering it on first sight. */
  symbolIndex(symbol: string): number {
    const known = this.indexByName.get(symbol);
    if (known !== undefined) return known;
    const index = this.names.length;
    this.names.push(symbol);
    this.indexByName.set(symbol, index);
    this.ensureSymbols(index + 1);
    this.levelBars.push(this.newLevelSeries());
    this.fiveMinuteBars.push(this.newFiveMinuteSeries(this.levelBars[index] as BarSeries));
    return index;
  }

  /** Applies new parameters, keeping every history whose shape they did not change. */
  configure(params: ScavengerParameters): void {
    const before = this.params;
    this.params = params;
    this.guard.configure(params.dataGuard);
    if (flowWindowMs(params) !== flowWindowMs(before)) {
      this.flows = new TradeFlowWindows(flowWindowMs(params), this.capacity);
    }
    if (params.oiWipeout.oiReferenceAgeMs !== before.oiWipeout.oiReferenceAgeMs) this.oi = new OpenInterestHistory(params.oiWipeout.oiReferenceAgeMs, this.capacity);
    const levelCapacity = this.levelCapacity();
    const levelIntervalMs = INTERVAL_MS[params.universe.barInterval];
    for (let i = 0; i < this.levelBars.length; i++) {
      const oldLevel = this.levelBars[i] as BarSeries;
      const oldFive = this.fiveMinuteBars[i] as BarSeries;
      const level =
        levelIntervalMs === FIVE_MINUTES_MS
          ? oldFive.resized(levelCapacity)
          : oldLevel.intervalMs === levelIntervalMs
            ? oldLevel.resized(levelCapacity)
            : new BarSeries(levelCapacity, levelIntervalMs);
      this.levelBars[i] = level;
      this.fiveMinuteBars[i] = level.intervalMs === FIVE_MINUTES_MS ? level : oldFive.resized(this.fiveMinuteCapacity());
    }
  }

  /** The trade path: guard, last price, flow windows. False when the trade was dropped. */
  recordTrade(symbol: number, priceUsd: number, qty: number, sideSign: number, tsMs: number): boolean {
    if (!this.guard.acceptTrade(symbol, priceUsd, qty, sideSign, tsMs)) return false;
    this.lastPriceUsd[symbol] = priceUsd;
    this.flows.record(symbol, priceUsd, qty, sideSign, tsMs);
    return true;
  }

  /** A closed bar; returns true when it extended the symbol's 5 m series (the funding squeeze reads it). */
  recordKline(kline: KlineInput): boolean {
    const intervalMs = (INTERVAL_MS as Record<string, number | undefined>)[kline.interval];
    if (intervalMs === undefined || !kline.closed) return false;
    const symbol = this.symbolIndex(kline.symbol);
    const series = [this.levelBars[symbol], this.fiveMinuteBars[symbol]].filter((s): s is BarSeries => s?.intervalMs === intervalMs);
    const target = series[0];
    if (!target) {
      if (this.guard.barNumbersOk(kline, intervalMs)) this.daily.record(symbol, kline.openTsMs, intervalMs, kline.highPriceUsd, kline.lowPriceUsd);
      return false;
    }
    const verdict = this.guard.checkBar(kline, intervalMs, target.lastOpenTsMs);
    if (verdict === "drop") return false;
    if (verdict === "restart") target.clear();
    const turnoverUsd = kline.turnoverUsd !== undefined && kline.turnoverUsd > 0 ? kline.turnoverUsd : kline.volumeQty * kline.closePriceUsd;
    target.push(kline.openTsMs, kline.openPriceUsd, kline.highPriceUsd, kline.lowPriceUsd, kline.closePriceUsd, kline.volumeQty, turnoverUsd);
    this.daily.record(symbol, kline.openTsMs, intervalMs, kline.highPriceUsd, kline.lowPriceUsd);
    return intervalMs === FIVE_MINUTES_MS;
  }

  recordOpenInterest(symbol: number, openInterestQty: number, tsMs: number): boolean {
    if (!this.guard.acceptOpenInterest(symbol, openInterestQty, tsMs)) return false;
    this.oi.record(symbol, openInterestQty, tsMs);
    return true;
  }

  recordFunding(symbol: number, fundingRate: number, tsMs: number): boolean {
    if (!this.guard.acceptFunding(symbol, fundingRate, tsMs)) return false;
    this.fundingRate[symbol] = fundingRate;
    return true;
  }

  recordSpotPrice(symbol: number, spotPriceUsd: number, tsMs: number): boolean {
    if (!this.guard.acceptSpotPrice(symbol, spotPriceUsd, tsMs)) return false;
    this.spotPriceUsd[symbol] = spotPriceUsd;
    return true;
  }

  /** Last trade price, or the last bar's close before any trade; NaN when neither is known. */
  referencePriceUsd(symbol: number): number {
    const last = this.lastPriceUsd[symbol] as number;
    return last > 0 ? last : (this.levelBars[symbol]?.lastClose ?? Number.NaN);
  }

  levelSeries(symbol: number): BarSeries {
    return this.levelBars[symbol] as BarSeries;
  }

  previousDay(symbol: number, nowMs: number) {
    return this.daily.previousDay(symbol, nowMs);
  }

  atrPercent(symbol: number): number {
    const bars = this.levelSeries(symbol);
    return atrPercent(bars.high, bars.low, bars.close, this.params.quality.atrPeriod, bars.end, bars.start);
  }

  volume24hUsd(symbol: number, nowMs: number): number {
    return this.levelSeries(symbol).turnoverSince(nowMs - DAY_MS);
  }

  /** The latest open interest and the reference sample the wipeout compares it with; null while either is missing. */
  openInterestNow(symbol: number, nowMs: number): { openInterestQty: number; referenceOpenInterestQty: number } | null {
    const latest = this.oi.latest(symbol);
    const reference = this.oi.reference(symbol, nowMs, this.params.oiWipeout.oiReferenceAgeMs);
    return latest && reference ? { openInterestQty: latest.openInterestQty, referenceOpenInterestQty: reference.openInterestQty } : null;
  }

  oiWipeoutInput(symbol: number, nowMs: number): OiWipeoutInput | null {
    const p = this.params.oiWipeout;
    const oi = this.openInterestNow(symbol, nowMs);
    if (!oi) return null;
    return {
      lastPriceUsd: this.lastPriceUsd[symbol] as number,
      windowHighPriceUsd: this.flows.highestPrice(symbol, nowMs, p.priceWindowMs),
      ...oi,
      volumeDeltaQty: this.flows.volumeDelta(symbol, nowMs, p.cvdWindowMs),
    };
  }

  /** The last funding rate; NaN before any. */
  funding(symbol: number): number {
    return this.fundingRate[symbol] as number;
  }

  /** The last spot price of the symbol's underlying; NaN before any. */
  spotPrice(symbol: number): number {
    return this.spotPriceUsd[symbol] as number;
  }

  fundingSqueezeInput(symbol: number, nowMs: number): FundingSqueezeInput | null {
    const bars = this.fiveMinuteBars[symbol] as BarSeries;
    const n = this.params.fundingSqueeze.higherLowBars;
    if (Number.isNaN(this.fundingRate[symbol]) || bars.length < n) return null;
    return {
      lastPriceUsd: this.lastPriceUsd[symbol] as number,
      fundingRate: this.fundingRate[symbol] as number,
      lows: Array.from(bars.low.subarray(bars.end - n, bars.end)),
      highs: Array.from(bars.high.subarray(bars.end - n, bars.end)),
      volumeDeltaQty: this.flows.volumeDelta(symbol, nowMs, this.params.fundingSqueeze.cvdWindowMs),
    };
  }

  basisInput(symbol: number, nowMs: number): BasisInput | null {
    if (Number.isNaN(this.spotPriceUsd[symbol])) return null;
    return {
      spotPriceUsd: this.spotPriceUsd[symbol] as number,
      perpPriceUsd: this.lastPriceUsd[symbol] as number,
      volume24hUsd: this.volume24hUsd(symbol, nowMs),
    };
  }

  private ensureSymbols(symbols: number): void {
    this.guard.ensureSymbols(symbols);
    this.flows.ensureSymbols(symbols);
    this.oi.ensureSymbols(symbols);
    this.daily.ensureSymbols(symbols);
    if (symbols <= this.capacity) return;
    this.capacity = capacityFor(symbols, this.capacity);
    this.lastPriceUsd = grownFloat64(this.lastPriceUsd, this.capacity, Number.NaN);
    this.fundingRate = grownFloat64(this.fundingRate, this.capacity, Number.NaN);
    this.spotPriceUsd = grownFloat64(this.spotPriceUsd, this.capacity, Number.NaN);
  }

  private fiveMinuteCapacity(): number {
    return Math.max(FIVE_MINUTE_BARS_MIN, this.params.fundingSqueeze.higherLowBars);
  }

  /** With 5 m level bars the series also serves the funding squeeze, so it holds enough for both. */
  private levelCapacity(): number {
    const intervalMs = INTERVAL_MS[this.params.universe.barInterval];
    return Math.max(levelBarCapacity(this.params), intervalMs === FIVE_MINUTES_MS ? this.fiveMinuteCapacity() : 0);
  }

  private newLevelSeries(): BarSeries {
    return new BarSeries(this.levelCapacity(), INTERVAL_MS[this.params.universe.barInterval]);
  }

  /** With 5 m level bars, the funding squeeze reads the same series. */
  private newFiveMinuteSeries(level: BarSeries): BarSeries {
    return level.intervalMs === FIVE_MINUTES_MS ? level : new BarSeries(this.fiveMinuteCapacity(), FIVE_MINUTES_MS);
  }
}
