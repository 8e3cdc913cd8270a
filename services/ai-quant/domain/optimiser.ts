// The parameter search over one in-sample window, deterministic for its seed: the current values first
// (the baseline), then seeded random candidates over the whole space, then a pattern search around the
// best (each parameter stepped up and down, its step halved when neither improves), then every changed
// parameter is put back to its current value where the data does not call for the change, and the
// values are rounded to how a proposal states them. A candidate scores -∞ when it breaks a constraint
// (too few trades, too deep a drawdown); the same value set is never evaluated twice.

import { SeededRandom } from "../../execution/market-data/synthetic/random.js";
import type { QuantSettings } from "./quant-settings.js";
import { SEARCH_SPACE, positionsOf, presentableNeighbours, valuesAt, valuesKey, type QuantValues } from "./search-space.js";

export interface Evaluation<F> {
  /** Higher is better; -Infinity when the candidate is not allowed. */
  readonly score: number;
  readonly figures: F;
}

export interface Trial<F> extends Evaluation<F> {
  readonly values: QuantValues;
  readonly stage: "baseline" | "random" | "refine" | "revert" | "round";
}

export interface SearchResult<F> {
  readonly best: Trial<F>;
  readonly baseline: Trial<F>;
  /** Every evaluation, in order. */
  readonly trials: readonly Trial<F>[];
}

export type SearchObjective<F> = (values: QuantValues) => Evaluation<F>;

/** Smallest pattern-search step, as a fraction of a parameter's range. */
const MIN_STEP = 1 / 1024;

/**
 * The search as a sequence of steps: each evaluation is yielded as it completes, so a caller can report
 * progress and yield to its event loop between them; the return value is the result.
 */
export function* searchSteps<F>(current: QuantValues, objective: SearchObjective<F>, settings: QuantSettings["search"]): Generator<Trial<F>, SearchResult<F>> {
  const trials: Trial<F>[] = [];
  const cache = new Map<string, Trial<F>>();
  function* evaluate(values: QuantValues, stage: Trial<F>["stage"]): Generator<Trial<F>, Trial<F>> {
    const known = cache.get(valuesKey(values));
    if (known) return known;
    const trial: Trial<F> = { ...objective(values), values, stage };
    cache.set(valuesKey(values), trial);
    trials.push(trial);
    yield trial;
    return trial;
  }
  const better = (a: Trial<F>, b: Trial<F>): boolean => a.score > b.score;

  const baseline = yield* evaluate(current, "baseline");
  let best = baseline;
  const random = new SeededRandom(settings.seed);
  for (let k = 0; k < settings.randomTrials; k++) {
    const trial = yield* evaluate(valuesAt(SEARCH_SPACE.map(() => random.next())), "random");
    if (better(trial, best)) best = trial;
  }

  // Compass search from the best point, one step size per parameter: a step that improves is taken and
  // tried again; one that improves in neither direction is halved, and a parameter whose two neighbours
  // score exactly the same is flat for this data and is left alone from then on.
  let position = positionsOf(best.values);
  const steps = SEARCH_SPACE.map(() => settings.initialStepFraction);
  const settled = SEARCH_SPACE.map(() => false);
  let refineLeft = settings.refineTrials;
  while (refineLeft > 0 && Number.isFinite(best.score) && settled.some((s) => !s)) {
    for (let d = 0; d < SEARCH_SPACE.length && refineLeft > 0; d++) {
      if (settled[d]) continue;
      let moved = true;
      while (moved && refineLeft > 0) {
        moved = false;
        let flat = true;
        for (const sign of [1, -1]) {
          const next = [...position];
          next[d] = Math.min(1, Math.max(0, (next[d] as number) + sign * (steps[d] as number)));
          const values = valuesAt(next);
          if (!cache.has(valuesKey(values))) {
            if (refineLeft === 0) break;
            refineLeft--;
          }
          const trial = yield* evaluate(values, "refine");
          if (trial.score !== best.score) flat = false;
          if (better(trial, best)) {
            best = trial;
            position = next;
            moved = true;
            break;
          }
        }
        if (!moved) {
          steps[d] = (steps[d] as number) / 2;
          if (flat || (steps[d] as number) < MIN_STEP) settled[d] = true;
        }
      }
    }
  }

  // Keep only the changes the data calls for, stated the way a proposal states them.
  if (Number.isFinite(best.score) && best !== baseline) {
    // Reverting and rounding together may give up at most this much of the improvement over the baseline.
    const floor = best.score - settings.revertTolerance * (Number.isFinite(baseline.score) ? Math.max(0, best.score - baseline.score) : Math.abs(best.score));
    for (const d of SEARCH_SPACE) {
      if (best.values[d.name] === current[d.name]) continue;
      const reverted = yield* evaluate({ ...best.values, [d.name]: current[d.name] }, "revert");
      if (reverted.score >= floor) best = reverted;
    }
    // Each changed value goes to the better of its two presentable neighbours, if that costs little.
    for (const d of SEARCH_SPACE) {
      if (best.values[d.name] === current[d.name]) continue;
      let chosen: Trial<F> | null = null;
      for (const value of presentableNeighbours(d, best.values[d.name])) {
        const trial = yield* evaluate({ ...best.values, [d.name]: value }, "round");
        if (trial.score >= floor && (chosen === null || better(trial, chosen))) chosen = trial;
      }
      if (chosen) best = chosen;
    }
  }
  return { best, baseline, trials };
}

/** Most evaluations a search makes: the baseline, the random and refining budgets, a revert and two roundings per parameter. */
export const searchBudget = (settings: QuantSettings["search"]): number => 1 + settings.randomTrials + settings.refineTrials + 3 * SEARCH_SPACE.length;

/** The whole search at once. */
export function searchParameters<F>(current: QuantValues, objective: SearchObjective<F>, settings: QuantSettings["search"]): SearchResult<F> {
  const steps = searchSteps(current, objective, settings);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
