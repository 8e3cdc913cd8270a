// What a run reads, each from its owner: the trade tape (trades, and the open interest, funding and spot
// prices recorded beside them) from execution's tape folder; klines, closed round trips and fills from
// execution's schema and the active parameter version from the scavenger's, read-only (the ai-quant role
// needs SELECT on those tables, granted at provisioning). A table the role may not read is reported as a
// note, not a crash: the run goes on with what it has and says so.

import { readdir } from "node:fs/promises";
import type { Queryable } from "../../shared/db/database.js";
import { readTradeTable } from "../../execution/market-data/tape/reader.js";
import { loadScavengerParameters, type KlineInput, type ScavengerParameters } from "../../scavenger/domain/index.js";
import type { ClosedTrip, Fill } from "../domain/closed-trades.js";
import type { QuantTape } from "../domain/tape.js";
import { readTapeEvents } from "./market-events.js";

export type Readable<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly note: string };

/** PostgreSQL codes for "this role cannot see that": no privilege, no such table, no such schema. */
const NOT_READABLE = new Set(["42501", "42P01", "3F000"]);

async function readable<T>(what: string, read: () => Promise<T>): Promise<Readable<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code && NOT_READABLE.has(code)) return { ok: false, note: `${what} could not be read (${(err as Error).message})` };
    throw err;
  }
}

export interface ActiveScavengerConfig {
  readonly version: number;
  readonly parameters: ScavengerParameters;
}

/** The scavenger's active parameter version, as its API would return it. */
export async function readActiveScavengerConfig(db: Queryable): Promise<Readable<ActiveScavengerConfig | null>> {
  return readable("the scavenger's active parameter version (scavenger.config_versions)", async () => {
    const { rows } = await db.query<{ version: number; parameters: unknown }>("quant_scavenger_active", "SELECT version, parameters FROM scavenger.config_versions WHERE active");
    const row = rows[0];
    return row ? { version: row.version, parameters: loadScavengerParameters(row.parameters) } : null;
  });
}

/** Closed bars of `intervals` opening in [fromMs, toMs). */
export async function readKlines(db: Queryable, symbols: readonly string[], intervals: readonly string[], fromMs: number, toMs: number): Promise<Readable<KlineInput[]>> {
  return readable("recorded klines (execution.klines)", async () => {
    const { rows } = await db.query<{
      symbol: string;
      bar_interval: string;
      open_ts_ms: number;
      open_price_usd: number;
      high_price_usd: number;
      low_price_usd: number;
      close_price_usd: number;
      volume_qty: number;
      turnover_usd: number;
    }>(
      "quant_klines",
      `SELECT symbol, bar_interval, open_ts_ms, open_price_usd, high_price_usd, low_price_usd, close_price_usd, volume_qty, turnover_usd
         FROM execution.klines
        WHERE symbol = ANY($1) AND bar_interval = ANY($2) AND open_ts_ms >= $3 AND open_ts_ms < $4 AND closed
        ORDER BY open_ts_ms, bar_interval, symbol`,
      [symbols, intervals, fromMs, toMs],
    );
    return rows.map((r) => ({
      symbol: r.symbol,
      interval: r.bar_interval,
      openTsMs: r.open_ts_ms,
      openPriceUsd: r.open_price_usd,
      highPriceUsd: r.high_price_usd,
      lowPriceUsd: r.low_price_usd,
      closePriceUsd: r.close_price_usd,
      volumeQty: r.volume_qty,
      turnoverUsd: r.turnover_usd,
      closed: true,
    }));
  });
}

/** The fills of [fromMs, toMs): what the venue charged. */
export async function readFills(db: Queryable, fromMs: number, toMs: number): Promise<Readable<Fill[]>> {
  return readable("fills (execution.fills)", async () => {
    const { rows } = await db.query<{ qty: number; price_usd: number; fee_usd: number; liquidity: "maker" | "taker" }>(
      "quant_fills",
      "SELECT qty, price_usd, fee_usd, liquidity FROM execution.fills WHERE venue_ts_ms >= $1 AND venue_ts_ms < $2 ORDER BY venue_ts_ms, fill_id",
      [fromMs, toMs],
    );
    return rows.map((r) => ({ qty: r.qty, priceUsd: r.price_usd, feeUsd: r.fee_usd, liquidity: r.liquidity }));
  });
}

/** Positions closed in [fromMs, toMs): the period's closed trades. */
export async function readClosedTrips(db: Queryable, fromMs: number, toMs: number): Promise<Readable<ClosedTrip[]>> {
  return readable("closed trades (execution.round_trips)", async () => {
    const { rows } = await db.query<{ symbol: string; side: "long" | "short"; closed_at_ms: number; realised_pnl_usd: number; fees_usd: number }>(
      "quant_round_trips",
      `SELECT symbol, side, closed_at_ms, realised_pnl_usd, fees_usd FROM execution.round_trips
        WHERE closed_at_ms >= $1 AND closed_at_ms < $2 ORDER BY closed_at_ms, trip_id`,
      [fromMs, toMs],
    );
    return rows.map((r) => ({ symbol: r.symbol, side: r.side, closedAtMs: r.closed_at_ms, realisedPnlUsd: r.realised_pnl_usd, feesUsd: r.fees_usd }));
  });
}

/** Symbols with a folder in the tape directory (folder names are percent-encoded symbols). */
export async function tapeSymbols(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names.filter((n) => !n.startsWith(".")).map((n) => decodeURIComponent(n)).sort();
}

/**
 * The recorded trades of `symbols` (all on tape by default) in [fromMs, toMs), in time order, with the
 * market events the scavenger's detectors read (open interest, funding, spot prices) of those symbols.
 */
export async function readTape(dir: string, fromMs: number, toMs: number, symbols?: readonly string[]): Promise<{ tape: QuantTape; problems: string[] }> {
  const wanted = symbols && symbols.length > 0 ? [...symbols] : await tapeSymbols(dir);
  if (wanted.length === 0) return { tape: emptyTape(), problems: [] };
  const table = await readTradeTable(dir, { symbols: wanted, fromMs, toMs });
  const present = new Set(table.symbolIndex);
  // Symbols with nothing in the period are dropped, so the strategy does not rank empty markets.
  const kept = present.size === wanted.length ? wanted : wanted.filter((_, i) => present.has(i));
  const renumber = new Map(wanted.map((_, i) => [i, kept.indexOf(wanted[i] as string)]));
  const { events, problems: eventProblems } = await readTapeEvents(dir, kept, fromMs, toMs);
  const { problems: tradeProblems, ...columns } = table;
  const symbolIndex = kept === wanted ? table.symbolIndex : table.symbolIndex.map((i) => renumber.get(i) as number);
  return {
    tape: { ...columns, symbols: kept, symbolIndex, marketEvents: events },
    problems: [...tradeProblems.map((p) => `${p.path}: ${p.problem}`), ...eventProblems.filter((p) => !tradeProblems.some((t) => p.startsWith(`${t.path}: `)))],
  };
}

export const emptyTape = (): QuantTape => ({
  symbols: [],
  symbolIndex: new Uint16Array(0),
  tsMs: new Float64Array(0),
  priceUsd: new Float64Array(0),
  qty: new Float64Array(0),
  sideSign: new Int8Array(0),
});
