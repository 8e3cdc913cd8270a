// The order lifecycle as one table: (status, event) → status. Anything not in the table is a bug in the
// caller, so it throws instead of being shrugged off. Statuses after `submitted` are the contract's
// ORDER_STATUSES (services/shared/contracts/trading.ts).

export const ORDER_LIFECYCLE_STATUSES = [
  "submitted",
  "new",
  "partially-filled",
  "filled",
  "cancelled",
  "rejected",
  "expired",
] as const;
export type OrderLifecycleStatus = (typeof ORDER_LIFECYCLE_STATUSES)[number];

export const ORDER_EVENTS = [
  /** The venue took the order onto its book (or is about to execute it). */
  "accept",
  /** The venue refused the order; it never rested. */
  "reject",
  /** A fill that leaves part of the order open. */
  "partial-fill",
  /** The fill that completes the order. */
  "fill",
  /** Cancelled by the client, by a cancel-all, or by the venue (reduce-only order with nothing left to reduce). */
  "cancel",
  /** The order's own terms ended it: the unfilled rest of a market or IOC order. */
  "expire",
  /** The client changed price, size or attached stops. */
  "amend",
  /** The venue shrank a reduce-only order to what the position still allows. */
  "trim",
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

const TABLE: Readonly<Record<OrderLifecycleStatus, Partial<Record<OrderEvent, OrderLifecycleStatus>>>> = {
  submitted: { accept: "new", reject: "rejected" },
  new: {
    "partial-fill": "partially-filled",
    fill: "filled",
    cancel: "cancelled",
    expire: "expired",
    amend: "new",
    trim: "new",
  },
  "partially-filled": {
    "partial-fill": "partially-filled",
    fill: "filled",
    // The fills already made stand; only the rest is cancelled (domain.md: "partial fills kept").
    cancel: "cancelled",
    expire: "expired",
    amend: "partially-filled",
    trim: "partially-filled",
  },
  // Terminal. A real venue can report a fill after our cancel request because the two crossed on the
  // wire; the venue then never reports the cancel, so the order ends `filled`, not `cancelled`-then-filled.
  filled: {},
  cancelled: {},
  rejected: {},
  expired: {},
};

export class InvalidOrderTransitionError extends Error {
  constructor(
    readonly from: OrderLifecycleStatus,
    readonly event: OrderEvent,
  ) {
    super(`order lifecycle: no transition from "${from}" on "${event}"`);
    this.name = "InvalidOrderTransitionError";
  }
}

export function nextOrderStatus(from: OrderLifecycleStatus, event: OrderEvent): OrderLifecycleStatus {
  const to = TABLE[from][event];
  if (to === undefined) throw new InvalidOrderTransitionError(from, event);
  return to;
}

export function canTransition(from: OrderLifecycleStatus, event: OrderEvent): boolean {
  return TABLE[from][event] !== undefined;
}

export function isTerminalStatus(status: OrderLifecycleStatus): boolean {
  return Object.keys(TABLE[status]).length === 0;
}

/** True while the order can still trade: it rests on the book or is being worked. */
export function isOpenStatus(status: OrderLifecycleStatus): boolean {
  return status === "new" || status === "partially-filled";
}
