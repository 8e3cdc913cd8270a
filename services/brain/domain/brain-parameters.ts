// Every number of domain.md's "Brain" and "Trading state" sections as one validated configuration.
// The schema's defaults are domain.md's figures; an operator overrides any subset, and a bad value is
// reported with its field's path together with every other problem, never one at a time.

import { Type, type Static, type TSchema } from "typebox";
import { ParametersError, parseParameters, type ParametersResult } from "../../shared/contracts/parameters.js";

const STRICT = { additionalProperties: false } as const;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const usd = (defaultUsd: number, description: string) => Type.Number({ exclusiveMinimum: 0, default: defaultUsd, description });
const fraction = (defaultValue: number, description: string) => Type.Number({ minimum: 0, maximum: 1, default: defaultValue, description });
const durationMs = (defaultMs: number, description: string) => Type.Integer({ minimum: 1, default: defaultMs, description });
const positive = (defaultValue: number, description: string) => Type.Number({ exclusiveMinimum: 0, default: defaultValue, description });
const section = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { ...STRICT, default: {} });

export const TIER_NAMES = ["MICRO", "SMALL", "MEDIUM", "LARGE", "INSTITUTIONAL"] as const;
export type TierName = (typeof TIER_NAMES)[number];

const TierSchema = Type.Object(
  {
    name: Type.Enum([...TIER_NAMES]),
    /** Exclusive upper bound; null for the last tier. */
    maxEquityUsd: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
    leverageCap: Type.Number({ minimum: 1, maximum: 125 }),
  },
  STRICT,
);

const DEFAULT_TIERS = [
  { name: "MICRO", maxEquityUsd: 1_500, leverageCap: 20 },
  { name: "SMALL", maxEquityUsd: 5_000, leverageCap: 10 },
  { name: "MEDIUM", maxEquityUsd: 25_000, leverageCap: 5 },
  { name: "LARGE", maxEquityUsd: 50_000, leverageCap: 3 },
  { name: "INSTITUTIONAL", maxEquityUsd: null, leverageCap: 2 },
];

export const BrainParametersSchema = Type.Object(
  {
    allocation: section({
      rampStartEquityUsd: usd(1_500, "below this equity phase 1 holds the whole weight"),
      rampEndEquityUsd: usd(5_000, "where phase 2 reaches its full share"),
      rampSlopePerUsd: positive(0.003, "slope of σ(k · (E − midpoint)) on the phase 1 → 2 ramp"),
      rampMidpointUsd: usd(3_250, "midpoint of the phase 1 → 2 ramp"),
      growthStartEquityUsd: usd(25_000, "where phase 3 starts to take weight"),
      growthSlopePerUsd: positive(0.0002, "slope of σ(k · (E − midpoint)) on the phase 3 growth"),
      growthMidpointUsd: usd(37_500, "midpoint of the phase 3 growth"),
      phase1FloorWeight: fraction(0.2, "phase 1's weight once the ramp is done"),
      phase3MaxWeight: fraction(0.5, "phase 3's weight as equity grows without bound"),
    }),
    tiers: Type.Array(TierSchema, { minItems: 1, maxItems: 16, default: DEFAULT_TIERS }),
    performance: section({
      sharpeWindowMs: durationMs(7 * DAY_MS, "the Sharpe ratio's look-back"),
      minTrades: Type.Integer({ minimum: 0, default: 10, description: "below this many trades in the window the modifier stays neutral" }),
      lowSharpe: Type.Number({ default: 0, description: "Sharpe below this → lowModifier" }),
      highSharpe: Type.Number({ default: 2, description: "Sharpe above this → highModifier" }),
      lowModifier: Type.Number({ minimum: 0, default: 0.5 }),
      neutralModifier: Type.Number({ minimum: 0, default: 1 }),
      highModifier: Type.Number({ minimum: 0, default: 1.2 }),
      annualisationDays: positive(365, "Sharpe = mean / stdev of daily returns × √annualisationDays"),
    }),
    signals: section({
      freshnessMs: durationMs(2_000, "a signal older than this is stale"),
      orderCommandTtlMs: durationMs(2_000, "execution refuses an order command this long after its decision"),
      correlationThreshold: Type.Number({ minimum: -1, maximum: 1, default: 0.8, description: "same-side correlation above this halves the size" }),
      correlationSizeFactor: fraction(0.5, "size multiplier when the correlation rule applies"),
      minReturnSamples: Type.Integer({ minimum: 2, default: 20, description: "fewer aligned returns than this → correlation unknown" }),
    }),
    risk: section({
      varConfidence: Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, default: 0.95 }),
      varHorizonMs: durationMs(DAY_MS, "the VaR horizon"),
      benchmarkSymbol: Type.String({ minLength: 1, maxLength: 64, default: "BTC/USDT:USDT", description: "beta is measured against this symbol" }),
    }),
    breaker: section({
      hardDailyDrawdownFraction: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.15, description: "HARD trips at this drawdown from start-of-day equity" }),
      hardMinEquityUsd: Type.Number({ minimum: 0, default: 150, description: "HARD trips below this equity" }),
      softConsecutiveLosses: Type.Integer({ minimum: 1, default: 3 }),
      softLossWindowMs: durationMs(HOUR_MS, "the consecutive losses must all close within this span"),
      softCooldownMs: durationMs(30 * MINUTE_MS, "SOFT resets itself after this"),
    }),
    tradingState: section({
      heartbeatTimeoutMs: durationMs(60_000, "execution's dead-man switch: brain heartbeat missing this long → REDUCING"),
      reconciliationMismatchCycles: Type.Integer({ minimum: 1, default: 3, description: "consecutive mismatching reconciliations → HALTED" }),
    }),
    override: section({
      maxDurationMs: durationMs(DAY_MS, "a manual allocation lasts at most this long"),
      weightSumTolerance: Type.Number({ minimum: 0, maximum: 0.1, default: 0.001 }),
    }),
    treasury: section({
      sweepTriggerMultiple: Type.Number({ minimum: 1, default: 1.2, description: "sweep when the futures balance exceeds target × this" }),
      reserveUsd: Type.Number({ minimum: 0, default: 200, description: "never sweep the futures balance below this" }),
      equityRiseTriggerFraction: Type.Number({ exclusiveMinimum: 0, default: 0.1, description: "an equity rise above this since the last check triggers a sweep check" }),
      minTransferUsd: Type.Number({ exclusiveMinimum: 0, default: 1, description: "smaller sweeps are not worth a transfer" }),
    }),
  },
  STRICT,
);

export type BrainParameters = Static<typeof BrainParametersSchema>;
export type TierParameters = BrainParameters["tiers"][number];

export type BrainParametersResult = ParametersResult<BrainParameters>;

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/**
 * Relations between fields that a per-field schema cannot express. Runs on unvalidated input too (each
 * rule only where its fields are numbers), so these problems come back with the per-field ones.
 */
function crossFieldProblems(p: BrainParameters): string[] {
  const problems: string[] = [];
  const a = p.allocation ?? {};
  const below = (lowField: string, low: unknown, highField: string, high: unknown, strict: boolean) => {
    if (isNumber(low) && isNumber(high) && (strict ? !(low < high) : !(low <= high)))
      problems.push(`${highField}: must be ${strict ? "above" : "at least"} ${lowField} (${low}), got ${high}`);
  };
  below("allocation.rampStartEquityUsd", a.rampStartEquityUsd, "allocation.rampEndEquityUsd", a.rampEndEquityUsd, true);
  below("allocation.rampEndEquityUsd", a.rampEndEquityUsd, "allocation.growthStartEquityUsd", a.growthStartEquityUsd, false);
  if (isNumber(a.phase1FloorWeight) && isNumber(a.phase3MaxWeight) && a.phase1FloorWeight + a.phase3MaxWeight > 1)
    problems.push(`allocation.phase3MaxWeight: phase1FloorWeight + phase3MaxWeight must be at most 1, got ${a.phase1FloorWeight} + ${a.phase3MaxWeight}`);
  const tiers: readonly Partial<TierParameters>[] = Array.isArray(p.tiers) ? p.tiers : [];
  tiers.forEach((tier, index) => {
    const last = index === tiers.length - 1;
    if (last && tier.maxEquityUsd !== null) problems.push(`tiers[${index}].maxEquityUsd: the last tier must be unbounded (null), got ${String(tier.maxEquityUsd)}`);
    if (!last && tier.maxEquityUsd === null) problems.push(`tiers[${index}].maxEquityUsd: only the last tier may be unbounded (null)`);
    below(`tiers[${index - 1}].maxEquityUsd`, tiers[index - 1]?.maxEquityUsd, `tiers[${index}].maxEquityUsd`, tier.maxEquityUsd, true);
  });
  const perf = p.performance ?? {};
  below("performance.lowSharpe", perf.lowSharpe, "performance.highSharpe", perf.highSharpe, false);
  return problems;
}

/**
 * Reads a possibly partial configuration (`undefined` = all defaults), fills defaults from domain.md
 * and validates it. Every problem comes back at once, each naming its field.
 */
export function parseBrainParameters(raw: unknown): BrainParametersResult {
  return parseParameters(BrainParametersSchema, raw, crossFieldProblems);
}

export class BrainParametersError extends ParametersError {
  constructor(problems: readonly string[]) {
    super("brain", problems);
    this.name = "BrainParametersError";
  }
}

/** For start-up: the parameters, or an error listing every problem. */
export function loadBrainParameters(raw: unknown): BrainParameters {
  const result = parseBrainParameters(raw);
  if (!result.ok) throw new BrainParametersError(result.problems);
  return result.params;
}

/** domain.md's figures, unchanged. */
export const DEFAULT_BRAIN_PARAMETERS: BrainParameters = loadBrainParameters(undefined);
