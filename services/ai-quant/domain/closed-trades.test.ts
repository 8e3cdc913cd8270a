import { describe, expect, it } from "vitest";
import { liveSummary, observedFeeRate, type Fill } from "./closed-trades.js";

const fill = (liquidity: Fill["liquidity"], qty: number, priceUsd: number, feeUsd: number): Fill => ({ liquidity, qty, priceUsd, feeUsd });

describe("the period's live trading", () => {
  it("observes the fee rate the venue charged, once enough fills back it", () => {
    const fills = [fill("taker", 1, 100, 0.06), fill("taker", 2, 100, 0.1), fill("maker", 1, 100, 0.02)];
    expect(observedFeeRate(fills, "taker", 2)).toBeCloseTo(0.16 / 300, 15);
    expect(observedFeeRate(fills, "maker", 2)).toBeNull();
  });

  it("sums the closed round trips", () => {
    const summary = liveSummary(
      [
        { symbol: "A", side: "long", closedAtMs: 1, realisedPnlUsd: 12, feesUsd: 1 },
        { symbol: "B", side: "short", closedAtMs: 2, realisedPnlUsd: -5, feesUsd: 0.5 },
      ],
      [],
      20,
    );
    expect(summary).toEqual({ fills: 0, closedTrades: 2, wins: 1, netPnlUsd: 7, feesUsd: 1.5, makerFeeRate: null, takerFeeRate: null });
  });
});
