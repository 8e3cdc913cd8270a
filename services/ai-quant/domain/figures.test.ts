// Figures: Sharpe is the brain's (called, not copied), max drawdown is measured on the realised equity
// curve from its running peak, and the t-statistic says how many standard errors the average trade is
// above zero.
import { describe, expect, it } from "vitest";
import { dailyReturns, sharpeRatio } from "../../brain/domain/performance.js";
import { equityCurve, maxDrawdownFraction, tStatistic, windowFigures, type SimulatedTrade } from "./figures.js";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const trade = (exitTsMs: number, pnlUsd: number, equityAtOpenUsd: number): SimulatedTrade => ({
  signalId: `s${exitTsMs}`,
  symbol: "BTCUSDT",
  trapType: "daily-level",
  side: "long",
  signalTsMs: exitTsMs - 1_000,
  entryTsMs: exitTsMs - 900,
  entryPriceUsd: 100,
  exitTsMs,
  exitPriceUsd: 101,
  exitReason: pnlUsd > 0 ? "take-profit" : "stop-loss",
  qty: 1,
  notionalUsd: 100,
  feesUsd: 0.1,
  pnlUsd,
  equityAtOpenUsd,
});

describe("backtest figures", () => {
  it("measure max drawdown from the running peak of realised equity", () => {
    expect(maxDrawdownFraction([{ tsMs: 0, equityUsd: 100 }, { tsMs: 1, equityUsd: 120 }, { tsMs: 2, equityUsd: 90 }, { tsMs: 3, equityUsd: 130 }])).toBeCloseTo(0.25, 12);
    expect(maxDrawdownFraction([{ tsMs: 0, equityUsd: 100 }, { tsMs: 1, equityUsd: 110 }])).toBe(0);
  });

  it("compute the t-statistic of trade returns, and none below two trades", () => {
    expect(tStatistic([0.01])).toBeNull();
    expect(tStatistic([0.01, 0.03])).toBeCloseTo(0.02 / (Math.SQRT2 * 0.01 / Math.SQRT2), 9);
    expect(tStatistic([0.02, 0.02])).toBe(Number.POSITIVE_INFINITY);
  });

  it("use the brain's Sharpe over the window's daily returns", () => {
    const window = { fromMs: T0, toMs: T0 + 4 * DAY_MS };
    const trades = [trade(T0 + 3_600_000, 200, 10_000), trade(T0 + DAY_MS + 5, -100, 10_200), trade(T0 + 3 * DAY_MS + 9, 300, 10_100)];
    const f = windowFigures(trades, window, 10_000);
    const brainTrades = trades.map((t) => ({ tradeId: t.signalId, phase: 1 as const, symbol: t.symbol, pnlUsd: t.pnlUsd, equityAtOpenUsd: t.equityAtOpenUsd, closedAtMs: t.exitTsMs }));
    const returns = dailyReturns(brainTrades, window.toMs - 1, 4 * DAY_MS);
    expect(returns).toHaveLength(4);
    expect(f.sharpe).toBe(sharpeRatio(returns));
    expect(f).toMatchObject({ trades: 3, netPnlUsd: 400, returnFraction: 0.04, winRate: 2 / 3, profitFactor: 5 });
    expect(f.maxDrawdownFraction).toBeCloseTo(100 / 10_200, 12);
    expect(equityCurve(trades, window, 10_000).map((p) => p.equityUsd)).toEqual([10_000, 10_200, 10_100, 10_400]);
  });
});
