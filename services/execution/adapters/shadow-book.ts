// The shadow state's keeper: execution reports in (from the private stream or from polling), the pure
// applyReport over them, and one transaction that records the fills, orders and positions and publishes
// the reports and position snapshots through the outbox. One writer at a time; memory follows the
// commit. Only execution's own orders are followed (its client ids, and the stops the venue fires for
// them): a trade made behind its back is for reconciliation to report, never to adopt silently.

import type { Logger } from "pino";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { ExecutionReport, PositionSnapshot } from "../../shared/contracts/index.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import { faultPoint } from "../../shared/faults.js";
import { DEFAULT_CLIENT_ORDER_ID_PREFIX } from "../../shared/client-order-id.js";
import { deterministicUuid } from "../domain/ids.js";
import { positionAsOf, type ComparablePosition } from "../domain/reconciliation.js";
import { roundToStep, type Position } from "../domain/matching/index.js";
import { reportFromVenueFill, reportFromVenueOrder, shadowClientOrderId, type ReportVenue } from "../domain/reports.js";
import { EMPTY_SHADOW_STATE, applyReport, openOrders, openPositions, pruneShadowState, type ShadowOrder, type ShadowState } from "../domain/shadow-state.js";
import type { VenueFill, VenueOrder } from "../domain/venue-types.js";
import type { ExecutionMetrics } from "./execution-metrics.js";
import type { InstrumentBook } from "./instrument-book.js";
import { recordTripFill } from "./round-trip-store.js";
import { alreadyPublished, insertFill, loadOrder, loadShadow, markFirstFill, upsertOrder, upsertPosition } from "./store.js";

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
  private state: ShadowState = EMPTY_SHADOW_STATE;
  private chain: Promise<unknown> = Promise.resolve();
  /** Heard after each commit: orders whose report changed (for post-only timers, flatten waits). */
  readonly orderListeners = new Set<(orders: readonly ShadowOrder[]) => void>();

  constructor(private readonly o: ShadowBookOptions) {}

  async load(): Promise<void> {
    const loaded = await loadShadow(this.o.db, this.o.clock.nowMs() - 24 * 3_600_000);
    this.state = {
      positions: Object.fromEntries(loaded.positions.map((p) => [p.symbol, p])),
      orders: Object.fromEntries(loaded.orders.map((o) => [o.clientOrderId, o])),
      appliedFillIds: new Set(loaded.fillIds),
    };
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
  ingest(events: { orders?: readonly VenueOrder[]; fills?: readonly VenueFill[] }, source: ReportSource): Promise<number> {
    return this.serial(async () => {
      const orders = (events.orders ?? []).filter((o) => ShadowBook.isOurs(o.clientOrderId, o.origin));
      const fills = (events.fills ?? []).filter((f) => ShadowBook.isOurs(f.clientOrderId, f.origin));
      if (orders.length === 0 && fills.length === 0) return 0;
      const nowMs = this.o.clock.nowMs();
      for (const fill of fills) if (!this.state.appliedFillIds.has(fill.fillId)) faultPoint(EXECUTION_FAULT_POINTS.afterFillBeforePersist);
      // Fills first: a fill's report carries the order's state at that fill; a later order report then moves it on.
      const pending: { report: ExecutionReport; fill?: VenueFill }[] = [];
      for (const fill of [...fills].sort((a, b) => a.tsMs - b.tsMs)) pending.push({ report: reportFromVenueFill(this.o.venue, fill, this.state.orders[shadowClientOrderId(fill.clientOrderId, fill.venueOrderId)], nowMs, (q) => this.roundQty(fill.symbol, q)), fill });
      for (const order of orders) pending.push({ report: reportFromVenueOrder(this.o.venue, order, nowMs) });
      return this.commit(pending, source, nowMs);
    });
  }

  private roundQty(symbol: string, qty: number): number {
    const step = this.o.instruments.get(symbol)?.lotStepQty;
    return step ? roundToStep(qty, step) : qty;
  }

  private async commit(pending: readonly { report: ExecutionReport; fill?: VenueFill }[], source: ReportSource, nowMs: number): Promise<number> {
    let state = this.state;
    for (const { report } of pending) {
      if (!state.orders[report.clientOrderId]) {
        const known = await loadOrder(this.o.db, report.clientOrderId);
        if (known) state = { ...state, orders: { ...state.orders, [known.clientOrderId]: known } };
      }
    }
    const firstFills: FirstFill[] = [];
    const changedOrders: ShadowOrder[] = [];
    let newFills = 0;
    let closedTrades = 0;
    const committed = await this.o.db.transaction(async (tx) => {
      let s = state;
      const positionsMoved = new Map<string, { position: Position; fillId: string; venueTsMs: number }>();
      for (const { report } of pending) {
        const fill = report.fill;
        if (fill && !s.appliedFillIds.has(fill.fillId)) {
          const inserted = await insertFill(tx, {
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
          });
          // Recorded in an earlier run but no longer in memory: the second copy must not move the position.
          if (!inserted) s = { ...s, appliedFillIds: new Set([...s.appliedFillIds, fill.fillId]) };
        }
        const instrument = this.o.instruments.get(report.symbol);
        const positionBefore = s.positions[report.symbol];
        const out = applyReport(s, report, { lotStepQty: instrument?.lotStepQty ?? 1e-8, defaultLeverage: s.positions[report.symbol]?.leverage ?? 10 });
        s = out.state;
        if (!out.orderChanged && !out.fillApplied) continue;
        if (out.orderChanged) {
          await upsertOrder(tx, out.order, report.reportId);
          changedOrders.push(out.order);
        }
        if (out.fillApplied && out.position && fill) {
          newFills += 1;
          positionsMoved.set(report.symbol, { position: out.position, fillId: fill.fillId, venueTsMs: report.venueTsMs });
          const tripFill = { fillId: fill.fillId, clientOrderId: report.clientOrderId, qty: fill.qty, priceUsd: fill.priceUsd, feeUsd: fill.feeUsd, tsMs: report.venueTsMs };
          if (await recordTripFill(tx, { venue: this.o.venue, clock: this.o.clock, nowMs }, positionBefore, out.position, tripFill)) closedTrades += 1;
          const commandTsMs = await markFirstFill(tx, report.clientOrderId, nowMs);
          if (commandTsMs !== null) firstFills.push({ clientOrderId: report.clientOrderId, commandTsMs, atMs: nowMs });
        }
        if (!(await alreadyPublished(tx, report.reportId))) {
          await publishInTransaction(tx, "execution-report", report, { source: "execution", clock: this.o.clock, id: report.reportId, correlationId: report.clientOrderId });
        }
      }
      for (const [symbol, moved] of positionsMoved) {
        await upsertPosition(tx, moved.position, moved.fillId);
        await this.publishPosition(tx, moved.position, moved.fillId, symbol, nowMs);
      }
      return s;
    });
    this.state = committed;
    for (const f of firstFills) this.o.metrics.commandToFillSeconds.observe({ venue: this.o.venue }, Math.max(0, f.atMs - f.commandTsMs) / 1000);
    if (newFills > 0) this.o.metrics.fillsTotal.inc({ source }, newFills);
    if (closedTrades > 0) this.o.metrics.tradesClosedTotal.inc({ venue: this.o.venue }, closedTrades);
    this.maybePrune(nowMs);
    if (changedOrders.length > 0) for (const listener of this.orderListeners) listener(changedOrders);
    return newFills;
  }

  private async publishPosition(tx: Queryable, position: Position, fillId: string, symbol: string, nowMs: number): Promise<void> {
    const snapshot = shadowPositionSnapshot(this.o.venue, position, null, nowMs);
    const id = deterministicUuid("position-snapshot:shadow", this.o.venue, symbol, fillId);
    if (await alreadyPublished(tx, id)) return;
    await publishInTransaction(tx, "position-snapshot", snapshot, { source: "execution", clock: this.o.clock, id });
  }

  private maybePrune(nowMs: number): void {
    const size = Object.keys(this.state.orders).length;
    if (size < 5_000 && this.state.appliedFillIds.size < 50_000) return;
    const keep = new Set([...this.state.appliedFillIds].slice(-20_000));
    this.state = pruneShadowState(this.state, nowMs - 3_600_000, keep);
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
