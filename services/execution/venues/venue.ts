// One interface for every venue execution trades on: Bybit through ccxt, and the paper venue that runs
// the matching engine in-process. Errors are classified once, at the boundary, by what the caller must
// do next (freqtrade's habit): retry later, look the order up first, or take the refusal.

import type { Instrument, OrderRequest, VenueBalance, VenueFill, VenueOrder, VenuePosition, VenueTicker } from "../domain/venue-types.js";

export type VenueName = "bybit" | "mexc" | "paper";

/**
 * - `rate-limited`: refused before doing anything; retry after a pause.
 * - `outcome-unknown`: the request may or may not have taken effect (timeout, lost answer): look it up.
 * - `duplicate`: an order with this client id exists already: look it up, it is ours.
 * - `refused`: the venue will not do it (bad size, funds, unknown symbol): retrying cannot help.
 * - `not-found`: the order (or thing) asked about does not exist.
 * - `unavailable`: the venue cannot be reached or refuses our credentials: a dependency problem.
 */
export type VenueErrorKind = "rate-limited" | "outcome-unknown" | "duplicate" | "refused" | "not-found" | "unavailable";

export class VenueError extends Error {
  constructor(
    readonly kind: VenueErrorKind,
    /** The venue's code (Bybit retCode) or the exception's class: the metric's label. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "VenueError";
  }
}

export const isVenueError = (err: unknown, ...kinds: VenueErrorKind[]): err is VenueError =>
  err instanceof VenueError && (kinds.length === 0 || kinds.includes(err.kind));

/** What the venue pushes while it runs (private WebSocket, or the paper engine's events). */
export interface VenueListener {
  onOrders(orders: readonly VenueOrder[]): void;
  onFills(fills: readonly VenueFill[]): void;
  /** The push stream went down (false) or is back (true); reports may have been missed in between. */
  onStreamState(up: boolean): void;
}

export interface Venue {
  readonly name: VenueName;
  /**
   * How long after a create request left a copy of it may still reach the venue and take effect (the
   * venue's receive window): a lookup that finds nothing proves no order only after this.
   */
  readonly resendSafetyMs: number;
  /** Loads markets and opens the push streams; events go to `listener`. */
  start(listener: VenueListener): Promise<void>;
  stop(): Promise<void>;
  instruments(): readonly Instrument[];
  createOrder(order: OrderRequest): Promise<{ venueOrderId: string }>;
  /** The order filed under this client id, in any status; null when the venue has none. */
  findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | null>;
  cancelOrder(symbol: string, ids: { venueOrderId?: string; clientOrderId?: string }): Promise<void>;
  cancelAllOrders(symbol?: string): Promise<void>;
  openOrders(): Promise<VenueOrder[]>;
  /** Open positions, and the venue's time of the snapshot (what a symbol it does not list was flat at). */
  positions(): Promise<PositionSnapshot>;
  balance(): Promise<VenueBalance>;
  /** Trade executions at or after `sinceMs`, any order (ours, the venue's stops, anyone's). */
  fills(sinceMs: number): Promise<VenueFill[]>;
  ticker(symbol: string): Promise<VenueTicker>;
  setLeverage(symbol: string, leverage: number): Promise<void>;
  /** Moves funds between the venue's accounts, once per transfer id. */
  transfer(request: TransferRequest): Promise<{ reference: string }>;
}

export interface PositionSnapshot {
  readonly positions: VenuePosition[];
  readonly asOfMs: number;
}

export interface TransferRequest {
  readonly transferId: string;
  readonly asset: string;
  readonly amount: number;
  readonly fromAccount: "futures" | "spot";
  readonly toAccount: "futures" | "spot";
}
