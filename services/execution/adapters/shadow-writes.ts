// The rows one shadow-book transaction leaves behind, written by one statement at its end: each changed
// order in its final state, each moved position, each round trip that opened, moved or closed. Nothing
// in the transaction reads these tables back after its first read, so writing them last changes nothing
// but the number of round trips to PostgreSQL.

import type { Queryable } from "../../shared/db/database.js";
import type { Position } from "../domain/matching/index.js";
import type { ShadowOrder } from "../domain/shadow-state.js";
import type { TripSave } from "./round-trip-store.js";

export interface ShadowRows {
  /** At most one entry per order, with the report that last changed it. */
  readonly orders: readonly { readonly order: ShadowOrder; readonly reportId: string }[];
  /** At most one entry per symbol, with the fill that last moved it. */
  readonly positions: readonly { readonly position: Position; readonly fillId: string }[];
  /** At most one entry per trip; a trip that closes comes before the one that opens after it on its symbol. */
  readonly trips: readonly TripSave[];
}

const ORDER_SQL = `INSERT INTO orders (client_order_id, venue_order_id, symbol, side, order_type, reduce_only, status, order_qty, filled_qty, avg_fill_price_usd,
                                  limit_price_usd, created_at_ms, updated_at_ms, last_report_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::float8[], $9::float8[], $10::float8[],
                          $11::float8[], $12::bigint[], $13::bigint[], $14::uuid[])
     ON CONFLICT (client_order_id) DO UPDATE SET venue_order_id = EXCLUDED.venue_order_id, status = EXCLUDED.status, order_qty = EXCLUDED.order_qty,
       filled_qty = EXCLUDED.filled_qty, avg_fill_price_usd = EXCLUDED.avg_fill_price_usd, limit_price_usd = EXCLUDED.limit_price_usd,
       updated_at_ms = EXCLUDED.updated_at_ms, last_report_id = EXCLUDED.last_report_id`;

const POSITION_SQL = `INSERT INTO positions (symbol, side, qty, avg_entry_price_usd, realised_pnl_usd, leverage, created_at_ms, updated_at_ms, last_fill_id)
     SELECT * FROM unnest($15::text[], $16::text[], $17::float8[], $18::float8[], $19::float8[], $20::float8[], $21::bigint[], $22::bigint[], $23::text[])
     ON CONFLICT (symbol) DO UPDATE SET side = EXCLUDED.side, qty = EXCLUDED.qty, avg_entry_price_usd = EXCLUDED.avg_entry_price_usd,
       realised_pnl_usd = EXCLUDED.realised_pnl_usd, leverage = EXCLUDED.leverage, created_at_ms = EXCLUDED.created_at_ms,
       updated_at_ms = EXCLUDED.updated_at_ms, last_fill_id = EXCLUDED.last_fill_id`;

// A continuing trip keeps the signal it was opened with: the update leaves signal_id alone.
const TRIP_SQL = `INSERT INTO round_trips (trip_id, symbol, side, opened_by_client_order_id, signal_id, opening_fill_id, opened_at_ms, entry_qty, entry_notional_usd,
                                  exit_qty, exit_notional_usd, fees_usd, realised_at_open_usd, closing_fill_id, closed_at_ms, realised_pnl_usd)
     SELECT trip_id, symbol, side, opened_by_client_order_id, signal_id, opening_fill_id, opened_at_ms, entry_qty, entry_notional_usd,
            exit_qty, exit_notional_usd, fees_usd, realised_at_open_usd, closing_fill_id, closed_at_ms, realised_pnl_usd
       FROM unnest($24::uuid[], $25::text[], $26::text[], $27::text[], $28::uuid[], $29::text[], $30::bigint[], $31::float8[], $32::float8[],
                          $33::float8[], $34::float8[], $35::float8[], $36::float8[], $37::text[], $38::bigint[], $39::float8[]) WITH ORDINALITY
       AS t(trip_id, symbol, side, opened_by_client_order_id, signal_id, opening_fill_id, opened_at_ms, entry_qty, entry_notional_usd,
            exit_qty, exit_notional_usd, fees_usd, realised_at_open_usd, closing_fill_id, closed_at_ms, realised_pnl_usd, n)
      ORDER BY n -- a trip closing before the next one opens on its symbol (one open trip per symbol)
     ON CONFLICT (trip_id) DO UPDATE SET entry_qty = EXCLUDED.entry_qty, entry_notional_usd = EXCLUDED.entry_notional_usd, exit_qty = EXCLUDED.exit_qty,
       exit_notional_usd = EXCLUDED.exit_notional_usd, fees_usd = EXCLUDED.fees_usd, closing_fill_id = EXCLUDED.closing_fill_id,
       closed_at_ms = EXCLUDED.closed_at_ms, realised_pnl_usd = EXCLUDED.realised_pnl_usd`;

/** Writes the transaction's rows in one statement; nothing when there are none. */
export async function writeShadowRows(tx: Queryable, rows: ShadowRows): Promise<void> {
  if (rows.orders.length === 0 && rows.positions.length === 0 && rows.trips.length === 0) return;
  const o = rows.orders.map((r) => r.order);
  const p = rows.positions.map((r) => r.position);
  const t = rows.trips;
  await tx.query(
    "execution_write_shadow",
    `WITH orders AS (
       ${ORDER_SQL}
     ), positions AS (
       ${POSITION_SQL}
     ), trips AS (
       ${TRIP_SQL}
     )
     SELECT 1`,
    [
      o.map((x) => x.clientOrderId),
      o.map((x) => x.venueOrderId),
      o.map((x) => x.symbol),
      o.map((x) => x.side),
      o.map((x) => x.orderType),
      o.map((x) => x.reduceOnly),
      o.map((x) => x.status),
      o.map((x) => x.orderQty),
      o.map((x) => x.filledQty),
      o.map((x) => x.avgFillPriceUsd),
      o.map((x) => x.limitPriceUsd),
      o.map((x) => x.createdTsMs),
      o.map((x) => x.updatedTsMs),
      rows.orders.map((r) => r.reportId),
      p.map((x) => x.symbol),
      p.map((x) => x.side),
      p.map((x) => x.qty),
      p.map((x) => x.avgEntryPriceUsd),
      p.map((x) => x.realisedPnlUsd),
      p.map((x) => x.leverage),
      p.map((x) => x.createdTsMs),
      p.map((x) => x.updatedTsMs),
      rows.positions.map((r) => r.fillId),
      t.map((x) => x.tripId),
      t.map((x) => x.trip.symbol),
      t.map((x) => x.trip.side),
      t.map((x) => x.trip.openedByClientOrderId),
      t.map((x) => x.signalId),
      t.map((x) => x.trip.openingFillId),
      t.map((x) => x.trip.openedTsMs),
      t.map((x) => x.trip.entryQty),
      t.map((x) => x.trip.entryNotionalUsd),
      t.map((x) => x.trip.exitQty),
      t.map((x) => x.trip.exitNotionalUsd),
      t.map((x) => x.trip.feesUsd),
      t.map((x) => x.trip.realisedAtOpenUsd),
      t.map((x) => x.closed?.closingFillId ?? null),
      t.map((x) => x.closed?.closedTsMs ?? null),
      t.map((x) => x.closed?.realisedPnlUsd ?? null),
    ],
  );
}
