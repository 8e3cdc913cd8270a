// Every number of domain.md's "Scavenger" section as one validated, versionable parameter set. The
// schema's defaults are domain.md's figures; the eight parameters AI Quant may search carry its
// whitelisted bounds (domain.md "AI Quant", step 3) as their minimum and maximum, under the names of
// QUANT_PARAMETERS in the shared contracts. A stored configuration version is the complete parsed
// object, so a later change of default never changes the meaning of an old version.

import { Type, type Static, type TSchema } from "typebox";
import { KLINE_INTERVALS } from "../../shared/contracts/index.js";
import { ParametersError, parseParameters, type ParametersResult } from "../../shared/contracts/parameters.js";

const STRICT = { additionalProperties: false } as const;
const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

const section = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { ...STRICT, default: {} });
const enabled = () => Type.Boolean({ default: true, description: "false = this trap is never armed" });
const percent = (defaultValue: number, description: string, maximum = 100) =>
  Type.Number({ exclusiveMinimum: 0, maximum, default: defaultValue, description: `${description} (percent: 1 = 1 %)` });
const confidence = (defaultValue: number) => Type.Number({ minimum: 0, maximum: 100, default: defaultValue, description: "0–100; also the win rate until calibrated" });
const leverage = (defaultValue: number) => Type.Number({ minimum: 1, maximum: 125, default: defaultValue, description: "the trap's leverage, capped by maxLeverage" });
const count = (defaultValue: number, minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, default: defaultValue, description });
const durationMs = (defaultMs: number, minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, default: defaultMs, description });

/** Bar intervals the level calculators can work on (a daily bar series would make "previous day" meaningless). */
export const LEVEL_BAR_INTERVALS = KLINE_INTERVALS.filter((interval) => interval !== "1d");

export const ScavengerParametersSchema = Type.Object(
  {
    /** The shape of this document; a new shape gets a new number and a migration of stored versions. */
    schemaVersion: Type.Literal(1, { default: 1 }),

    // AI Quant's whitelist: the search space is exactly these bounds.
    maxLeverage: Type.Number({ minimum: 1, maximum: 20, default: 20, description: "cap on every trap's leverage" }),
    stopLossPercent: Type.Number({ minimum: 0.1, maximum: 5, default: 1, description: "stop distance for traps without their own (percent)" }),
    takeProfitPercent: Type.Number({ minimum: 0.5, maximum: 20, default: 3, description: "target distance for traps without their own (percent)" }),
    riskPerTradePercent: Type.Number({ minimum: 0.1, maximum: 5, default: 2, description: "loss at the stop, as percent of the allocation, caps the size proposal" }),
    maxDailyLossPercent: Type.Number({ minimum: 1, maximum: 20, default: 5, description: "realised loss in one UTC day (percent of allocation) after which no signal is proposed" }),
    maxPositionSizePercent: Type.Number({ minimum: 10, maximum: 100, default: 50, description: "margin of one position, percent of the allocation" }),
    maxOpenPositions: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: "no signal is proposed while this many positions are open" }),
    cooldownSeconds: Type.Integer({ minimum: 0, maximum: 3_600, default: 300, description: "per symbol and trap type after a trap fires" }),

    universe: section({
      topSymbols: count(10, 1, 500, "symbols whose traps are armed after each ranking"),
      recomputeIntervalMs: durationMs(MINUTE_MS, SECOND_MS, HOUR_MS, "how often levels and the ranking are recomputed"),
      barInterval: Type.Enum([...LEVEL_BAR_INTERVALS], { default: "1h", description: "bars for the volume profile, Bollinger bands and ATR" }),
    }),
    volumeConfirmation: section({
      minTrades: count(50, 1, 10_000, "individual trades needed inside the window"),
      windowMs: durationMs(100, 1, MINUTE_MS, "length of the sliding window"),
      priceTolerancePercent: percent(0.1, "a trade counts when its price is within this of the trigger", 5),
    }),
    volumeCluster: section({
      enabled: enabled(),
      profileBins: count(50, 2, 1_000, "bins of the volume profile"),
      topPeaks: count(3, 1, 50, "peaks of the profile considered"),
      lookbackBars: count(72, 2, 5_000, "bars the profile is built from"),
      minBars: count(50, 2, 5_000, "no profile from fewer bars"),
      triggerOffsetPercent: percent(0.2, "trigger beyond the cluster", 10),
      confidence: confidence(95),
      leverage: leverage(20),
    }),
    dailyLevel: section({
      enabled: enabled(),
      maxDistancePercent: percent(2, "a previous-day high or low further than this from price is ignored", 50),
      triggerOffsetPercent: percent(0.1, "trigger beyond the level", 10),
      confidence: confidence(85),
      leverage: leverage(12),
    }),
    bollingerSqueeze: section({
      enabled: enabled(),
      period: count(20, 2, 500, "Bollinger period (bars)"),
      stdDevMultiplier: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 2, description: "band distance in population standard deviations" }),
      widthLookback: count(72, 1, 2_000, "widths the current one is ranked against (the current one included)"),
      lowestWidthFraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1, description: "squeeze = width among the lowest this fraction" }),
      triggerOffsetPercent: percent(0.1, "trigger beyond the band", 10),
      confidence: confidence(90),
      leverage: leverage(15),
    }),
    oiWipeout: section({
      enabled: enabled(),
      priceDropPercent: percent(3, "drop from the window's high to the last price"),
      priceWindowMs: durationMs(5 * MINUTE_MS, SECOND_MS, HOUR_MS, "window of the price drop"),
      oiDropPercent: percent(20, "open-interest drop against the reference sample"),
      oiReferenceAgeMs: durationMs(5 * MINUTE_MS, SECOND_MS, HOUR_MS, "the reference sample is at least this old"),
      cvdWindowMs: durationMs(MINUTE_MS, SECOND_MS, HOUR_MS, "cumulative volume delta over this must be positive"),
      retraceFraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5, description: "target = this fraction of the drop retraced" }),
      stopLossPercent: percent(2, "stop below the trigger", 50),
      // domain.md gives no confidence or leverage for the detectors: these are this project's choice.
      confidence: confidence(80),
      leverage: leverage(10),
    }),
    fundingSqueeze: section({
      enabled: enabled(),
      maxFundingRatePercent: Type.Number({ minimum: -100, maximum: 100, default: -0.02, description: "funding below this (percent per interval) counts as crowded shorts" }),
      higherLowBars: count(3, 2, 50, "consecutive closed 5 m bars whose lows must rise"),
      cvdWindowMs: durationMs(5 * MINUTE_MS, SECOND_MS, HOUR_MS, "cumulative volume delta over this must be rising (positive)"),
      targetAboveHighPercent: percent(2, "target above the recent high", 50),
      stopBelowLowPercent: percent(0.5, "stop below the last low", 50),
      confidence: confidence(75),
      leverage: leverage(10),
    }),
    basis: section({
      enabled: enabled(),
      minBasisPercent: percent(0.5, "(spot − perp) / spot above this"),
      minVolume24hUsd: Type.Number({ minimum: 0, default: 1_000_000, description: "24 h volume of the perpetual at least this" }),
      targetBelowSpotPercent: percent(0.1, "target below the spot price", 10),
      stopLossPercent: percent(0.5, "stop below the trigger", 50),
      confidence: confidence(70),
      leverage: leverage(5),
    }),
    quality: section({
      volatilityWeight: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
      volumeWeight: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
      confluenceWeight: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
      atrPeriod: count(14, 1, 500, "ATR period (bars)"),
      atrPercentForFullScore: percent(5, "ATR (percent of price) that scores full volatility", 1_000),
      volume24hUsdForFullScore: Type.Number({ exclusiveMinimum: 0, default: 10_000_000, description: "24 h volume that scores full volume" }),
      trapsForFullScore: count(3, 1, 50, "traps on a symbol that score full confluence"),
    }),
    sizing: section({
      kellyMultiplier: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25, description: "0.25 = quarter Kelly" }),
      minTradesForCalibration: count(30, 1, 100_000, "closed trades of a trap type before its own win rate replaces its confidence"),
    }),
    dataGuard: section({
      maxTradeGapMs: durationMs(5 * MINUTE_MS, SECOND_MS, 24 * HOUR_MS, "a longer silence between two trades of a symbol is counted as a gap"),
      recentTradeIds: count(256, 1, 100_000, "trade ids remembered per symbol to catch duplicates"),
    }),
  },
  STRICT,
);

export type ScavengerParameters = Static<typeof ScavengerParametersSchema>;

export type ScavengerParametersResult = ParametersResult<ScavengerParameters>;

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** Relations a per-field schema cannot express; each rule runs only where its fields are numbers. */
function crossFieldProblems(p: ScavengerParameters): string[] {
  const problems: string[] = [];
  const q = p.quality ?? {};
  if (isNumber(q.volatilityWeight) && isNumber(q.volumeWeight) && isNumber(q.confluenceWeight)) {
    const sum = q.volatilityWeight + q.volumeWeight + q.confluenceWeight;
    if (Math.abs(sum - 1) > 1e-9) problems.push(`quality: volatilityWeight + volumeWeight + confluenceWeight must be 1, got ${sum}`);
  }
  const vc = p.volumeCluster ?? {};
  if (isNumber(vc.topPeaks) && isNumber(vc.profileBins) && vc.topPeaks > vc.profileBins)
    problems.push(`volumeCluster.topPeaks: must be at most profileBins (${vc.profileBins}), got ${vc.topPeaks}`);
  if (isNumber(vc.minBars) && isNumber(vc.lookbackBars) && vc.minBars > vc.lookbackBars)
    problems.push(`volumeCluster.minBars: must be at most lookbackBars (${vc.lookbackBars}), got ${vc.minBars}`);
  return problems;
}

/**
 * Reads a possibly partial parameter set (`undefined` = all defaults), fills defaults from domain.md and
 * validates it. Every problem comes back at once, each naming its field.
 */
export function parseScavengerParameters(raw: unknown): ScavengerParametersResult {
  return parseParameters(ScavengerParametersSchema, raw, crossFieldProblems);
}

export class ScavengerParametersError extends ParametersError {
  constructor(problems: readonly string[]) {
    super("scavenger", problems);
    this.name = "ScavengerParametersError";
  }
}

/** The parameters, or an error listing every problem. */
export function loadScavengerParameters(raw: unknown): ScavengerParameters {
  const result = parseScavengerParameters(raw);
  if (!result.ok) throw new ScavengerParametersError(result.problems);
  return result.params;
}

/** domain.md's figures, unchanged. */
export const DEFAULT_SCAVENGER_PARAMETERS: ScavengerParameters = loadScavengerParameters(undefined);

/** Bar interval names in milliseconds. */
export const INTERVAL_MS: Readonly<Record<(typeof KLINE_INTERVALS)[number], number>> = {
  "1m": MINUTE_MS,
  "5m": 5 * MINUTE_MS,
  "15m": 15 * MINUTE_MS,
  "1h": HOUR_MS,
  "4h": 4 * HOUR_MS,
  "1d": 24 * HOUR_MS,
};
