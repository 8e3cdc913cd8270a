// Reads the tape back: one symbol-day as columns (what the AI Quant backtester loops over) and events
// (what replay emits), or a range of days for several symbols merged into one time-ordered table with
// a symbol index. A torn or damaged tail of a chunk is skipped and reported; everything before it is kept.

import { readFile } from "node:fs/promises";
import type { MarketEvent } from "../events.js";
import { BLOCK_KIND_EVENTS, BLOCK_KIND_TRADES, scanChunk, type TradeColumns } from "./format.js";
import { DAY_MS, dayStartMs, listChunks, listDays, utcDay } from "./paths.js";

export type { TradeColumns } from "./format.js";

export interface ChunkProblem {
  readonly path: string;
  readonly tornBytes: number;
  readonly problem: string;
}

export interface TapeDay {
  readonly symbol: string;
  readonly day: string;
  /** Trades in time order. */
  readonly trades: TradeColumns;
  /** Tickers, open interest and funding, in time order. */
  readonly events: MarketEvent[];
  readonly chunks: number;
  readonly problems: ChunkProblem[];
}

const TRADES_ONLY = new Set([BLOCK_KIND_TRADES]);
const ALL_KINDS = new Set([BLOCK_KIND_TRADES, BLOCK_KIND_EVENTS]);

const emptyColumns = (): TradeColumns => ({ tsMs: new Float64Array(0), priceUsd: new Float64Array(0), qty: new Float64Array(0), sideSign: new Int8Array(0) });

function concatColumns(parts: readonly TradeColumns[]): TradeColumns {
  const rows = parts.reduce((sum, p) => sum + p.tsMs.length, 0);
  const out = { tsMs: new Float64Array(rows), priceUsd: new Float64Array(rows), qty: new Float64Array(rows), sideSign: new Int8Array(rows) };
  let offset = 0;
  for (const part of parts) {
    out.tsMs.set(part.tsMs, offset);
    out.priceUsd.set(part.priceUsd, offset);
    out.qty.set(part.qty, offset);
    out.sideSign.set(part.sideSign, offset);
    offset += part.tsMs.length;
  }
  return out;
}

/** Rows in time order; a stable sort only when a late chunk broke the order. */
function inTimeOrder(columns: TradeColumns): TradeColumns {
  const { tsMs } = columns;
  let sorted = true;
  for (let i = 1; i < tsMs.length && sorted; i++) sorted = (tsMs[i] as number) >= (tsMs[i - 1] as number);
  if (sorted) return columns;
  const order = Array.from(tsMs.keys()).sort((a, b) => (tsMs[a] as number) - (tsMs[b] as number) || a - b);
  return {
    tsMs: Float64Array.from(order, (i) => tsMs[i] as number),
    priceUsd: Float64Array.from(order, (i) => columns.priceUsd[i] as number),
    qty: Float64Array.from(order, (i) => columns.qty[i] as number),
    sideSign: Int8Array.from(order, (i) => columns.sideSign[i] as number),
  };
}

async function readDay(dir: string, symbol: string, day: string, kinds: ReadonlySet<number>): Promise<TapeDay> {
  const chunks = await listChunks(dir, symbol, day);
  const trades: TradeColumns[] = [];
  const events: MarketEvent[] = [];
  const problems: ChunkProblem[] = [];
  for (const chunk of chunks) {
    const scan = scanChunk(await readFile(chunk.path), kinds);
    if (scan.problem !== null) problems.push({ path: chunk.path, tornBytes: scan.tornBytes, problem: scan.problem });
    for (const block of scan.blocks) {
      if (block.kind === BLOCK_KIND_TRADES) trades.push(block.trades);
      else events.push(...block.events);
    }
  }
  events.sort((a, b) => a.payload.venueTsMs - b.payload.venueTsMs); // stable: same-time events keep their order
  return { symbol, day, trades: inTimeOrder(trades.length === 1 ? (trades[0] as TradeColumns) : trades.length === 0 ? emptyColumns() : concatColumns(trades)), events, chunks: chunks.length, problems };
}

/** One symbol-day: trades as columns and the other recorded events. */
export const readTapeDay = (dir: string, symbol: string, day: string): Promise<TapeDay> => readDay(dir, symbol, day, ALL_KINDS);

/** One symbol-day's trades only (event blocks are not even inflated). */
export const readTradeDay = (dir: string, symbol: string, day: string): Promise<TapeDay> => readDay(dir, symbol, day, TRADES_ONLY);

export interface TradeTableOptions {
  readonly symbols: readonly string[];
  /** Inclusive; the first recorded day by default. */
  readonly fromMs?: number;
  /** Exclusive; the end of the last recorded day by default. */
  readonly toMs?: number;
}

/** Several symbols' trades in one time-ordered table: the shape the scavenger's replay loop takes. */
export interface TradeTable extends TradeColumns {
  readonly symbols: readonly string[];
  /** Positions in `symbols`. */
  readonly symbolIndex: Uint16Array;
  readonly problems: ChunkProblem[];
}

/** Trades of `symbols` in [fromMs, toMs), merged by time (ties keep the order of `symbols`). */
export async function readTradeTable(dir: string, options: TradeTableOptions): Promise<TradeTable> {
  const { symbols } = options;
  if (symbols.length === 0 || symbols.length > 65_535) throw new RangeError("trade table: give 1-65535 symbols");
  const perSymbol: TradeColumns[] = [];
  const problems: ChunkProblem[] = [];
  for (const symbol of symbols) {
    const days = (await listDays(dir, symbol)).filter((day) => {
      const start = dayStartMs(day);
      return (options.fromMs === undefined || start + DAY_MS > options.fromMs) && (options.toMs === undefined || start < options.toMs);
    });
    const parts: TradeColumns[] = [];
    for (const day of days) {
      const read = await readTradeDay(dir, symbol, day);
      problems.push(...read.problems);
      parts.push(clip(read.trades, options.fromMs, options.toMs));
    }
    perSymbol.push(concatColumns(parts));
  }
  return { ...mergeByTime(perSymbol), symbols, problems };
}

function clip(columns: TradeColumns, fromMs?: number, toMs?: number): TradeColumns {
  const { tsMs } = columns;
  let start = 0;
  let end = tsMs.length;
  if (fromMs !== undefined) while (start < end && (tsMs[start] as number) < fromMs) start++;
  if (toMs !== undefined) while (end > start && (tsMs[end - 1] as number) >= toMs) end--;
  if (start === 0 && end === tsMs.length) return columns;
  return { tsMs: tsMs.subarray(start, end), priceUsd: columns.priceUsd.subarray(start, end), qty: columns.qty.subarray(start, end), sideSign: columns.sideSign.subarray(start, end) };
}

function mergeByTime(perSymbol: readonly TradeColumns[]): TradeColumns & { symbolIndex: Uint16Array } {
  const rows = perSymbol.reduce((sum, c) => sum + c.tsMs.length, 0);
  const out = { tsMs: new Float64Array(rows), priceUsd: new Float64Array(rows), qty: new Float64Array(rows), sideSign: new Int8Array(rows), symbolIndex: new Uint16Array(rows) };
  const cursors = new Array<number>(perSymbol.length).fill(0);
  for (let row = 0; row < rows; row++) {
    let best = -1;
    let bestTs = Number.POSITIVE_INFINITY;
    for (let s = 0; s < perSymbol.length; s++) {
      const c = perSymbol[s] as TradeColumns;
      const i = cursors[s] as number;
      if (i < c.tsMs.length && (c.tsMs[i] as number) < bestTs) {
        bestTs = c.tsMs[i] as number;
        best = s;
      }
    }
    const c = perSymbol[best] as TradeColumns;
    const i = cursors[best] as number;
    out.tsMs[row] = bestTs;
    out.priceUsd[row] = c.priceUsd[i] as number;
    out.qty[row] = c.qty[i] as number;
    out.sideSign[row] = c.sideSign[i] as number;
    out.symbolIndex[row] = best;
    cursors[best] = i + 1;
  }
  return out;
}

export { listDays, utcDay };
