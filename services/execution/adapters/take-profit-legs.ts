// Places an entry's take-profit legs (domain/take-profit-legs.ts) once the entry has finished filling:
// one reduce-only limit per leg, sized from what the entry filled. Crash-safe the way commands are: a
// leg's client id is derived from the signal id and the leg's index, every leg is looked up by that id
// before it is sent, and a leg is re-sent only after the venue's receive window has passed since the
// last request that may have carried it (this run's, or the previous run's, which ended before this
// one started). A restart therefore never places a leg twice, even with the venue's duplicate check off.

import type { Logger } from "pino";
import type { Clock } from "../../shared/clock.js";
import type { Database } from "../../shared/db/database.js";
import type { OrderPlan } from "../domain/pre-trade.js";
import { planTakeProfitLegs, takeProfitLegOrder, type TakeProfitLeg } from "../domain/take-profit-legs.js";
import { isOpenOrderStatus, type Side } from "../domain/venue-types.js";
import type { ShadowOrder } from "../domain/shadow-state.js";
import { isVenueError, type Venue } from "../venues/venue.js";
import type { InstrumentBook } from "./instrument-book.js";
import type { ShadowBook } from "./shadow-book.js";
import { commandByClientId, findCommand, recentCommands } from "./store.js";
import type { VenueHealth } from "./venue-sync.js";

/** How long after an entry's last report its position may still be on its way. */
const POSITION_WAIT_MS = 30_000;

export interface TakeProfitLegsOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly venue: Venue;
  readonly instruments: InstrumentBook;
  readonly shadow: ShadowBook;
  readonly health: VenueHealth;
  /**
   * On start, entries acknowledged this recently are looked at again for legs a previous run did not
   * finish (legs follow an entry within seconds; older ones are settled, and the shadow state only
   * remembers a day of orders to tell). Default one hour.
   */
  readonly recoveryWindowMs?: number;
}

export class TakeProfitLegs {
  /** Command id → earliest time of its next pass. */
  private readonly due = new Map<string, number>();
  /** Legs this run created or found at the venue. */
  private readonly placed = new Set<string>();
  /** Legs the venue refused outright (nothing to reduce any more, a size it will not take). */
  private readonly refused = new Set<string>();
  private readonly lastSendMs = new Map<string, number>();
  /**
   * Commands whose order this run has sent, by client order id, until it finishes: whether they carry
   * legs is known here, so their finish needs no lookup. Orders this run did not send (a previous run's,
   * or one forgotten after an hour) are looked up in PostgreSQL.
   */
  private readonly sentThisRun = new Map<string, { readonly commandId: string; readonly hasLegs: boolean; readonly atMs: number }>();
  private startedAtMs = 0;
  private running = false;
  private chain: Promise<unknown> = Promise.resolve();
  private cancelTimer: (() => void) | null = null;
  private readonly listener = (orders: readonly ShadowOrder[]): void => this.onOrders(orders);

  constructor(private readonly o: TakeProfitLegsOptions) {}

  async start(): Promise<void> {
    this.startedAtMs = this.o.clock.nowMs();
    this.running = true;
    this.o.shadow.orderListeners.add(this.listener);
    const sinceMs = this.startedAtMs - (this.o.recoveryWindowMs ?? 3_600_000);
    for (const row of await recentCommands(this.o.db, 500)) {
      if (row.status === "submitted" && (row.ackedAtMs ?? 0) >= sinceMs && (row.plan?.takeProfitLegs?.length ?? 0) > 0) this.schedule(row.commandId, 0);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.o.shadow.orderListeners.delete(this.listener);
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.chain.catch(() => undefined);
  }

  /** Commands whose legs are still to be placed (for tests and the HTTP view). */
  pending(): string[] {
    return [...this.due.keys()];
  }

  /** The order manager is about to send this command's order (called before the request leaves). */
  noteSent(clientOrderId: string, commandId: string, plan: OrderPlan | null): void {
    const nowMs = this.o.clock.nowMs();
    if (this.sentThisRun.size >= 10_000) for (const [id, e] of this.sentThisRun) if (e.atMs < nowMs - 3_600_000) this.sentThisRun.delete(id);
    this.sentThisRun.set(clientOrderId, { commandId, hasLegs: (plan?.takeProfitLegs?.length ?? 0) > 0, atMs: nowMs });
  }

  /** An entry that finished with fills may have legs to place. */
  private onOrders(orders: readonly ShadowOrder[]): void {
    for (const order of orders) {
      if (isOpenOrderStatus(order.status)) continue;
      const sent = this.sentThisRun.get(order.clientOrderId);
      this.sentThisRun.delete(order.clientOrderId);
      // A leg this run placed is no command's entry.
      if (!(order.filledQty > 0) || this.placed.has(order.clientOrderId)) continue;
      if (sent !== undefined) {
        if (sent.hasLegs) this.schedule(sent.commandId, 0);
        continue;
      }
      void commandByClientId(this.o.db, order.clientOrderId)
        .then((row) => {
          if (row && (row.plan?.takeProfitLegs?.length ?? 0) > 0) this.schedule(row.commandId, 0);
        })
        .catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message, clientOrderId: order.clientOrderId }, "looking up an entry's take-profit legs failed"));
    }
  }

  private schedule(commandId: string, delayMs: number): void {
    if (!this.running) return;
    const at = this.o.clock.nowMs() + delayMs;
    this.due.set(commandId, Math.min(this.due.get(commandId) ?? Number.POSITIVE_INFINITY, at));
    this.arm();
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (!this.running || this.due.size === 0) return;
    const next = Math.min(...this.due.values());
    this.cancelTimer = this.o.clock.setTimer(Math.max(0, next - this.o.clock.nowMs()), () => {
      this.cancelTimer = null;
      this.chain = this.chain.then(() => this.runDue()).catch((err: unknown) => this.o.logger.error({ err: (err as Error).message }, "placing take-profit legs failed"));
    });
  }

  private async runDue(): Promise<void> {
    const now = this.o.clock.nowMs();
    for (const [commandId, at] of [...this.due]) {
      if (at > now || !this.running) continue;
      this.due.delete(commandId);
      let retryInMs: number | null;
      try {
        retryInMs = await this.process(commandId);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message, commandId }, "take-profit legs: will retry");
        retryInMs = 1_000;
      }
      if (retryInMs !== null) this.schedule(commandId, retryInMs);
    }
    this.arm();
  }

  /** One pass over a command's legs: null when every leg is settled, else the delay before the next pass. */
  private async process(commandId: string): Promise<number | null> {
    const row = await findCommand(this.o.db, commandId, "");
    const targets = row?.plan?.takeProfitLegs ?? [];
    // "pending" too: the entry's fill report may arrive before the create's answer has been recorded.
    if (!row || (row.status !== "submitted" && row.status !== "pending") || targets.length === 0) return null;
    const entry = this.o.shadow.order(row.clientOrderId);
    // Legs split what the entry filled: they wait until it has finished (a listener brings it back then).
    if (!entry || isOpenOrderStatus(entry.status) || !(entry.filledQty > 0)) return null;
    const instrument = this.o.instruments.get(row.symbol);
    if (!instrument) return null;
    // The order's report can come before its fills' (two streams): wait a little for the position. Still
    // none after that, nothing is left to take profit on (the stop fired, a flatten) and the venue would
    // refuse the legs anyway.
    const position = this.o.shadow.position(row.symbol);
    if (!position || position.side !== (entry.side === "buy" ? "long" : "short")) {
      return this.o.clock.nowMs() - entry.updatedTsMs < POSITION_WAIT_MS ? 250 : null;
    }
    const legs = planTakeProfitLegs({ signalId: row.command.signalId, targets, filledQty: entry.filledQty, instrument });
    let retryInMs: number | null = null;
    for (const leg of legs) {
      if (this.placed.has(leg.clientOrderId) || this.refused.has(leg.clientOrderId) || this.o.shadow.order(leg.clientOrderId)) continue;
      const retry = await this.placeLeg(row.symbol, entry.side, leg);
      if (retry !== null) retryInMs = Math.min(retryInMs ?? retry, retry);
    }
    return retryInMs;
  }

  private async placeLeg(symbol: string, entrySide: Side, leg: TakeProfitLeg): Promise<number | null> {
    const id = leg.clientOrderId;
    try {
      const found = await this.o.venue.findOrder(symbol, id);
      this.o.health.venueCall(true);
      if (found) {
        this.placed.add(id);
        await this.o.shadow.ingest({ orders: [found] }, "poll");
        return null;
      }
    } catch (err) {
      this.o.health.venueCall(!isVenueError(err, "unavailable", "outcome-unknown"));
      return 1_000;
    }
    // A request of this run, or of the run before (it ended before this one started), may still land.
    const safeAtMs = (this.lastSendMs.get(id) ?? this.startedAtMs) + this.o.venue.resendSafetyMs;
    const now = this.o.clock.nowMs();
    if (now < safeAtMs) return safeAtMs - now;
    const previousSendMs = this.lastSendMs.get(id);
    this.lastSendMs.set(id, now);
    try {
      await this.o.venue.createOrder(takeProfitLegOrder(symbol, entrySide, leg));
      this.o.health.venueCall(true);
      this.placed.add(id);
      this.o.logger.info({ clientOrderId: id, symbol, legIndex: leg.legIndex, qty: leg.qty, priceUsd: leg.priceUsd }, "take-profit leg placed");
      return null;
    } catch (err) {
      if (!isVenueError(err)) throw err;
      switch (err.kind) {
        case "refused":
          this.o.health.venueCall(true);
          this.refused.add(id);
          this.o.logger.warn({ clientOrderId: id, symbol, code: err.code, err: err.message }, "the venue refused a take-profit leg; the stop loss still covers the position");
          return null;
        case "rate-limited":
          // Refused before doing anything: this request cannot land late.
          if (previousSendMs === undefined) this.lastSendMs.delete(id);
          else this.lastSendMs.set(id, previousSendMs);
          return 1_000;
        case "duplicate":
        case "outcome-unknown":
          this.o.health.venueCall(err.kind === "duplicate");
          return 50; // looked up first on the next pass
        default:
          this.o.health.venueCall(false);
          return 1_000;
      }
    }
  }
}
