// Where the tape lives: <dir>/<symbol>/<YYYY-MM-DD>.<seq>.tape, one folder per symbol, chunks of one UTC
// day numbered in the order they were written. A writer never reopens an existing chunk: a restart
// starts the next number, so nothing already on disk is ever modified.

import { readdir } from "node:fs/promises";
import { join } from "node:path";

export const DAY_MS = 86_400_000;
const CHUNK_NAME = /^(\d{4}-\d{2}-\d{2})\.(\d{6})\.tape$/;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** UTC day of an epoch-ms time, `YYYY-MM-DD`. */
export const utcDay = (tsMs: number): string => new Date(Math.floor(tsMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

export function dayStartMs(day: string): number {
  if (!DAY_PATTERN.test(day)) throw new RangeError(`not a day (YYYY-MM-DD): ${day}`);
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || utcDay(ms) !== day) throw new RangeError(`not a calendar day: ${day}`);
  return ms;
}

/** A symbol as a folder name: anything outside [A-Za-z0-9._-] (a ccxt `/` or `:`) percent-encoded. */
export const symbolFolder = (symbol: string): string => symbol.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

export const chunkName = (day: string, seq: number): string => `${day}.${String(seq).padStart(6, "0")}.tape`;

export interface ChunkRef {
  readonly day: string;
  readonly seq: number;
  readonly path: string;
}

/** The chunks of a symbol (optionally one day), in day then write order. */
export async function listChunks(dir: string, symbol: string, day?: string): Promise<ChunkRef[]> {
  const folder = join(dir, symbolFolder(symbol));
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const chunks: ChunkRef[] = [];
  for (const name of names) {
    const match = CHUNK_NAME.exec(name);
    if (!match || (day !== undefined && match[1] !== day)) continue;
    chunks.push({ day: match[1] as string, seq: Number(match[2]), path: join(folder, name) });
  }
  return chunks.sort((a, b) => (a.day === b.day ? a.seq - b.seq : a.day < b.day ? -1 : 1));
}

/** The days a symbol has on tape, oldest first. */
export async function listDays(dir: string, symbol: string): Promise<string[]> {
  return [...new Set((await listChunks(dir, symbol)).map((c) => c.day))];
}
