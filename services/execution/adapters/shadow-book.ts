// The shadow state's keeper: execution reports in (from the private stream or from polling), the pure
// applyReport over them, and one transaction that records the fills, orders and positions and publishes
// the reports and position snapshots through the outbox. One writer at a time; memory follows the
// commit. Only execution's own orders are followed (its client ids, and the stops the venue fires for
// them): a trade made behind its back is for reconciliation to report, never to adopt silently.

import type { Logger } from "pino";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { ExecutionReport, PositionSnapshot } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { faultPoint } from "../../shared/faults.js";
import { DEFAULT_CLIENT_ORDER_ID_PREFIX } from "../../shared/client-order-id.js";
import { deterministicUuid } from "../domain/ids.js";
import { FillIdSet, withFillId } from "../domain/fill-id-set.js";
import { positionAsOf, type ComparablePosition } from "../domain/reconciliation.js";
import { roundToStep, type Position } from "../domain/matching/index.js";
import { reportFromVenueFill, reportFromVenueOrder, shadowClientOrderId, type ReportVenue } from "../domain/reports.js";
import { applyReport, openOrders, reportAdvances, openPositions, pruneShadowState, type ShadowOrder, type ShadowState } from "../domain/shadow-state.js";
import { isOpenOrderStatus, type VenueFill, type VenueOrder } from "../domain/venue-types.js";
import type { ExecutionMetrics } from "./execution-metrics.js";
import type { InstrumentBook } from "./instrument-book.js";
import { OpenTrips, recordTripFill } from "./round-trip-store.js";
import { insertFill, loadOrder, loadShadow } from "./store.js";
import { writeShadowRows } from "./shadow-writes.js";
import { OutgoingMessages } from "./outgoing-messages.js";

export const EXECUTION_FAULT_POINTS = {
  /** A create request answered (or lost), before the answer is recorded. */
  afterSendBeforeRecord: "execution.order.after-send-before-record",
  /** A fill received from the venue, before the shadow state has persisted it. */
  afterFillBeforePersist: "execution.fill.after-receive-before-persist",
  /**
   * A command's order persisted, before the command is acknowledged on its stream: execution
   * acknowledges commands through the shared inbox consumer, so this is the consumer's point.
   */
  afterPersistBeforeAck: "consumer.after-commit-before-ack",
} as const;

export type ReportSource = "stream" | "poll";

/** Orders remembered before memory is pruned. */
const PRUNE_AT_ORDERS = 5_000;

export interface VenueEvents {
  readonly orders?: readonly VenueOrder[];
  readonly fills?: readonly VenueFill[];
}

/** One batch of our orders' events, as it came. */
interface Segment {
  readonly orders: readonly VenueOrder[];
  readonly fills: readonly VenueFill[];
}

export interface ShadowBookOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly venue: ReportVenue;
  readonly instruments: InstrumentBook;
}

export interface FirstFill {
  readonly clientOrderId: string;
  readonly commandTsMs: number;
  readonly atMs: number;
}

export class ShadowBook {
  /**
   * The orders of `state`, owned here and updated in place after each commit: a report costs a lookup,
   * not a copy of every order remembered (applyReport sees only the order it moves).
   */
  private orders: Record<string, ShadowOrder> = {};
  private state: ShadowState = { positions: {}, orders: this.orders, appliedFillIds: FillIdSet.of() };
  /** Orders in `orders`, and the count at which memory is pruned next. */
  private orderCount = 0;
  private pruneAtCount = PRUNE_AT_ORDERS;
  private chain: Promise<unknown> = Promise.resolve();
  /** Pushed batches waiting for the writer's next turn, and that turn. */
  private pushed: VenueEvents[] = [];
  private pushedTurn: Promise<number> | null = null;
  /** Heard after each commit: orders whose report changed (for post-only timers, flatten waits). */
  readonly orderListeners = new Set<(orders: readonly ShadowOrder[]) => void>();

  constructor(private readonly o: ShadowBookOptions) {}

  async load(): Promise<void> {
    const loaded = await loadShadow(this.o.db, this.o.clock.nowMs() - 24 * 3_600_000);
    this.orders = Object.fromEntries(loaded.orders.map((o) => [o.clientOrderId, o]));
    this.orderCount = loaded.orders.length;
    this.state = { positions: Object.fromEntries(loaded.positions.map((p) => [p.symbol, p])), orders: this.orders, appliedFillIds: FillIdSet.of(loaded.fillIds) };
  }

  positions(): Position[] {
    return Object.values(this.state.positions);
  }

  openPositions(): Position[] {
    return openPositions(this.state);
  }

  position(symbol: string): Position | undefined {
    return this.state.positions[symbol];
  }

  openOrders(): ShadowOrder[] {
    return openOrders(this.state);
  }

  order(clientOrderId: string): ShadowOrder | undefined {
    return this.state.orders[clientOrderId];
  }

  /**
   * Each position as it stood at the venue's snapshot time for its symbol (reconciliation): read under
   * the writer's turn, so memory and the recorded fills agree.
   */
  positionsAsOf(asOfMs: (symbol: string) => number): Promise<ComparablePosition[]> {
    return this.serial(async () => {
      const positions = Object.values(this.state.positions);
      if (positions.length === 0) return [];
      const cutoff = Math.min(...positions.map((p) => asOfMs(p.symbol)));
      const { rows } = await this.o.db.query<{ symbol: string; side: "buy" | "sell"; qty: number; venue_ts_ms: number }>(
        "execution_fills_after",
        "SELECT symbol, side, qty, venue_ts_ms FROM fills WHERE venue_ts_ms > $1",
        [Math.floor(cutoff)],
      );
      return positions.map((p) =>
        positionAsOf(p, rows.filter((f) => f.symbol === p.symbol && f.venue_ts_ms > asOfMs(p.symbol)), this.o.instruments.get(p.symbol)?.lotStepQty ?? 1e-8),
      );
    });
  }

  /** Ours: an id execution derived (brain commands, flatten orders), or a stop the venue fired for a position. */
  static isOurs(clientOrderId: string | null, origin: VenueFill["origin"]): boolean {
    return origin !== "client" || (clientOrderId !== null && clientOrderId.startsWith(DEFAULT_CLIENT_ORDER_ID_PREFIX));
  }

  /** Venue events → reports → the shadow state, in one transaction. */
  ingest(events: VenueEvents, source: ReportSource): Promise<number> {
    return this.serial(() => this.record([events], source));
  }

  /**
   * Events the venue pushed: those arriving while a transaction runs are recorded together in the next
   * one (one COMMIT for the lot), each batch in the order it came, as if ingested one after another.
   */
  ingestPushed(events: VenueEvents): Promise<number> {
    this.pushed.push(events);
    this.pushedTurn ??= this.serial(() => {
      const batches = this.pushed;
      this.pushed = [];
      this.pushedTurn = null;
      return this.record(batches, "stream");
    });
    return this.pushedTurn;
  }

  private record(batches: readonly VenueEvents[], source: ReportSource): Promise<number> {
    const segments: Segment[] = [];
    for (const events of batches) {
      const orders = (events.orders ?? []).filter((o) => ShadowBook.isOurs(o.clientOrderId, o.origin));
      const fills = (events.fills ?? []).filter((f) => ShadowBook.isOurs(f.clientOrderId, f.origin));
      if (orders.length > 0 || fills.length > 0) segments.push({ orders, fills });
    }
    if (segments.length === 0) return Promise.resolve(0);
    for (const { fills } of segments) for (const fill of fills) if (!this.state.appliedFillIds.has(fill.fillId)) faultPoint(EXECUTION_FAULT_POINTS.afterFillBeforePersist);
    return this.commit(segments, source, this.o.clock.nowMs());
  }

  /** One batch's reports against the state it meets. Fills first: a fill's report carries the order's state at that fill; a later order report then moves it on. */
  private reportsOf(segment: Segment, orderOf: (clientOrderId: string) => ShadowOrder | undefined, nowMs: number): ExecutionReport[] {
    const reports: ExecutionReport[] = [];
    for (const fill of [...segment.fills].sort((a, b) => a.tsMs - b.tsMs)) {
      reports.push(reportFromVenueFill(this.o.venue, fill, orderOf(shadowClientOrderId(fill.clientOrderId, fill.venueOrderId)), nowMs, (q) => this.roundQty(fill.symbol, q)));
    }
    for (const order of segment.orders) reports.push(reportFromVenueOrder(this.o.venue, order, nowMs));
    return reports;
  }

  private roundQty(symbol: string, qty: number): number {
    const step = this.o.instruments.get(symbol)?.lotStepQty;
    return step ? roundToStep(qty, step) : qty;
  }

  /**
   * Client order ids this run is about to send for the first time (no request ever carried them): no
   * report and no row can exist for them yet, so their first report skips the lookup by id. Each entry
   * goes once its order is in committed memory, or after an hour (then the lookup runs as for any other).
   */
  private readonly expectedNew = new Map<string, number>();
  private readonly trips = new OpenTrips();
  /** Orders a failed transaction touched: memory may be behind PostgreSQL for them until one commits. */
  private readonly suspect = new Set<string>();

  /** Called before the first create request for `clientOrderId` leaves (the order manager knows it has never been sent). */
  expectNewOrder(clientOrderId: string): void {
    if (!this.state.orders[clientOrderId]) this.expectedNew.set(clientOrderId, this.o.clock.nowMs());
  }

  private async commit(segments: readonly Segment[], source: ReportSource, nowMs: number): Promise<number> {
    // Orders read back for this turn, then the ones the transaction changes: memory takes them at the commit.
    const overlay = new Map<string, ShadowOrder>();
    const orderOf = (id: string): ShadowOrder | undefined => overlay.get(id) ?? this.orders[id];
    const ids = new Set(segments.flatMap((g) => [...g.fills, ...g.orders].map((e) => shadowClientOrderId(e.clientOrderId, e.venueOrderId))));
    for (const id of ids) {
      // Read back: an order memory does not hold (unless it was never sent), or one a failed transaction touched.
      if (!this.suspect.has(id) && (orderOf(id) || this.expectedNew.has(id))) continue;
      const known = await loadOrder(this.o.db, id);
      if (known) overlay.set(id, known);
    }
    const firstFills: FirstFill[] = [];
    // Each changed order is written once, in its final state, with the last report that changed it.
    const changedOrders = new Map<string, { order: ShadowOrder; reportId: string }>();
    let newFills = 0;
    let closedTrades = 0;
    // One transaction per draft (Database.transaction never re-runs its function).
    const trips = this.trips.draft();
    let committed: Pick<ShadowState, "positions" | "appliedFillIds">;
    try {
      committed = await this.o.db.transaction(async (tx) => {
        let positions = this.state.positions;
        let fillIds = this.state.appliedFillIds;
        const positionsMoved = new Map<string, { position: Position; fillId: string; venueTsMs: number }>();
        const outgoing = new OutgoingMessages();
        for (const segment of segments) {
          // Built against the state this batch meets: what the batches before it in this transaction left.
          for (const report of this.reportsOf(segment, orderOf, nowMs)) {
            const fill = report.fill;
            let fillInserted = false;
            let firstFillCommandTsMs: number | null = null;
            if (fill && !fillIds.has(fill.fillId)) {
              ({ inserted: fillInserted, firstFillCommandTsMs } = await insertFill(tx, {
                fillId: fill.fillId,
                reportId: report.reportId,
                clientOrderId: report.clientOrderId,
                venueOrderId: report.venueOrderId,
                symbol: report.symbol,
                side: report.side,
                qty: fill.qty,
                priceUsd: fill.priceUsd,
                feeUsd: fill.feeUsd,
                liquidity: fill.liquidity,
                source,
                venueTsMs: report.venueTsMs,
                recordedAtMs: nowMs,
              }));
              // Recorded in an earlier run but no longer in memory: the second copy must not move the position.
              if (!fillInserted) fillIds = withFillId(fillIds, fill.fillId);
            }
            const instrument = this.o.instruments.get(report.symbol);
            const positionBefore = positions[report.symbol];
            const previous = orderOf(report.clientOrderId);
            const advances = reportAdvances(previous, report);
            // The state as this report meets it, with the one order it can move.
            const view: ShadowState = { positions, orders: previous ? { [report.clientOrderId]: previous } : {}, appliedFillIds: fillIds };
            const out = applyReport(view, report, { lotStepQty: instrument?.lotStepQty ?? 1e-8, defaultLeverage: positions[report.symbol]?.leverage ?? 10 });
            positions = out.state.positions;
            fillIds = out.state.appliedFillIds;
            if (out.orderChanged) overlay.set(report.clientOrderId, out.order);
            if (!out.orderChanged && !out.fillApplied) continue;
            if (out.orderChanged) changedOrders.set(out.order.clientOrderId, { order: out.order, reportId: report.reportId });
            if (out.fillApplied && out.position && fill) {
              newFills += 1;
              positionsMoved.set(report.symbol, { position: out.position, fillId: fill.fillId, venueTsMs: report.venueTsMs });
              const tripFill = { fillId: fill.fillId, clientOrderId: report.clientOrderId, qty: fill.qty, priceUsd: fill.priceUsd, feeUsd: fill.feeUsd, tsMs: report.venueTsMs };
              if (await recordTripFill(tx, { venue: this.o.venue, clock: this.o.clock, nowMs }, positionBefore, out.position, tripFill, trips)) closedTrades += 1;
              if (firstFillCommandTsMs !== null) firstFills.push({ clientOrderId: report.clientOrderId, commandTsMs: firstFillCommandTsMs, atMs: nowMs });
            }
            // Never published before: a fill report whose fill was first recorded here, an order report that
            // moves its committed order on. Anything else may have been (a report rebuilt from a late event).
            const unseen = report.fill ? fillInserted : advances;
            outgoing.add({ id: report.reportId, unseen, publish: () => publishInTransaction(tx, "execution-report", report, { source: "execution", clock: this.o.clock, id: report.reportId, correlationId: report.clientOrderId }) });
          }
        }
        await writeShadowRows(tx, { orders: [...changedOrders.values()], positions: [...positionsMoved.values()], trips: trips.rows() });
        for (const [symbol, moved] of positionsMoved) {
          // Named after a fill this transaction recorded first: never published before.
          const snapshot = shadowPositionSnapshot(this.o.venue, moved.position, null, nowMs);
          const id = deterministicUuid("position-snapshot:shadow", this.o.venue, symbol, moved.fillId);
          outgoing.add({ id, unseen: true, publish: () => publishInTransaction(tx, "position-snapshot", snapshot, { source: "execution", clock: this.o.clock, id }) });
        }
        await outgoing.publish(tx);
        return { positions, appliedFillIds: fillIds };
      });
    } catch (err) {
      // The COMMIT may still have landed: what this transaction touched is read from PostgreSQL again.
      trips.forget();
      for (const id of ids) {
        this.expectedNew.delete(id);
        this.suspect.add(id);
      }
      throw err;
    }
    trips.keep();
    for (const [id, order] of overlay) {
      if (this.orders[id] === undefined) this.orderCount += 1;
      this.orders[id] = order;
    }
    this.state = { positions: committed.positions, orders: this.orders, appliedFillIds: committed.appliedFillIds };
    for (const id of ids) {
      this.expectedNew.delete(id);
      this.suspect.delete(id);
    }
    for (const f of firstFills) this.o.metrics.commandToFillSeconds.observe({ venue: this.o.venue }, Math.max(0, f.atMs - f.commandTsMs) / 1000);
    if (newFills > 0) this.o.metrics.fillsTotal.inc({ source }, newFills);
    if (closedTrades > 0) this.o.metrics.tradesClosedTotal.inc({ venue: this.o.venue }, closedTrades);
    this.maybePrune(nowMs);
    if (changedOrders.size > 0) {
      const orders = [...changedOrders.values()].map((c) => c.order);
      for (const listener of this.orderListeners) listener(orders);
    }
    return newFills;
  }

  private maybePrune(nowMs: number): void {
    if (this.expectedNew.size > 1_000) for (const [id, atMs] of this.expectedNew) if (atMs < nowMs - 3_600_000) this.expectedNew.delete(id);
    const fillIds = this.state.appliedFillIds;
    if (this.orderCount < this.pruneAtCount && fillIds.size < 50_000) return;
    // Finished orders an hour old go, and at least the older half of the finished ones (at a sustained
    // rate every order is recent): a late report about a forgotten order reads it back from PostgreSQL.
    const finishedTsMs = Object.values(this.orders)
      .filter((o) => !isOpenOrderStatus(o.status))
      .map((o) => o.updatedTsMs)
      .sort((a, b) => b - a);
    const beforeMs = Math.max(nowMs - 3_600_000, finishedTsMs[Math.floor(finishedTsMs.length / 2)] ?? Number.NEGATIVE_INFINITY);
    const keep = fillIds.size < 50_000 ? fillIds : fillIds instanceof FillIdSet ? fillIds.newest(20_000) : FillIdSet.of([...fillIds].slice(-20_000));
    const pruned = pruneShadowState(this.state, beforeMs, keep);
    this.orders = { ...pruned.orders };
    this.orderCount = Object.keys(this.orders).length;
    // Mostly open orders left: wait for as many again before looking.
    this.pruneAtCount = Math.max(PRUNE_AT_ORDERS, 2 * this.orderCount);
    this.state = { ...pruned, orders: this.orders };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** A shadow position as the contract's snapshot, marked at `markPriceUsd` when one is known. */
export function shadowPositionSnapshot(venue: ReportVenue, position: Position, markPriceUsd: number | null, nowMs: number): PositionSnapshot {
  const open = position.side !== "flat" && position.qty > 0;
  const entry = open ? position.avgEntryPriceUsd : null;
  const direction = position.side === "long" ? 1 : position.side === "short" ? -1 : 0;
  const mark = markPriceUsd ?? entry;
  return {
    version: 1,
    venue,
    symbol: position.symbol,
    source: "shadow",
    side: open ? position.side : "flat",
    qty: open ? position.qty : 0,
    entryPriceUsd: entry,
    markPriceUsd: markPriceUsd,
    notionalUsd: open && mark ? position.qty * mark : 0,
    leverage: position.leverage >= 1 ? Math.min(position.leverage, 125) : null,
    unrealisedPnlUsd: open && entry && mark ? (mark - entry) * position.qty * direction : 0,
    realisedPnlUsd: position.realisedPnlUsd,
    liquidationPriceUsd: null,
    venueTsMs: position.updatedTsMs,
    tsMs: nowMs,
  };
}
