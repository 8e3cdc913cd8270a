// Whether the walk-forward's candidate may be proposed (domain.md "AI Quant", step 4): it must change
// something, trade at least the minimum in and out of sample, beat the current parameters out of sample
// (in its own fold and summed over every fold), not raise max drawdown by more than the allowed fraction,
// and show an out-of-sample edge distinguishable from luck. Every rule is reported, passed or not.

import { SEARCH_SPACE, type QuantParameter } from "./search-space.js";
import type { QuantSettings } from "./quant-settings.js";
import type { WalkForwardResult } from "./walk-forward.js";

export interface Check {
  readonly rule: "changes" | "min-trades" | "beats-current" | "drawdown" | "edge";
  readonly passed: boolean;
  readonly detail: string;
}

export interface ParameterChange {
  readonly parameter: QuantParameter;
  readonly fromValue: number;
  readonly toValue: number;
}

export interface Verdict {
  readonly propose: boolean;
  readonly changes: readonly ParameterChange[];
  readonly checks: readonly Check[];
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(2)} %`;

export function judge(wf: WalkForwardResult, acceptance: QuantSettings["acceptance"]): Verdict {
  const last = wf.folds.at(-1);
  if (!last) throw new RangeError("a walk-forward without folds cannot be judged");
  const changes: ParameterChange[] = SEARCH_SPACE.filter((d) => last.proposed[d.name] !== last.current[d.name]).map((d) => ({
    parameter: d.name,
    fromValue: last.current[d.name],
    toValue: last.proposed[d.name],
  }));
  const is = last.inSample.proposed.figures;
  const oos = last.outOfSample.proposed.figures;
  const base = last.outOfSample.current.figures;
  const sum = (pick: (f: (typeof wf.folds)[number]) => number) => wf.folds.reduce((acc, f) => acc + pick(f), 0);
  const wfProposed = sum((f) => f.outOfSample.proposed.figures.returnFraction);
  const wfCurrent = sum((f) => f.outOfSample.current.figures.returnFraction);
  const worstProposed = Math.max(...wf.folds.map((f) => f.outOfSample.proposed.figures.maxDrawdownFraction));
  const worstCurrent = Math.max(...wf.folds.map((f) => f.outOfSample.current.figures.maxDrawdownFraction));
  const ddLimit = (current: number) => current * (1 + acceptance.maxDrawdownIncreaseFraction);
  const checks: Check[] = [
    { rule: "changes", passed: changes.length > 0, detail: changes.length > 0 ? `${changes.length} parameter(s) differ from the current version` : "the search found nothing better than the current parameters" },
    {
      rule: "min-trades",
      passed: is.trades >= acceptance.minTrades && oos.trades >= acceptance.minTrades,
      detail: `${is.trades} trades in sample, ${oos.trades} out of sample; at least ${acceptance.minTrades} each are needed`,
    },
    {
      rule: "beats-current",
      passed: oos.returnFraction > base.returnFraction && wfProposed > wfCurrent,
      detail: `out of sample ${pct(oos.returnFraction)} against ${pct(base.returnFraction)} for the current parameters; over all ${wf.folds.length} folds ${pct(wfProposed)} against ${pct(wfCurrent)}`,
    },
    {
      rule: "drawdown",
      passed: oos.maxDrawdownFraction <= ddLimit(base.maxDrawdownFraction) && worstProposed <= ddLimit(worstCurrent),
      detail: `max drawdown out of sample ${pct(oos.maxDrawdownFraction)} against ${pct(base.maxDrawdownFraction)} (limit ${pct(ddLimit(base.maxDrawdownFraction))}); worst fold ${pct(worstProposed)} against ${pct(worstCurrent)}`,
    },
    {
      rule: "edge",
      passed: oos.edgeTStat !== null && oos.edgeTStat >= acceptance.minEdgeTStat,
      detail: `out-of-sample trade returns ${oos.edgeTStat === null ? "have no t-statistic (fewer than two trades)" : `have a t-statistic of ${Number.isFinite(oos.edgeTStat) ? oos.edgeTStat.toFixed(2) : String(oos.edgeTStat)}`}; at least ${acceptance.minEdgeTStat} is needed`,
    },
  ];
  return { propose: checks.every((c) => c.passed), changes, checks };
}
