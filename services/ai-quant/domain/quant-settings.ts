// How AI Quant backtests, searches and judges: one validated settings object, defaults from domain.md
// ("AI Quant") where it gives a number and this module's documented choices where it does not. A run
// records the settings it used, so a proposal can always be traced back to them.

import { Type, type Static } from "typebox";
import { ParametersError, parseParameters } from "../../shared/contracts/parameters.js";
import { DEFAULT_FEES } from "../../execution/domain/matching/pricing.js";

const STRICT = { additionalProperties: false } as const;
const section = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { ...STRICT, default: {} });
const DAY_MS = 86_400_000;

export const QuantSettingsSchema = Type.Object(
  {
    backtest: section({
      initialEquityUsd: Type.Number({ exclusiveMinimum: 0, default: 10_000, description: "equity the simulation starts each window with; signals are sized against the running equity" }),
      latencyMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 200, description: "signal to order at the venue (domain.md: 200 ms); the entry fills on the first trade after it" }),
      makerFeeRate: Type.Number({ minimum: -0.01, maximum: 0.1, default: DEFAULT_FEES.makerRate, description: "fraction of notional (take-profit limit exits)" }),
      takerFeeRate: Type.Number({ minimum: 0, maximum: 0.1, default: DEFAULT_FEES.takerRate, description: "fraction of notional (entries and stop exits)" }),
      slippageAtrFraction: Type.Number({ minimum: 0, maximum: 10, default: 0.05, description: "taker slippage = this × ATR fraction × (1 + notional / reference notional)" }),
      slippageReferenceNotionalUsd: Type.Number({ exclusiveMinimum: 0, default: 100_000, description: "the notional at which size doubles the slippage" }),
      maxSlippageFraction: Type.Number({ minimum: 0, maximum: 0.1, default: 0.01, description: "cap on one fill's slippage" }),
      entryPriceBandPercent: Type.Number({
        exclusiveMinimum: 0,
        maximum: 50,
        default: 2,
        description: "an entry whose market is further than this outside the signal's entry zone is refused (execution's price band default)",
      }),
    }),
    search: section({
      seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 1, description: "seeds the random candidates: same seed and data, same proposal" }),
      randomTrials: Type.Integer({ minimum: 0, maximum: 100_000, default: 64, description: "random candidates per in-sample window" }),
      refineTrials: Type.Integer({ minimum: 0, maximum: 100_000, default: 48, description: "pattern-search steps around the best candidate" }),
      initialStepFraction: Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: 0.1, description: "first pattern-search step, as a fraction of each parameter's range" }),
      revertTolerance: Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.02,
        description: "a changed parameter goes back to its current value when that costs less than this fraction of the improvement",
      }),
    }),
    walkForward: section({
      folds: Type.Integer({ minimum: 1, maximum: 50, default: 3, description: "optimise on window i, test on window i + 1; the period is cut into folds + 1 windows" }),
      warmupMs: Type.Integer({ minimum: 0, maximum: 30 * DAY_MS, default: DAY_MS, description: "bars before a window that warm the strategy up (levels, the previous day's range)" }),
    }),
    acceptance: section({
      minTrades: Type.Integer({ minimum: 1, maximum: 100_000, default: 20, description: "closed trades needed in each in-sample and out-of-sample window" }),
      maxDrawdownIncreaseFraction: Type.Number({ minimum: 0, maximum: 10, default: 0.1, description: "domain.md: reject a proposal that raises max drawdown by more than 10 %" }),
      minEdgeTStat: Type.Number({
        minimum: 0,
        maximum: 100,
        default: 2,
        description: "the proposal's out-of-sample trade returns must have mean / standard error at least this: an edge, not luck",
      }),
    }),
  },
  STRICT,
);

export type QuantSettings = Static<typeof QuantSettingsSchema>;

/** Settings from a possibly partial object; every problem listed. */
export function loadQuantSettings(raw: unknown): QuantSettings {
  const result = parseParameters(QuantSettingsSchema, raw);
  if (!result.ok) throw new ParametersError("ai-quant", result.problems);
  return result.params;
}

export const DEFAULT_QUANT_SETTINGS: QuantSettings = loadQuantSettings(undefined);
