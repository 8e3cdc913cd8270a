// The walk-forward's windows and the rules a candidate must pass before it is proposed (domain.md
// "AI Quant", step 4): each rule is reported, passed or not, with the figures behind it.
import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../scavenger/domain/index.js";
import { judge } from "./acceptance.js";
import type { WindowFigures } from "./figures.js";
import { DEFAULT_QUANT_SETTINGS } from "./quant-settings.js";
import { quantValuesOf } from "./search-space.js";
import { foldWindows, type FoldResult, type Side, type WalkForwardResult } from "./walk-forward.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const T0 = Date.UTC(2026, 0, 1);
const current = quantValuesOf(DEFAULT_SCAVENGER_PARAMETERS);
const acceptance = DEFAULT_QUANT_SETTINGS.acceptance;

const side = (returnFraction: number, maxDrawdownFraction: number, trades = 40, edgeTStat: number | null = 4): Side => {
  const figures: WindowFigures = { trades, netPnlUsd: returnFraction * 10_000, returnFraction, sharpe: 1, maxDrawdownFraction, winRate: 0.6, profitFactor: 1.5, edgeTStat };
  return { figures, result: { figures, trades: [], equity: [], signals: [], counts: { signals: 0, warmupSignals: 0, skippedPositionOpen: 0, refusedOutOfBand: 0, refusedNoMargin: 0, unfilled: 0 }, replayedTrades: 0 } };
};

const fold = (index: number, proposed: Side, baseline: Side, stop = 0.7): FoldResult => ({
  fold: { index, inSample: { fromMs: T0, toMs: T0 + DAY_MS }, outOfSample: { fromMs: T0 + DAY_MS, toMs: T0 + 2 * DAY_MS } },
  proposed: { ...current, stopLossPercent: stop },
  current,
  trials: 100,
  inSample: { proposed: side(0.2, 0.02), current: side(-0.05, 0.06) },
  outOfSample: { proposed, current: baseline },
});

const wf = (...folds: FoldResult[]): WalkForwardResult => ({ period: { fromMs: T0, toMs: T0 + 3 * DAY_MS }, folds });
const failed = (result: WalkForwardResult) => judge(result, acceptance).checks.filter((c) => !c.passed).map((c) => c.rule);

describe("walk-forward windows", () => {
  it("cut the period into folds + 1 windows on whole hours, each fold testing on the window after its own", () => {
    const folds = foldWindows({ fromMs: T0, toMs: T0 + 10 * DAY_MS }, 3);
    expect(folds.map((f) => [(f.inSample.fromMs - T0) / HOUR_MS, (f.inSample.toMs - T0) / HOUR_MS, (f.outOfSample.toMs - T0) / HOUR_MS])).toEqual([
      [0, 60, 120],
      [60, 120, 180],
      [120, 180, 240],
    ]);
    expect(() => foldWindows({ fromMs: T0, toMs: T0 + 2 * HOUR_MS }, 3)).toThrow(/too short/);
  });
});

describe("the acceptance rules", () => {
  it("propose a change that beats the current parameters out of sample without a deeper drawdown", () => {
    const verdict = judge(wf(fold(0, side(0.1, 0.03), side(-0.02, 0.05)), fold(1, side(0.12, 0.04), side(-0.01, 0.04))), acceptance);
    expect(verdict.propose).toBe(true);
    expect(verdict.changes).toEqual([{ parameter: "stopLossPercent", fromValue: 1, toValue: 0.7 }]);
  });

  it("refuse a proposal that changes nothing", () => {
    expect(failed(wf(fold(0, side(0.1, 0.03), side(-0.02, 0.05), 1)))).toEqual(["changes"]);
  });

  it("refuse one that does not beat the current parameters, in its own fold or over all folds", () => {
    expect(failed(wf(fold(0, side(0.1, 0.03), side(-0.02, 0.05)), fold(1, side(0.01, 0.03), side(0.02, 0.04))))).toEqual(["beats-current"]);
    expect(failed(wf(fold(0, side(-0.5, 0.03), side(0.2, 0.05)), fold(1, side(0.03, 0.03), side(0.02, 0.04))))).toEqual(["beats-current"]);
  });

  it("refuse one that raises max drawdown by more than 10 %", () => {
    expect(failed(wf(fold(0, side(0.1, 0.0549), side(0.02, 0.05))))).toEqual([]);
    expect(failed(wf(fold(0, side(0.1, 0.0551), side(0.02, 0.05))))).toEqual(["drawdown"]);
  });

  it("refuse one with too few trades, or without an out-of-sample edge", () => {
    expect(failed(wf(fold(0, side(0.1, 0.03, acceptance.minTrades - 1), side(-0.02, 0.05))))).toEqual(["min-trades"]);
    expect(failed(wf(fold(0, side(0.1, 0.03, 40, 1.5), side(-0.02, 0.05))))).toEqual(["edge"]);
    expect(failed(wf(fold(0, side(0.1, 0.03, 40, null), side(-0.02, 0.05))))).toEqual(["edge"]);
  });
});
