// Klines in PostgreSQL (execution.klines, migration 0100): one upsert statement per batch, keyed by
// (symbol, interval, bar start). Writing the same bar again changes nothing; a closed bar is never
// replaced by a forming one. A batch naming one bar twice keeps its last (closed-preferring) version,
// since one statement may not touch a row twice.

import type { MarketKline } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";

export interface StoredKline {
  readonly symbol: string;
  readonly interval: MarketKline["interval"];
  readonly openTsMs: number;
  readonly closeTsMs: number;
  readonly venue: string;
  readonly marketType: string;
  readonly openPriceUsd: number;
  readonly highPriceUsd: number;
  readonly lowPriceUsd: number;
  readonly closePriceUsd: number;
  readonly volumeQty: number;
  readonly turnoverUsd: number;
  readonly closed: boolean;
}

const UPSERT = `
INSERT INTO klines AS k (symbol, bar_interval, open_ts_ms, close_ts_ms, venue, market_type, open_price_usd, high_price_usd,
                         low_price_usd, close_price_usd, volume_qty, turnover_usd, closed, updated_ts_ms)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                     $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::boolean[], $14::bigint[])
ON CONFLICT (symbol, bar_interval, open_ts_ms) DO UPDATE SET
  close_ts_ms = EXCLUDED.close_ts_ms, venue = EXCLUDED.venue, market_type = EXCLUDED.market_type,
  open_price_usd = EXCLUDED.open_price_usd, high_price_usd = EXCLUDED.high_price_usd, low_price_usd = EXCLUDED.low_price_usd,
  close_price_usd = EXCLUDED.close_price_usd, volume_qty = EXCLUDED.volume_qty, turnover_usd = EXCLUDED.turnover_usd,
  closed = EXCLUDED.closed, updated_ts_ms = EXCLUDED.updated_ts_ms
WHERE (NOT k.closed OR EXCLUDED.closed)
  AND (k.open_price_usd, k.high_price_usd, k.low_price_usd, k.close_price_usd, k.volume_qty, k.turnover_usd, k.closed, k.close_ts_ms)
      IS DISTINCT FROM
      (EXCLUDED.open_price_usd, EXCLUDED.high_price_usd, EXCLUDED.low_price_usd, EXCLUDED.close_price_usd, EXCLUDED.volume_qty,
       EXCLUDED.turnover_usd, EXCLUDED.closed, EXCLUDED.close_ts_ms)`;

/** Inserts or updates the bars; returns how many rows changed (a repeated bar changes none). */
export async function upsertKlines(db: Queryable, klines: readonly MarketKline[]): Promise<number> {
  const byKey = new Map<string, MarketKline>();
  for (const k of klines) {
    const key = `${k.symbol}\u0000${k.interval}\u0000${k.openTsMs}`;
    const seen = byKey.get(key);
    if (!seen || k.closed || !seen.closed) byKey.set(key, k);
  }
  if (byKey.size === 0) return 0;
  const rows = [...byKey.values()];
  const column = <T>(pick: (k: MarketKline) => T): T[] => rows.map(pick);
  const result = await db.query("klines_upsert", UPSERT, [
    column((k) => k.symbol),
    column((k) => k.interval),
    column((k) => k.openTsMs),
    column((k) => k.closeTsMs),
    column((k) => k.venue),
    column((k) => k.marketType),
    column((k) => k.openPriceUsd),
    column((k) => k.highPriceUsd),
    column((k) => k.lowPriceUsd),
    column((k) => k.closePriceUsd),
    column((k) => k.volumeQty),
    column((k) => k.turnoverUsd),
    column((k) => k.closed),
    column((k) => k.tsMs),
  ]);
  return result.rowCount ?? 0;
}

interface KlineRow {
  symbol: string;
  bar_interval: MarketKline["interval"];
  open_ts_ms: number;
  close_ts_ms: number;
  venue: string;
  market_type: string;
  open_price_usd: number;
  high_price_usd: number;
  low_price_usd: number;
  close_price_usd: number;
  volume_qty: number;
  turnover_usd: number;
  closed: boolean;
}

/** A symbol's bars of one interval starting in [fromMs, toMs), oldest first. */
export async function readKlines(db: Queryable, symbol: string, interval: MarketKline["interval"], fromMs: number, toMs: number): Promise<StoredKline[]> {
  const { rows } = await db.query<KlineRow>(
    "klines_read",
    `SELECT symbol, bar_interval, open_ts_ms, close_ts_ms, venue, market_type, open_price_usd, high_price_usd, low_price_usd,
            close_price_usd, volume_qty, turnover_usd, closed
       FROM klines WHERE symbol = $1 AND bar_interval = $2 AND open_ts_ms >= $3 AND open_ts_ms < $4 ORDER BY open_ts_ms`,
    [symbol, interval, fromMs, toMs],
  );
  return rows.map((r) => ({
    symbol: r.symbol,
    interval: r.bar_interval,
    openTsMs: r.open_ts_ms,
    closeTsMs: r.close_ts_ms,
    venue: r.venue,
    marketType: r.market_type,
    openPriceUsd: r.open_price_usd,
    highPriceUsd: r.high_price_usd,
    lowPriceUsd: r.low_price_usd,
    closePriceUsd: r.close_price_usd,
    volumeQty: r.volume_qty,
    turnoverUsd: r.turnover_usd,
    closed: r.closed,
  }));
}

/** The newest closed bar of a symbol and interval, or null when none is stored. */
export async function latestClosedKline(db: Queryable, symbol: string, interval: MarketKline["interval"]): Promise<{ closeTsMs: number; closePriceUsd: number } | null> {
  const { rows } = await db.query<{ close_ts_ms: string | number; close_price_usd: number }>(
    "klines_latest_closed",
    "SELECT close_ts_ms, close_price_usd FROM klines WHERE symbol = $1 AND bar_interval = $2 AND closed ORDER BY open_ts_ms DESC LIMIT 1",
    [symbol, interval],
  );
  const row = rows[0];
  return row ? { closeTsMs: Number(row.close_ts_ms), closePriceUsd: row.close_price_usd } : null;
}
