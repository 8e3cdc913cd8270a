// What a venue tells execution, as plain domain values: every adapter (ccxt Bybit, paper) turns its own
// JSON or engine events into these through small pure functions, and nothing downstream sees venue JSON.

import type { InstrumentSpec } from "./matching/index.js";

export type Side = "buy" | "sell";
export type OrderType = "market" | "limit" | "post-only";
/** The contract's ORDER_STATUSES. */
export type OrderStatus = "new" | "partially-filled" | "filled" | "cancelled" | "rejected" | "expired";
/** Who created the order: a client (us, or someone else on the account) or the venue firing a stop. */
export type VenueOrderOrigin = "client" | "stop-loss" | "take-profit";

/** A venue's trading rules for one symbol (tick, lot step, limits): the matching engine's spec. */
export type Instrument = InstrumentSpec;

export interface VenueOrder {
  readonly venueOrderId: string;
  /** Null for orders the venue created itself (a triggered stop) or placed without an id. */
  readonly clientOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly reduceOnly: boolean;
  readonly status: OrderStatus;
  readonly qty: number;
  readonly filledQty: number;
  readonly avgFillPriceUsd: number | null;
  readonly limitPriceUsd: number | null;
  readonly stopLossPriceUsd: number | null;
  readonly takeProfitPriceUsd: number | null;
  readonly origin: VenueOrderOrigin;
  readonly rejectReason: string | null;
  readonly createdTsMs: number;
  readonly updatedTsMs: number;
}

export interface VenueFill {
  /** The venue's execution id: a fill is applied once, whichever path brought it. */
  readonly fillId: string;
  readonly venueOrderId: string;
  readonly clientOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
  readonly liquidity: "maker" | "taker";
  readonly orderType: OrderType;
  readonly orderQty: number;
  /** What is left of the order after this fill. */
  readonly leavesQty: number;
  readonly orderPriceUsd: number | null;
  readonly origin: VenueOrderOrigin;
  readonly tsMs: number;
}

export interface VenuePosition {
  readonly symbol: string;
  readonly side: "long" | "short" | "flat";
  readonly qty: number;
  readonly entryPriceUsd: number | null;
  readonly markPriceUsd: number | null;
  readonly leverage: number | null;
  readonly unrealisedPnlUsd: number;
  readonly realisedPnlUsd: number;
  readonly liquidationPriceUsd: number | null;
  readonly tsMs: number;
}

export interface VenueBalance {
  readonly equityUsd: number;
  readonly walletBalanceUsd: number;
  readonly availableBalanceUsd: number;
  readonly unrealisedPnlUsd: number;
  readonly tsMs: number;
}

export interface VenueTicker {
  readonly symbol: string;
  readonly lastPriceUsd: number;
  readonly bidPriceUsd: number | null;
  readonly askPriceUsd: number | null;
  readonly markPriceUsd: number | null;
  readonly tsMs: number;
}

/** What execution asks a venue to do: prices and sizes already on the instrument's grid. */
export interface OrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly qty: number;
  readonly limitPriceUsd: number | null;
  readonly reduceOnly: boolean;
  readonly stopLossPriceUsd: number | null;
  readonly takeProfitPriceUsd: number | null;
}

export const isOpenOrderStatus = (status: OrderStatus): boolean => status === "new" || status === "partially-filled";
