// Volatility regimes of the synthetic market: a Markov chain over calm / normal / volatile, each with
// its own volatility, trend strength, trade rate, spread and burst rate, and a random holding time.
// Markets cluster their volatility like this; a strategy tested only on one regime learns nothing.

import type { SeededRandom } from "./random.js";

export const REGIMES = ["calm", "normal", "volatile"] as const;
export type Regime = (typeof REGIMES)[number];

export interface RegimeParams {
  /** Standard deviation of the log price per √second. */
  readonly volatilityPerSqrtSecond: number;
  /** Standard deviation of the drift (log price per second) drawn when the regime starts. */
  readonly trendPerSecond: number;
  readonly tradeRateMultiplier: number;
  readonly spreadTicks: number;
  /** Bursts per minute that start anywhere (level touches add their own). */
  readonly randomBurstsPerMinute: number;
  /** Long-liquidation cascades per minute (only where non-zero). */
  readonly cascadesPerMinute: number;
  readonly meanDurationMs: number;
  /** Where the chain goes when the regime ends. */
  readonly next: Readonly<Record<Regime, number>>;
  /** Standard deviation of the spot–perp basis per √second. */
  readonly basisVolatilityPerSqrtSecond: number;
}

const MINUTE_MS = 60_000;

export const REGIME_PARAMS: Readonly<Record<Regime, RegimeParams>> = {
  calm: {
    volatilityPerSqrtSecond: 0.00006,
    trendPerSecond: 4e-7,
    tradeRateMultiplier: 0.5,
    spreadTicks: 1,
    randomBurstsPerMinute: 0.05,
    cascadesPerMinute: 0,
    meanDurationMs: 15 * MINUTE_MS,
    next: { calm: 0, normal: 0.85, volatile: 0.15 },
    basisVolatilityPerSqrtSecond: 0.000008,
  },
  normal: {
    volatilityPerSqrtSecond: 0.00014,
    trendPerSecond: 1.5e-6,
    tradeRateMultiplier: 1,
    spreadTicks: 1,
    randomBurstsPerMinute: 0.15,
    cascadesPerMinute: 0,
    meanDurationMs: 25 * MINUTE_MS,
    next: { calm: 0.55, normal: 0, volatile: 0.45 },
    basisVolatilityPerSqrtSecond: 0.000015,
  },
  volatile: {
    volatilityPerSqrtSecond: 0.00045,
    trendPerSecond: 8e-6,
    tradeRateMultiplier: 3,
    spreadTicks: 3,
    randomBurstsPerMinute: 1,
    cascadesPerMinute: 0.05,
    meanDurationMs: 5 * MINUTE_MS,
    next: { calm: 0.25, normal: 0.75, volatile: 0 },
    basisVolatilityPerSqrtSecond: 0.00004,
  },
};

/** The regime that follows `current`, drawn from its transition row. */
export function nextRegime(current: Regime, random: SeededRandom): Regime {
  const row = REGIME_PARAMS[current].next;
  let draw = random.next();
  for (const regime of REGIMES) {
    draw -= row[regime];
    if (draw < 0) return regime;
  }
  return current === "normal" ? "calm" : "normal";
}

/** How long a regime lasts: exponential around its mean, at least 30 s so that it shows. */
export const regimeDurationMs = (regime: Regime, random: SeededRandom): number =>
  Math.max(30_000, random.exponential(REGIME_PARAMS[regime].meanDurationMs));
