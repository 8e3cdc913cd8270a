// The period's real trading, for the proposal's reasoning and the backtest's fees: execution's closed
// round trips (its record of each position from opening fill to closing fill, PnL after fees) and the
// fee rates its fills were actually charged, which replace the configured ones when enough fills back
// them.

export interface ClosedTrip {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly closedAtMs: number;
  /** After fees. */
  readonly realisedPnlUsd: number;
  readonly feesUsd: number;
}

export interface Fill {
  readonly liquidity: "maker" | "taker";
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
}

export interface LiveSummary {
  readonly fills: number;
  readonly closedTrades: number;
  readonly wins: number;
  readonly netPnlUsd: number;
  readonly feesUsd: number;
  /** Fee per notional the venue charged, when at least `minFills` fills of that kind back it. */
  readonly makerFeeRate: number | null;
  readonly takerFeeRate: number | null;
}

export function observedFeeRate(fills: readonly Fill[], liquidity: Fill["liquidity"], minFills: number): number | null {
  const of = fills.filter((f) => f.liquidity === liquidity);
  const notionalUsd = of.reduce((acc, f) => acc + f.qty * f.priceUsd, 0);
  return of.length >= minFills && notionalUsd > 0 ? of.reduce((acc, f) => acc + f.feeUsd, 0) / notionalUsd : null;
}

export function liveSummary(trips: readonly ClosedTrip[], fills: readonly Fill[], minFills: number): LiveSummary {
  return {
    fills: fills.length,
    closedTrades: trips.length,
    wins: trips.filter((t) => t.realisedPnlUsd > 0).length,
    netPnlUsd: trips.reduce((acc, t) => acc + t.realisedPnlUsd, 0),
    feesUsd: trips.reduce((acc, t) => acc + t.feesUsd, 0),
    makerFeeRate: observedFeeRate(fills, "maker", minFills),
    takerFeeRate: observedFeeRate(fills, "taker", minFills),
  };
}
