// Walk-forward validation (domain.md "AI Quant", step 4): the period is cut into folds + 1 windows; fold i
// searches on window i and tests what it found, and the current parameters, on window i + 1, which the
// search never saw. The last fold's parameters are the candidate proposal: trained on the most recent
// in-sample window, every figure reported for it out of sample is genuinely out of sample.

import type { ScavengerParameters } from "../../scavenger/domain/index.js";
import { runBacktest, type BacktestResult } from "./backtester.js";
import type { WindowInputs } from "./dataset.js";
import type { Window, WindowFigures } from "./figures.js";
import { searchBudget, searchSteps, type Evaluation, type Trial } from "./optimiser.js";
import type { QuantSettings } from "./quant-settings.js";
import { quantValuesOf, withValues, type QuantValues } from "./search-space.js";

const HOUR_MS = 3_600_000;

export interface Fold {
  readonly index: number;
  readonly inSample: Window;
  readonly outOfSample: Window;
}

/** folds + 1 consecutive windows of equal length (boundaries on whole hours), paired. */
export function foldWindows(period: Window, folds: number): Fold[] {
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  const lengthMs = (period.toMs - period.fromMs) / (folds + 1);
  if (lengthMs < HOUR_MS) throw new RangeError(`the period is too short for ${folds} folds: each window would be under an hour`);
  const edge = (k: number): number => (k === folds + 1 ? period.toMs : period.fromMs + Math.floor((k * lengthMs) / HOUR_MS) * HOUR_MS);
  return Array.from({ length: folds }, (_, i) => ({
    index: i,
    inSample: { fromMs: edge(i), toMs: edge(i + 1) },
    outOfSample: { fromMs: edge(i + 1), toMs: edge(i + 2) },
  }));
}

export interface Side {
  readonly figures: WindowFigures;
  readonly result: BacktestResult;
}

export interface FoldResult {
  readonly fold: Fold;
  readonly proposed: QuantValues;
  readonly current: QuantValues;
  readonly trials: number;
  readonly inSample: { readonly proposed: Side; readonly current: Side };
  readonly outOfSample: { readonly proposed: Side; readonly current: Side };
}

export interface SearchProgress {
  readonly fold: number;
  readonly folds: number;
  readonly trial: number;
  readonly budget: number;
}

/** The score a search maximises: log growth of equity (Kelly's criterion, so doubling and halving weigh alike). */
export const growth = (figures: WindowFigures): number => (figures.returnFraction > -1 ? Math.log1p(figures.returnFraction) : Number.NEGATIVE_INFINITY);

/** A candidate is allowed when it trades enough and does not dig a deeper hole than the rules permit. */
export function allowed(figures: WindowFigures, baselineDrawdown: number, acceptance: QuantSettings["acceptance"]): boolean {
  return figures.trades >= acceptance.minTrades && figures.maxDrawdownFraction <= baselineDrawdown * (1 + acceptance.maxDrawdownIncreaseFraction);
}

/** One fold: search the in-sample window (yielding after each backtest), then test on the out-of-sample one. */
export function* foldSteps(current: ScavengerParameters, inputs: WindowInputs, fold: Fold, settings: QuantSettings): Generator<Trial<WindowFigures>, FoldResult> {
  const backtest = (params: ScavengerParameters, window: Window): Side => {
    const result = runBacktest(params, inputs(window), settings.backtest);
    return { figures: result.figures, result };
  };
  const currentValues = quantValuesOf(current);
  const baselineIs = backtest(current, fold.inSample);
  const objective = (values: QuantValues): Evaluation<WindowFigures> => {
    const figures = runBacktest(withValues(current, values), inputs(fold.inSample), settings.backtest).figures;
    return { score: allowed(figures, baselineIs.figures.maxDrawdownFraction, settings.acceptance) ? growth(figures) : Number.NEGATIVE_INFINITY, figures };
  };
  const search = yield* searchSteps(currentValues, objective, settings.search);
  const proposedParams = withValues(current, search.best.values);
  return {
    fold,
    proposed: search.best.values,
    current: currentValues,
    trials: search.trials.length,
    inSample: { proposed: backtest(proposedParams, fold.inSample), current: baselineIs },
    outOfSample: { proposed: backtest(proposedParams, fold.outOfSample), current: backtest(current, fold.outOfSample) },
  };
}

export interface WalkForwardResult {
  readonly period: Window;
  readonly folds: readonly FoldResult[];
}

/** Every fold in order, yielding progress after each backtest of the searches. */
export function* walkForwardSteps(current: ScavengerParameters, inputs: WindowInputs, period: Window, settings: QuantSettings): Generator<SearchProgress, WalkForwardResult> {
  const plan = foldWindows(period, settings.walkForward.folds);
  const budget = searchBudget(settings.search);
  const folds: FoldResult[] = [];
  for (const fold of plan) {
    const steps = foldSteps(current, inputs, fold, settings);
    let trial = 0;
    for (;;) {
      const step = steps.next();
      if (step.done) {
        folds.push(step.value);
        break;
      }
      yield { fold: fold.index, folds: plan.length, trial: ++trial, budget };
    }
  }
  return { period, folds };
}

/** The whole walk-forward at once. */
export function runWalkForward(current: ScavengerParameters, inputs: WindowInputs, period: Window, settings: QuantSettings): WalkForwardResult {
  const steps = walkForwardSteps(current, inputs, period, settings);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
