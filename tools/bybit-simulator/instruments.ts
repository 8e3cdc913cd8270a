// The linear perpetuals the simulator lists, with the filters Bybit publishes for them (v5 instruments-info).

import type { InstrumentSpec } from "../../services/execution/domain/matching/index.js";

export interface SimInstrument {
  readonly spec: InstrumentSpec;
  /** Where the price feed starts. */
  readonly initialPriceUsd: number;
  readonly launchTimeMs: number;
  readonly fundingIntervalMinutes: number;
  readonly postOnlyMaxQty: number;
  readonly maxMarketQty: number;
}

const instrument = (
  symbol: string,
  baseAsset: string,
  tickSizeUsd: number,
  lotStepQty: number,
  maxQty: number,
  maxLeverage: number,
  initialPriceUsd: number,
  maxPriceUsd: number,
): SimInstrument => ({
  spec: {
    symbol,
    baseAsset,
    quoteAsset: "USDT",
    tickSizeUsd,
    lotStepQty,
    minQty: lotStepQty,
    maxQty,
    minNotionalUsd: 5,
    minPriceUsd: tickSizeUsd,
    maxPriceUsd,
    maxLeverage,
  },
  initialPriceUsd,
  launchTimeMs: 1_585_526_400_000,
  fundingIntervalMinutes: 480,
  postOnlyMaxQty: maxQty,
  maxMarketQty: maxQty / 2,
});

/** Bybit's published filters for these symbols (tick, lot step, leverage), at round starting prices. */
export const DEFAULT_INSTRUMENTS: readonly SimInstrument[] = [
  instrument("BTCUSDT", "BTC", 0.1, 0.001, 1190, 100, 60_000, 1_999_999.8),
  instrument("ETHUSDT", "ETH", 0.01, 0.01, 7240, 100, 3_000, 199_999.98),
  instrument("SOLUSDT", "SOL", 0.01, 0.1, 79_770, 100, 150, 19_999.98),
];
