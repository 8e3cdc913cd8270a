// The synthetic market's past: closed klines for the hours before the live feed starts, so that
// anything needing history (the scavenger's 1 h levels want days of bars) has it at once instead of
// after days of running. Generating those hours trade by trade costs about a minute for three
// symbols; this steps the same regime chain once per 15 s instead (four points a minute give each
// minute its open, high, low and close) and aggregates the points through the KlineBuilder the live
// market uses, so the bars have the live market's shape, volatility and volume. Deterministic for
// (seed, symbol, fromMs). The live market then starts at the last close, so past and present join.

import type { MarketEvent, Venue } from "../events.js";
import { KlineBuilder, type KlineInterval } from "../kline-builder.js";
import type { MarketKline } from "../../../shared/contracts/index.js";
import { DEFAULT_KLINE_INTERVALS } from "./market.js";
import type { SymbolProfile } from "./profiles.js";
import { SeededRandom, hashSeed } from "./random.js";
import { REGIME_PARAMS, nextRegime, regimeDurationMs, type Regime } from "./regimes.js";

const STEP_MS = 15_000;
const STEP_SECONDS = STEP_MS / 1_000;
const STEPS_PER_MINUTE = 4;
/** Minute volumes vary around the profile's mean; this is the spread of their logarithm. */
const VOLUME_LOG_SIGMA = 0.5;

export interface SyntheticHistoryOptions {
  readonly seed: number;
  readonly profile: SymbolProfile;
  /** First minute of history (floored to the minute). */
  readonly fromMs: number;
  /** End of history, exclusive (floored to the minute): bars ending by then are emitted. */
  readonly toMs: number;
  /** Price at fromMs; the profile's start price when absent. */
  readonly startPriceUsd?: number;
  readonly intervals?: readonly KlineInterval[];
  readonly venue?: Venue;
}

export interface SyntheticHistory {
  /** Closed bars of every interval, ordered by close time (then interval). */
  readonly klines: MarketKline[];
  /** The last point of the path: where the live market picks up. */
  readonly lastPriceUsd: number;
  readonly fromMs: number;
  readonly toMs: number;
}

const floorMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

/**
 * The history one minute at a time: each yield is the bars that closed at one minute boundary, in
 * (close time, open time) order, so the whole window never sits in memory (72 h of three symbols is
 * ~21,000 bars, ~25 MB of heap that a service would keep as resident memory after the GC). The
 * generator's return value is the path's last price, where the live market picks up.
 */
export function* syntheticHistoryBars(options: SyntheticHistoryOptions): Generator<MarketKline[], number, void> {
  const { profile } = options;
  const fromMs = floorMinute(options.fromMs);
  const toMs = floorMinute(options.toMs);
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`synthetic history: seed must be an integer, got ${options.seed}`);
  if (!(toMs >= fromMs)) throw new RangeError(`synthetic history: toMs ${options.toMs} is before fromMs ${options.fromMs}`);
  const startPriceUsd = options.startPriceUsd ?? profile.startPriceUsd;
  if (!(startPriceUsd > 0) || !Number.isFinite(startPriceUsd)) throw new RangeError(`synthetic history: start price must be positive, got ${startPriceUsd}`);

  const random = new SeededRandom(hashSeed(options.seed ^ Math.floor(fromMs / 60_000), `history:${profile.symbol}`));
  const builder = new KlineBuilder({ intervals: options.intervals ?? DEFAULT_KLINE_INTERVALS, venue: options.venue ?? "bybit" });
  const events: MarketEvent[] = [];
  const meanUsdPerMinute = profile.tradesPerSecond * 60 * profile.medianTradeNotionalUsd;
  // Bars close when the first point of a later bar arrives, so a minute's points close only earlier bars.
  const drain = (): MarketKline[] => {
    const bars = events.flatMap((e) => (e.type === "market-kline" ? [{ ...e.payload, tsMs: e.payload.closeTsMs }] : []));
    events.length = 0;
    return bars.sort((a, b) => a.closeTsMs - b.closeTsMs || a.openTsMs - b.openTsMs);
  };

  let regime: Regime = "normal";
  let regimeEndsMs = fromMs + regimeDurationMs(regime, random);
  let driftPerSecond = random.normal() * REGIME_PARAMS.normal.trendPerSecond * profile.volatilityScale;
  let logPrice = Math.log(startPriceUsd);
  let priceUsd = startPriceUsd;

  for (let minuteMs = fromMs; minuteMs < toMs; minuteMs += 60_000) {
    const params = REGIME_PARAMS[regime];
    const minuteUsd = random.logNormal(meanUsdPerMinute * params.tradeRateMultiplier, VOLUME_LOG_SIGMA);
    const sigma = params.volatilityPerSqrtSecond * profile.volatilityScale * Math.sqrt(STEP_SECONDS);
    for (let step = 0; step < STEPS_PER_MINUTE; step++) {
      const tMs = minuteMs + step * STEP_MS;
      if (tMs >= regimeEndsMs) {
        regime = nextRegime(regime, random);
        regimeEndsMs = tMs + regimeDurationMs(regime, random);
        driftPerSecond = random.normal() * REGIME_PARAMS[regime].trendPerSecond * profile.volatilityScale;
      }
      // The first point of a minute is the previous close: the minute opens where the last one ended.
      if (step > 0) logPrice += driftPerSecond * STEP_SECONDS + sigma * random.normal();
      priceUsd = roundToTick(Math.exp(logPrice), profile.tickSizeUsd);
      builder.onTrade(profile.symbol, tMs, priceUsd, roundToLot(minuteUsd / STEPS_PER_MINUTE / priceUsd, profile.lotStepQty), events);
    }
    if (events.length > 0) yield drain();
  }
  builder.closeDue(toMs, events);
  if (events.length > 0) yield drain();
  return priceUsd;
}

/** The whole history at once (tests, small windows). */
export function syntheticHistory(options: SyntheticHistoryOptions): SyntheticHistory {
  const bars = syntheticHistoryBars(options);
  const klines: MarketKline[] = [];
  for (;;) {
    const next = bars.next();
    if (next.done) return { klines, lastPriceUsd: next.value, fromMs: floorMinute(options.fromMs), toMs: floorMinute(options.toMs) };
    klines.push(...next.value);
  }
}

const roundToTick = (x: number, tick: number): number => Number((Math.max(tick, Math.round(x / tick) * tick)).toFixed(12));
const roundToLot = (x: number, lot: number): number => Number((Math.max(lot, Math.round(x / lot) * lot)).toFixed(12));
