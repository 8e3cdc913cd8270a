// The search: seeded and deterministic, finds an optimum that lies between any grid's points, keeps the
// parameters the objective does not care about at their current values, states values the way a
// proposal does, and treats a forbidden candidate as the worst.
import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../scavenger/domain/index.js";
import { searchBudget, searchParameters, searchSteps, type Evaluation } from "./optimiser.js";
import { DEFAULT_QUANT_SETTINGS } from "./quant-settings.js";
import { quantValuesOf, type QuantValues } from "./search-space.js";

const current = quantValuesOf(DEFAULT_SCAVENGER_PARAMETERS);
const settings = DEFAULT_QUANT_SETTINGS.search;

/** A bowl in log space around stop 0.737 % and target 2.371 %; the other parameters do not matter. */
const bowl = (values: QuantValues): Evaluation<null> => ({
  score: -((Math.log(values.stopLossPercent / 0.737) ** 2 + Math.log(values.takeProfitPercent / 2.371) ** 2) * 10),
  figures: null,
});

describe("the parameter search", () => {
  it("finds an optimum between grid points and leaves the parameters the objective ignores alone", () => {
    const { best, baseline, trials } = searchParameters(current, bowl, settings);
    expect(baseline.values).toEqual(current);
    expect(best.values.stopLossPercent).toBeCloseTo(0.737, 2);
    expect(best.values.takeProfitPercent).toBeCloseTo(2.37, 2);
    const { stopLossPercent: _s, takeProfitPercent: _t, ...rest } = best.values;
    const { stopLossPercent: _cs, takeProfitPercent: _ct, ...currentRest } = current;
    expect(rest).toEqual(currentRest);
    // Three significant digits, as a proposal states them.
    expect(String(best.values.stopLossPercent)).toMatch(/^0\.\d{3}$/);
    expect(trials.length).toBeLessThanOrEqual(searchBudget(settings));
  });

  it("is deterministic for a seed, and another seed still converges", () => {
    const a = searchParameters(current, bowl, settings);
    const b = searchParameters(current, bowl, settings);
    expect(b.trials.map((t) => t.values)).toEqual(a.trials.map((t) => t.values));
    const c = searchParameters(current, bowl, { ...settings, seed: 99 });
    expect(c.trials.slice(1, 5).map((t) => t.values)).not.toEqual(a.trials.slice(1, 5).map((t) => t.values));
    expect(c.best.values.takeProfitPercent).toBeCloseTo(2.37, 1);
  });

  it("never prefers a forbidden candidate, and keeps the current values when nothing is allowed", () => {
    const forbidden = searchParameters(current, () => ({ score: Number.NEGATIVE_INFINITY, figures: null }), { ...settings, randomTrials: 8, refineTrials: 8 });
    expect(forbidden.best.values).toEqual(current);
    const onlyWide = searchParameters(current, (v) => ({ score: v.stopLossPercent > 3 ? v.stopLossPercent : Number.NEGATIVE_INFINITY, figures: null }), settings);
    expect(onlyWide.best.values.stopLossPercent).toBeGreaterThan(3);
  });

  it("reports every evaluation as a step, the result at the end", () => {
    const steps = searchSteps(current, bowl, { ...settings, randomTrials: 4, refineTrials: 4 });
    let yielded = 0;
    let step = steps.next();
    while (!step.done) {
      yielded++;
      step = steps.next();
    }
    expect(yielded).toBe(step.value.trials.length);
  });
});
