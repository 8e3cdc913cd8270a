// Market data as execution publishes it: every message carries the venue's timestamp and ours.

import { Type, type Static } from "typebox";
import {
  MarketSymbol,
  MarketTypeSchema,
  NonNegativeQty,
  NotionalUsd,
  Nullable,
  OrderSideSchema,
  PriceUsd,
  Qty,
  STRICT,
  TsMs,
  VenueSchema,
} from "./primitives.js";

const marketFields = {
  version: Type.Literal(1),
  venue: VenueSchema,
  marketType: MarketTypeSchema,
  symbol: MarketSymbol,
  venueTsMs: TsMs,
  tsMs: TsMs,
};

export const MarketTradeSchema = Type.Object(
  {
    ...marketFields,
    tradeId: Type.String({ minLength: 1, maxLength: 128 }),
    /** The taker's side. */
    side: OrderSideSchema,
    priceUsd: PriceUsd,
    qty: Qty,
  },
  STRICT,
);
export type MarketTrade = Static<typeof MarketTradeSchema>;

export const MarketTickerSchema = Type.Object(
  {
    ...marketFields,
    bidPriceUsd: Nullable(PriceUsd),
    askPriceUsd: Nullable(PriceUsd),
    lastPriceUsd: PriceUsd,
    markPriceUsd: Type.Optional(PriceUsd),
    indexPriceUsd: Type.Optional(PriceUsd),
    volume24hQty: NonNegativeQty,
    turnover24hUsd: NotionalUsd,
  },
  STRICT,
);
export type MarketTicker = Static<typeof MarketTickerSchema>;

export const KLINE_INTERVALS = ["1m", "5m", "15m", "1h", "4h", "1d"] as const;

export const MarketKlineSchema = Type.Object(
  {
    ...marketFields,
    interval: Type.Enum([...KLINE_INTERVALS]),
    openTsMs: TsMs,
    closeTsMs: TsMs,
    openPriceUsd: PriceUsd,
    highPriceUsd: PriceUsd,
    lowPriceUsd: PriceUsd,
    closePriceUsd: PriceUsd,
    volumeQty: NonNegativeQty,
    turnoverUsd: NotionalUsd,
    /** False while the bar is still forming. */
    closed: Type.Boolean(),
  },
  STRICT,
);
export type MarketKline = Static<typeof MarketKlineSchema>;

export const MarketOpenInterestSchema = Type.Object(
  {
    ...marketFields,
    openInterestQty: NonNegativeQty,
    openInterestUsd: Type.Optional(NotionalUsd),
  },
  STRICT,
);
export type MarketOpenInterest = Static<typeof MarketOpenInterestSchema>;

export const MarketFundingSchema = Type.Object(
  {
    ...marketFields,
    /** Per funding interval, as a fraction: -0.0002 = -0.02 %. */
    fundingRate: Type.Number({ minimum: -1, maximum: 1 }),
    nextFundingTsMs: TsMs,
  },
  STRICT,
);
export type MarketFunding = Static<typeof MarketFundingSchema>;
