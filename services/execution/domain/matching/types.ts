// The matching engine's data: plain readonly values, replaced rather than mutated, so a step can hand
// back a new state and the caller's old one stays valid (replay, comparison, undo in tests).

import type { InstrumentSpec, InstrumentViolation } from "./instrument.js";
import type { OrderLifecycleStatus } from "./order-lifecycle.js";

export type Side = "buy" | "sell";
export type PositionSide = "long" | "short" | "flat";
/** Contract ORDER_TYPES: a post-only order is a limit order that must never take liquidity. */
export type OrderType = "market" | "limit" | "post-only";
/** GTC rests; IOC takes what it can at once and lets the rest expire. Market orders are always IOC. */
export type TimeInForce = "GTC" | "IOC";
/** Who created the order: the client, or the venue executing an attached stop. */
export type OrderOrigin = "client" | "stop-loss" | "take-profit";
export type Liquidity = "maker" | "taker";

export type RejectReason =
  | InstrumentViolation
  | "unknown-symbol"
  | "no-market-price"
  | "post-only-would-take"
  | "reduce-only-no-position"
  | "reduce-only-wrong-side"
  | "insufficient-balance"
  | "invalid-stop-loss"
  | "invalid-take-profit"
  | "duplicate-order-id";

export type CancelReason = "client" | "cancel-all" | "reduce-only-nothing-to-reduce" | "ioc-remainder" | "no-liquidity";

export interface PlaceOrderRequest {
  /** Assigned by the caller (the venue layer), so ids stay deterministic under replay. */
  readonly orderId: string;
  readonly clientOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: number;
  /** Required for limit and post-only, ignored for market. */
  readonly limitPriceUsd?: number | null;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
  /** Attached stops: set on the position once this order fills (Bybit "Full" TP/SL mode). */
  readonly stopLossPriceUsd?: number | null;
  readonly takeProfitPriceUsd?: number | null;
}

export interface Order {
  readonly orderId: string;
  readonly clientOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  /** Current order size; a reduce-only trim or an amend changes it. */
  readonly qty: number;
  readonly limitPriceUsd: number | null;
  readonly reduceOnly: boolean;
  readonly stopLossPriceUsd: number | null;
  readonly takeProfitPriceUsd: number | null;
  readonly status: OrderLifecycleStatus;
  readonly filledQty: number;
  /** Σ qty × price over the fills. */
  readonly filledNotionalUsd: number;
  readonly avgFillPriceUsd: number | null;
  readonly cumFeeUsd: number;
  readonly origin: OrderOrigin;
  readonly rejectReason: RejectReason | null;
  readonly cancelReason: CancelReason | null;
  /** Last traded price when the order arrived. */
  readonly priceOnCreateUsd: number | null;
  /** Time priority on the book: lower is earlier. An amended price loses its place. */
  readonly queueSeq: number;
  readonly createdTsMs: number;
  readonly updatedTsMs: number;
}

export interface Fill {
  readonly fillId: string;
  readonly orderId: string;
  readonly clientOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
  readonly feeRate: number;
  readonly liquidity: Liquidity;
  /** Part of the fill that closed an existing position, and the gross PnL it realised (before fees). */
  readonly closedQty: number;
  readonly realisedGrossPnlUsd: number;
  readonly orderType: OrderType;
  readonly orderQty: number;
  readonly orderPriceUsd: number | null;
  readonly leavesQty: number;
  readonly origin: OrderOrigin;
  readonly markPriceUsd: number;
  readonly tsMs: number;
}

export interface Position {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Absolute size; zero exactly when side is flat. */
  readonly qty: number;
  readonly avgEntryPriceUsd: number | null;
  /** Cumulative, net of every fee paid on this symbol (Bybit's cumRealisedPnl works the same way). */
  readonly realisedPnlUsd: number;
  readonly stopLossPriceUsd: number | null;
  readonly takeProfitPriceUsd: number | null;
  readonly leverage: number;
  readonly createdTsMs: number;
  readonly updatedTsMs: number;
}

export interface MarketState {
  readonly symbol: string;
  readonly lastPriceUsd: number | null;
  readonly bidPriceUsd: number | null;
  readonly askPriceUsd: number | null;
  /** Size at the touch; null when the feed does not say, which means "deep enough". */
  readonly bidQty: number | null;
  readonly askQty: number | null;
  /** EWMA of |log return| between consecutive trades: the volatility input of the slippage model. */
  readonly volatilityFraction: number;
  readonly tsMs: number;
}

export interface FeeSchedule {
  readonly makerRate: number;
  readonly takerRate: number;
}

/**
 * Slippage of a market order as a fraction of the reference price:
 * min(maxFraction, baseFraction + volatilityMultiplier × volatility + sizeImpactFraction × √(notional / referenceNotionalUsd)).
 */
export interface SlippageModel {
  readonly baseFraction: number;
  readonly volatilityMultiplier: number;
  readonly sizeImpactFraction: number;
  readonly referenceNotionalUsd: number;
  readonly maxFraction: number;
}

export interface EngineConfig {
  readonly fees: FeeSchedule;
  readonly slippage: SlippageModel;
  /** Share of each printed trade's volume our resting orders may take (queue position is unknown). */
  readonly participationFraction: number;
  /** Whether a trade exactly at a resting order's price fills it (true) or only trades through it do. */
  readonly fillAtTouch: boolean;
  /** Smoothing of the volatility EWMA per trade, in (0, 1]. */
  readonly volatilityAlpha: number;
  readonly defaultLeverage: number;
  /** Prefix of generated fill ids; the caller makes it unique per venue. */
  readonly fillIdPrefix: string;
}

export interface EngineState {
  readonly config: EngineConfig;
  readonly instruments: Readonly<Record<string, InstrumentSpec>>;
  readonly markets: Readonly<Record<string, MarketState>>;
  /** Only working orders; terminal ones leave the state with their last event. */
  readonly openOrders: Readonly<Record<string, Order>>;
  readonly positions: Readonly<Record<string, Position>>;
  readonly walletBalanceUsd: number;
  /** Monotonic counter behind fill ids and queue priority. */
  readonly seq: number;
}

export type EngineInput =
  | { readonly kind: "place"; readonly tsMs: number; readonly request: PlaceOrderRequest }
  | { readonly kind: "cancel"; readonly tsMs: number; readonly orderId: string }
  | { readonly kind: "cancel-all"; readonly tsMs: number; readonly symbol?: string }
  | {
      readonly kind: "amend";
      readonly tsMs: number;
      readonly orderId: string;
      readonly qty?: number;
      readonly limitPriceUsd?: number;
      readonly stopLossPriceUsd?: number | null;
      readonly takeProfitPriceUsd?: number | null;
    }
  | { readonly kind: "trade"; readonly tsMs: number; readonly symbol: string; readonly priceUsd: number; readonly qty: number; readonly takerSide: Side }
  | {
      readonly kind: "quote";
      readonly tsMs: number;
      readonly symbol: string;
      readonly bidPriceUsd: number;
      readonly askPriceUsd: number;
      readonly bidQty?: number | null;
      readonly askQty?: number | null;
    }
  | { readonly kind: "set-leverage"; readonly tsMs: number; readonly symbol: string; readonly leverage: number }
  | {
      readonly kind: "set-position-stops";
      readonly tsMs: number;
      readonly symbol: string;
      readonly stopLossPriceUsd: number | null;
      readonly takeProfitPriceUsd: number | null;
    }
  /** Rewrites a position as if changed outside this client (manual trade, liquidation): reconciliation tests. */
  | {
      readonly kind: "override-position";
      readonly tsMs: number;
      readonly symbol: string;
      readonly side: PositionSide;
      readonly qty: number;
      readonly entryPriceUsd: number | null;
    }
  | { readonly kind: "adjust-balance"; readonly tsMs: number; readonly amountUsd: number };

export type OrderUpdateCause =
  | "placed"
  | "rejected"
  | "partially-filled"
  | "filled"
  | "cancelled"
  | "expired"
  | "amended"
  | "trimmed";

export interface WalletSnapshot {
  readonly walletBalanceUsd: number;
  readonly unrealisedPnlUsd: number;
  readonly equityUsd: number;
  readonly positionMarginUsd: number;
  readonly orderMarginUsd: number;
  readonly availableBalanceUsd: number;
}

export type EngineEvent =
  | { readonly kind: "order"; readonly cause: OrderUpdateCause; readonly order: Order }
  | { readonly kind: "fill"; readonly fill: Fill }
  | { readonly kind: "position"; readonly position: Position }
  | { readonly kind: "wallet"; readonly wallet: WalletSnapshot };

/** A request the engine could not act on at all (not an order rejection, which is an order event). */
export type EngineErrorCode =
  | "order-not-found"
  | "unknown-symbol"
  | "invalid-amend"
  | "invalid-leverage"
  | "invalid-stops"
  | "invalid-position"
  | "invalid-market-data"
  | "post-only-would-take";

export interface EngineError {
  readonly code: EngineErrorCode;
  readonly message: string;
}

export interface StepResult {
  readonly state: EngineState;
  readonly events: readonly EngineEvent[];
  /** Set when the input was refused as a whole; then `state` is the input state and `events` is empty. */
  readonly error?: EngineError;
}
