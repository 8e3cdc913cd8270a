// Round trips in PostgreSQL and on the bus: each applied fill steps its symbol's open trip inside the
// shadow book's transaction; a trip that closes is published as `trade-closed` in that same
// transaction, so it is announced exactly when (and only if) the fill that closed it is recorded.

import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { TradeClosed } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { deterministicUuid } from "../domain/ids.js";
import type { Position } from "../domain/matching/index.js";
import type { ReportVenue } from "../domain/reports.js";
import { entryPriceUsd, exitPriceUsd, tripStep, type ClosedTrip, type OpenTrip, type TripFill } from "../domain/round-trips.js";

interface TripRow {
  trip_id: string;
  symbol: string;
  side: "long" | "short";
  opened_by_client_order_id: string;
  opening_fill_id: string;
  opened_at_ms: number;
  entry_qty: number;
  entry_notional_usd: number;
  exit_qty: number;
  exit_notional_usd: number;
  fees_usd: number;
  realised_at_open_usd: number;
  signal_id: string | null;
  closing_fill_id: string | null;
  closed_at_ms: number | null;
  realised_pnl_usd: number | null;
}

const fromRow = (r: TripRow): OpenTrip => ({
  symbol: r.symbol,
  side: r.side,
  openedByClientOrderId: r.opened_by_client_order_id,
  openingFillId: r.opening_fill_id,
  openedTsMs: r.opened_at_ms,
  entryQty: r.entry_qty,
  entryNotionalUsd: r.entry_notional_usd,
  exitQty: r.exit_qty,
  exitNotionalUsd: r.exit_notional_usd,
  feesUsd: r.fees_usd,
  realisedAtOpenUsd: r.realised_at_open_usd,
});

export const tripIdOf = (venue: ReportVenue, trip: OpenTrip): string => deterministicUuid("round-trip", venue, trip.symbol, trip.openingFillId);

async function openTrip(tx: Queryable, symbol: string): Promise<OpenTrip | null> {
  const { rows } = await tx.query<TripRow>("execution_trip_open", "SELECT * FROM round_trips WHERE symbol = $1 AND closed_at_ms IS NULL FOR UPDATE", [symbol]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Each symbol's open trip as committed, read from PostgreSQL once per symbol and then kept: the shadow
 * book is the only writer of round_trips (one active execution, its transactions one at a time), so
 * what it committed is what is there. A transaction works on a draft, kept only once it commits.
 */
export class OpenTrips {
  private readonly committed = new Map<string, OpenTrip | null>();

  /** A transaction's view of the open trips. */
  draft(): TripDraft {
    return new TripDraft(this.committed);
  }
}

/** A round trip's row as a transaction leaves it. */
export interface TripSave {
  readonly tripId: string;
  readonly trip: OpenTrip;
  readonly closed: ClosedTrip | null;
  /** Written when the row is first inserted; a later update leaves it alone. */
  readonly signalId: string | null;
}

export class TripDraft {
  private readonly changes = new Map<string, OpenTrip | null>();
  private readonly saves = new Map<string, TripSave>();

  constructor(private readonly committed: Map<string, OpenTrip | null>) {}

  async get(tx: Queryable, symbol: string): Promise<OpenTrip | null> {
    const known = this.changes.has(symbol) ? this.changes.get(symbol) : this.committed.get(symbol);
    if (known !== undefined) return known;
    const loaded = await openTrip(tx, symbol);
    this.changes.set(symbol, loaded);
    return loaded;
  }

  set(symbol: string, trip: OpenTrip | null): void {
    this.changes.set(symbol, trip);
  }

  /** Records a trip's row to write; a trip saved twice keeps its first signal and its last state. */
  save(row: TripSave): void {
    const earlier = this.saves.get(row.tripId);
    this.saves.set(row.tripId, earlier ? { ...row, signalId: earlier.signalId ?? row.signalId } : row);
  }

  /** The rows to write, in the order the trips were first saved (a trip closes before its successor opens). */
  rows(): TripSave[] {
    return [...this.saves.values()];
  }

  /** Call once the transaction has committed. */
  keep(): void {
    for (const [symbol, trip] of this.changes) this.committed.set(symbol, trip);
  }

  /** Call when the transaction failed: its symbols are read again (a failed COMMIT may still have landed). */
  forget(): void {
    for (const symbol of this.changes.keys()) this.committed.delete(symbol);
  }
}

/** The signal behind an order execution placed for a brain command; null for flatten orders and the like. */
async function signalOf(tx: Queryable, clientOrderId: string): Promise<string | null> {
  const { rows } = await tx.query<{ signal_id: string }>("execution_trip_signal", "SELECT signal_id::text AS signal_id FROM order_commands WHERE client_order_id = $1", [clientOrderId]);
  return rows[0]?.signal_id ?? null;
}

/** Steps the symbol's trip with one applied fill; returns the closed trip's message when it closed. */
export async function recordTripFill(
  tx: Queryable,
  opts: { venue: ReportVenue; clock: Clock; nowMs: number },
  before: Position | undefined,
  after: Position,
  fill: TripFill,
  trips: TripDraft,
): Promise<TradeClosed | null> {
  const current = await trips.get(tx, after.symbol);
  const step = tripStep(current, before, after, fill);
  trips.set(after.symbol, step.open);
  let message: TradeClosed | null = null;
  if (step.closed) {
    const closed = step.closed;
    const tripId = tripIdOf(opts.venue, closed);
    const signalId = await signalOf(tx, closed.openedByClientOrderId);
    trips.save({ tripId, trip: closed, closed, signalId });
    message = {
      version: 1,
      tradeId: tripId,
      venue: opts.venue,
      symbol: closed.symbol,
      side: closed.side,
      signalId,
      openedByClientOrderId: closed.openedByClientOrderId,
      entryQty: closed.entryQty,
      entryPriceUsd: entryPriceUsd(closed),
      exitPriceUsd: exitPriceUsd(closed) ?? fill.priceUsd,
      feesUsd: closed.feesUsd,
      realisedPnlUsd: closed.realisedPnlUsd,
      openedTsMs: closed.openedTsMs,
      closedTsMs: closed.closedTsMs,
      tsMs: opts.nowMs,
    };
    await publishInTransaction(tx, "trade-closed", message, { source: "execution", clock: opts.clock, id: tripId, correlationId: signalId ?? tripId });
  }
  if (step.open) {
    // A continuing trip keeps the signal it was opened with (the update leaves signal_id alone).
    const continuing = current !== null && step.open.openingFillId === current.openingFillId;
    trips.save({ tripId: tripIdOf(opts.venue, step.open), trip: step.open, closed: null, signalId: continuing ? null : await signalOf(tx, step.open.openedByClientOrderId) });
  }
  return message;
}

export interface ClosedTradeRow {
  readonly tradeId: string;
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly signalId: string | null;
  readonly entryQty: number;
  readonly entryPriceUsd: number;
  readonly exitPriceUsd: number;
  readonly feesUsd: number;
  readonly realisedPnlUsd: number;
  readonly openedTsMs: number;
  readonly closedTsMs: number;
}

/** Trips closed in [fromMs, toMs), oldest first: the closed trades of a period. */
export async function closedTrades(q: Queryable, fromMs: number, toMs: number): Promise<ClosedTradeRow[]> {
  const { rows } = await q.query<TripRow>("execution_trips_closed", "SELECT * FROM round_trips WHERE closed_at_ms >= $1 AND closed_at_ms < $2 ORDER BY closed_at_ms, trip_id", [fromMs, toMs]);
  return rows.map((r) => ({
    tradeId: r.trip_id,
    symbol: r.symbol,
    side: r.side,
    signalId: r.signal_id,
    entryQty: r.entry_qty,
    entryPriceUsd: r.entry_qty > 0 ? r.entry_notional_usd / r.entry_qty : 0,
    exitPriceUsd: r.exit_qty > 0 ? r.exit_notional_usd / r.exit_qty : 0,
    feesUsd: r.fees_usd,
    realisedPnlUsd: r.realised_pnl_usd ?? 0,
    openedTsMs: r.opened_at_ms,
    closedTsMs: r.closed_at_ms ?? 0,
  }));
}
