// The paper exchange's records beside its matching engine: orders (open and recently finished, for
// lookups by client id) and fills, held mutably with an index by client id, and the changes since the
// last save. Saving writes the engine and only what changed, so the cost of a save does not grow with
// the history the venue keeps (a whole-history write per order was the slowest step of an order).
import type { EngineState, Fill, Order } from "../../domain/matching/index.js";

/** What the paper exchange keeps between runs, as loaded. */
export interface PaperBooks {
  readonly engine: EngineState;
  /** Orders by venue id, open and recently finished. */
  readonly orders: Readonly<Record<string, Order>>;
  /** Oldest first. */
  readonly fills: readonly Fill[];
  readonly orderSeq: number;
}

/** What changed since the last save: the store writes the engine, upserts these orders and adds these fills. */
export interface PaperBooksChange {
  readonly engine: EngineState;
  readonly orderSeq: number;
  readonly orders: readonly Order[];
  readonly fills: readonly Fill[];
  /** Set now and then: the store may forget finished orders and fills beyond this many. */
  readonly pruneBeyond?: number;
}

export interface PaperBooksStore {
  /** The saved books with at most `keepRecords` finished orders and fills, or null on a first start. */
  load(keepRecords: number): Promise<PaperBooks | null>;
  save(change: PaperBooksChange): Promise<void>;
}

/** Saves between two prunes of the stored history. */
const SAVES_PER_PRUNE = 500;

export class PaperLedger {
  engine: EngineState;
  orderSeq: number;
  /** Least recently updated first (an update moves an order to the end). */
  private readonly orders = new Map<string, Order>();
  /** The newest order carrying each client id. */
  private readonly byClientId = new Map<string, Order>();
  private fills: Fill[] = [];
  private latestFillTsMs = 0;
  private changedOrders = new Map<string, Order>();
  private newFills: Fill[] = [];
  private savesSincePrune = 0;

  constructor(
    books: PaperBooks,
    private readonly keep: number,
  ) {
    this.engine = books.engine;
    this.orderSeq = books.orderSeq;
    for (const order of Object.values(books.orders).sort((a, b) => a.updatedTsMs - b.updatedTsMs)) this.index(order);
    for (const fill of books.fills) this.appendFill(fill);
  }

  recordOrder(order: Order): void {
    this.index(order);
    this.changedOrders.set(order.orderId, order);
  }

  recordFill(fill: Fill): void {
    this.appendFill(fill);
    this.newFills.push(fill);
  }

  hasClientOrderId(clientOrderId: string): boolean {
    return this.byClientId.has(clientOrderId);
  }

  /** The newest order with this client id on this symbol. */
  findByClientId(symbol: string, clientOrderId: string): Order | null {
    const order = this.byClientId.get(clientOrderId);
    return order !== undefined && order.symbol === symbol ? order : null;
  }

  fillsSince(sinceMs: number): Fill[] {
    return this.fills.filter((f) => f.tsMs >= sinceMs);
  }

  /** The time of the newest fill, 0 before any. */
  get lastFillTsMs(): number {
    return this.latestFillTsMs;
  }

  /** The changes since the last call, for the store; forgets them here. */
  takeChange(): PaperBooksChange {
    this.trim();
    this.savesSincePrune += 1;
    const prune = this.savesSincePrune >= SAVES_PER_PRUNE;
    if (prune) this.savesSincePrune = 0;
    const change: PaperBooksChange = {
      engine: this.engine,
      orderSeq: this.orderSeq,
      orders: [...this.changedOrders.values()],
      fills: this.newFills,
      ...(prune ? { pruneBeyond: this.keep } : {}),
    };
    this.changedOrders = new Map();
    this.newFills = [];
    return change;
  }

  /**
   * Takes back a change whose save failed, so the next save carries it: its orders unless a newer
   * version of them changed since, its fills ahead of the newer ones.
   */
  returnChange(change: PaperBooksChange): void {
    const newer = this.changedOrders;
    this.changedOrders = new Map(change.orders.map((o) => [o.orderId, o]));
    for (const [orderId, order] of newer) this.changedOrders.set(orderId, order);
    this.newFills = [...change.fills, ...this.newFills];
  }

  private index(order: Order): void {
    this.orders.delete(order.orderId);
    this.orders.set(order.orderId, order);
    if (order.clientOrderId === null) return;
    const newest = this.byClientId.get(order.clientOrderId);
    if (newest === undefined || newest.orderId === order.orderId || order.createdTsMs >= newest.createdTsMs) this.byClientId.set(order.clientOrderId, order);
  }

  private appendFill(fill: Fill): void {
    this.fills.push(fill);
    this.latestFillTsMs = Math.max(this.latestFillTsMs, fill.tsMs);
  }

  /** Forgets finished orders and fills older than the newest `keep`, once a quarter over it (amortised). */
  private trim(): void {
    const slack = Math.ceil(this.keep / 4);
    if (this.orders.size > this.keep + slack) {
      // The oldest beyond the newest `keep` go, unless still working on the book.
      let older = this.orders.size - this.keep;
      for (const [orderId, order] of [...this.orders]) {
        if (older-- <= 0) break;
        if (this.engine.openOrders[orderId] !== undefined) continue;
        this.orders.delete(orderId);
        if (order.clientOrderId !== null && this.byClientId.get(order.clientOrderId)?.orderId === orderId) this.byClientId.delete(order.clientOrderId);
      }
    }
    if (this.fills.length > this.keep + slack) this.fills = this.fills.slice(-this.keep);
  }
}
