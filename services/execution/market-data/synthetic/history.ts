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

export function syntheticHistory(options: SyntheticHistoryOptions): SyntheticHistory {
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
  }
  builder.closeDue(toMs, events);

  const klines = events.flatMap((e) => (e.type === "market-kline" ? [{ ...e.payload, tsMs: e.payload.closeTsMs }] : []));
  klines.sort((a, b) => a.closeTsMs - b.closeTsMs || a.openTsMs - b.openTsMs);
  return { klines, lastPriceUsd: priceUsd, fromMs, toMs };
}

const roundToTick = (x: number, tick: number): number => Number((Math.max(tick, Math.round(x / tick) * tick)).toFixed(12));
const roundToLot = (x: number, lot: number): number => Number((Math.max(lot, Math.round(x / lot) * lot)).toFixed(12));
