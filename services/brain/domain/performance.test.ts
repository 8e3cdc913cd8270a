import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import {
  EMPTY_PERFORMANCE,
  dailyReturns,
  performanceModifier,
  performanceModifiers,
  phasePerformance,
  recordClosedTrade,
  sharpeRatio,
  type ClosedTrade,
  type PerformanceState,
} from "./performance.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 12);

const trade = (n: number, pnlUsd: number, closedAtMs: number, phase: 1 | 2 | 3 = 1): ClosedTrade => ({
  tradeId: `t-${n}`,
  phase,
  symbol: "BTC/USDT:USDT",
  pnlUsd,
  equityAtOpenUsd: 1_000,
  closedAtMs,
});

function record(trades: readonly ClosedTrade[], nowMs = NOW): PerformanceState {
  return trades.reduce((state, t) => {
    const result = recordClosedTrade(state, t, nowMs, P);
    if (!result.ok) throw new Error(result.problem);
    return result.state;
  }, EMPTY_PERFORMANCE);
}

describe("sharpeRatio", () => {
  test("is mean / sample stdev of daily returns × √365", () => {
    // returns 0.01, 0.02, 0.03: mean 0.02; sample variance ((−0.01)² + 0 + 0.01²) / 2 = 0.0001 → stdev 0.01;
    // Sharpe = 0.02 / 0.01 × √365 = 2 × 19.10497 = 38.20995.
    expect(sharpeRatio([0.01, 0.02, 0.03])).toBeCloseTo(38.20995, 4);
  });

  test("is undefined (null) without two returns or without spread", () => {
    expect(sharpeRatio([])).toBeNull();
    expect(sharpeRatio([0.05])).toBeNull();
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBeNull();
  });

  test("is scale-invariant and flips sign with the returns", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5_000, max: 5_000 }).map((bp) => bp / 10_000), { minLength: 2, maxLength: 30 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (returns, k) => {
        const base = sharpeRatio(returns);
        fc.pre(base !== null);
        expect(sharpeRatio(returns.map((r) => r * k))).toBeCloseTo(base as number, 6);
        expect(sharpeRatio(returns.map((r) => -r))).toBeCloseTo(-(base as number), 6);
      }),
    );
  });
});

describe("performanceModifier", () => {
  test.each([
    [-0.01, 10, 0.5],
    [0, 10, 1],
    [1.5, 10, 1],
    [2, 10, 1],
    [2.01, 10, 1.2],
    [-5, 9, 1],
    [5, 9, 1],
    [null, 50, 1],
  ])("Sharpe %s over %i trades → %s", (sharpe, trades, modifier) => {
    expect(performanceModifier(sharpe, trades, P)).toBe(modifier);
  });

  test("the modifier is always one of 0.5, 1.0 and 1.2", () => {
    fc.assert(
      fc.property(fc.option(fc.double({ noNaN: true })), fc.nat(100), (sharpe, trades) => {
        expect([0.5, 1, 1.2]).toContain(performanceModifier(sharpe, trades, P));
      }),
    );
  });
});

describe("daily returns", () => {
  test("a trade adds pnl / equity at open to the day it closed; idle days return 0", () => {
    const returns = dailyReturns([trade(1, 10, NOW - 1_000), trade(2, -5, NOW - 2 * DAY - 1), trade(3, 7, NOW - 8 * DAY)], NOW, 7 * DAY);
    // Oldest first: the last bucket is the 24 h ending now (0.01), bucket 4 holds the −0.005 from 2 days ago;
    // the trade 8 days ago is outside the window.
    expect(returns).toEqual([0, 0, 0, 0, -0.005, 0, 0.01]);
  });
});

describe("per-phase tracking", () => {
  test("recording a trade twice counts it once", () => {
    const state = record([trade(1, 10, NOW - 1_000), trade(1, 10, NOW - 1_000)]);
    expect(state.trades).toHaveLength(1);
    const again = recordClosedTrade(state, trade(1, 10, NOW - 1_000), NOW, P);
    expect(again.ok && again.recorded).toBe(false);
  });

  test("a trade without a positive equity base is refused and changes nothing", () => {
    const result = recordClosedTrade(EMPTY_PERFORMANCE, { ...trade(1, 5, NOW), equityAtOpenUsd: 0 }, NOW, P);
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/equityAtOpenUsd/) });
  });

  test("trades older than the 7-day window are forgotten", () => {
    const state = record([trade(1, 10, NOW - 8 * DAY), trade(2, 10, NOW - DAY)]);
    expect(state.trades.map((t) => t.tradeId)).toEqual(["t-2"]);
  });

  test("the modifier stays 1.0 while a phase has fewer than 10 trades in the window", () => {
    const losing = Array.from({ length: 9 }, (_, i) => trade(i, -10 - i, NOW - i * DAY * 0.7));
    expect(phasePerformance(record(losing), 1, NOW, P).modifier).toBe(1);
  });

  test("a phase losing money over 10 trades gets 0.5; one earning steadily gets 1.2", () => {
    const losing = Array.from({ length: 10 }, (_, i) => trade(i, -10 - i, NOW - i * DAY * 0.65));
    const losingPerf = phasePerformance(record(losing), 1, NOW, P);
    expect(losingPerf.sharpe).toBeLessThan(0);
    expect(losingPerf.modifier).toBe(0.5);
    expect(losingPerf.losses).toBe(10);

    const winning = Array.from({ length: 14 }, (_, i) => trade(i, 10 + (i % 3), NOW - (i / 2) * DAY));
    const winningPerf = phasePerformance(record(winning), 1, NOW, P);
    expect(winningPerf.sharpe).toBeGreaterThan(2);
    expect(winningPerf.modifier).toBe(1.2);
  });

  test("phases are tracked separately", () => {
    const trades = [...Array.from({ length: 10 }, (_, i) => trade(i, -10 - i, NOW - i * DAY * 0.65, 2)), trade(99, 50, NOW - 1_000, 1)];
    expect(performanceModifiers(record(trades), NOW, P)).toEqual({ 1: 1, 2: 0.5, 3: 1 });
    expect(phasePerformance(record(trades), 1, NOW, P).netPnlUsd).toBe(50);
  });
});
