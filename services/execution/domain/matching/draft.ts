// A step works on a draft: shallow copies of the state's maps that it may overwrite entry by entry, plus
// the events it emits. Entries are replaced, never mutated, so the caller's state is untouched (purity).

import { flatPosition } from "./position.js";
import { markToMarket } from "./wallet.js";
import type { EngineEvent, EngineState, MarketState, Order, Position } from "./types.js";
import type { InstrumentSpec } from "./instrument.js";

export class StepDraft {
  readonly markets: Record<string, MarketState>;
  readonly openOrders: Record<string, Order>;
  readonly positions: Record<string, Position>;
  walletBalanceUsd: number;
  seq: number;
  readonly events: EngineEvent[] = [];
  private accountChanged = false;

  constructor(readonly base: EngineState) {
    this.markets = { ...base.markets };
    this.openOrders = { ...base.openOrders };
    this.positions = { ...base.positions };
    this.walletBalanceUsd = base.walletBalanceUsd;
    this.seq = base.seq;
  }

  get config() {
    return this.base.config;
  }

  instrument(symbol: string): InstrumentSpec | undefined {
    return Object.hasOwn(this.base.instruments, symbol) ? this.base.instruments[symbol] : undefined;
  }

  position(symbol: string, tsMs: number): Position {
    return this.positions[symbol] ?? flatPosition(symbol, this.config.defaultLeverage, tsMs);
  }

  setPosition(position: Position): void {
    this.positions[position.symbol] = position;
    this.events.push({ kind: "position", position });
    this.accountChanged = true;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Stores an order update: working orders stay in the book, terminal ones leave it. */
  putOrder(order: Order, cause: Extract<EngineEvent, { kind: "order" }>["cause"]): void {
    if (order.status === "new" || order.status === "partially-filled") this.openOrders[order.orderId] = order;
    else delete this.openOrders[order.orderId];
    this.events.push({ kind: "order", cause, order });
  }

  emit(event: EngineEvent): void {
    this.events.push(event);
    if (event.kind !== "order") this.accountChanged = true;
  }

  markAccountChanged(): void {
    this.accountChanged = true;
  }

  /** Working orders of a symbol in time priority. */
  ordersFor(symbol: string): Order[] {
    return Object.values(this.openOrders)
      .filter((order) => order.symbol === symbol)
      .sort((a, b) => a.queueSeq - b.queueSeq);
  }

  state(): EngineState {
    return {
      config: this.base.config,
      instruments: this.base.instruments,
      markets: this.markets,
      openOrders: this.openOrders,
      positions: this.positions,
      walletBalanceUsd: this.walletBalanceUsd,
      seq: this.seq,
    };
  }

  /** The new state, with one wallet event closing any step that moved the account. */
  finish(): { state: EngineState; events: EngineEvent[] } {
    const state = this.state();
    if (this.accountChanged) this.events.push({ kind: "wallet", wallet: markToMarket(state) });
    return { state, events: this.events };
  }
}
