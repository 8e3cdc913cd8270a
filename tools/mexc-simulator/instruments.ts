// The spot markets the MEXC simulator lists, with MEXC's exchangeInfo filters: sizes in steps of
// 10^-baseAssetPrecision, prices of 10^-quoteAssetPrecision, a minimum size (baseSizePrecision) and a
// minimum order value (quoteAmountPrecision, in USDT).

import type { InstrumentSpec } from "../../services/execution/domain/matching/index.js";

export interface MexcSpotInstrument {
  readonly spec: InstrumentSpec;
  readonly baseAssetPrecision: number;
  readonly quoteAssetPrecision: number;
  readonly initialPriceUsd: number;
  /** Largest order value MEXC takes (maxQuoteAmount). */
  readonly maxQuoteAmountUsd: number;
}

function spot(base: string, baseAssetPrecision: number, quoteAssetPrecision: number, initialPriceUsd: number): MexcSpotInstrument {
  const lotStepQty = 10 ** -baseAssetPrecision;
  const tickSizeUsd = 10 ** -quoteAssetPrecision;
  return {
    spec: {
      symbol: `${base}USDT`,
      baseAsset: base,
      quoteAsset: "USDT",
      tickSizeUsd,
      lotStepQty,
      minQty: lotStepQty,
      maxQty: 1_000_000,
      minNotionalUsd: 1,
      minPriceUsd: tickSizeUsd,
      maxPriceUsd: 10_000_000,
      // Spot has no leverage: the engine runs at 1.
      maxLeverage: 1,
    },
    baseAssetPrecision,
    quoteAssetPrecision,
    initialPriceUsd,
    maxQuoteAmountUsd: 2_000_000,
  };
}

export const DEFAULT_SPOT_INSTRUMENTS: readonly MexcSpotInstrument[] = [spot("BTC", 6, 2, 60_000), spot("ETH", 5, 2, 3_000), spot("SOL", 3, 3, 150)];
