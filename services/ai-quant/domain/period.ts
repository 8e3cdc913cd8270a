// The period a run optimises over: `--from/--to` as days (UTC midnight) or ISO times; by default the
// days the tape is kept hot for (ops RETENTION.tradeTapeHotDays), ending at the last UTC midnight.

import { RETENTION } from "../../../ops/index.js";
import type { Window } from "./figures.js";

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (`2026-01-05`, meaning its UTC midnight) or an ISO-8601 time with a zone; throws a clear error otherwise. */
export function parseTime(text: string, name: string): number {
  const iso = DAY.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(iso);
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso) || Number.isNaN(ms)) throw new RangeError(`${name} must be a day (YYYY-MM-DD) or an ISO-8601 time with a zone, got "${text}"`);
  if (DAY.test(text) && new Date(ms).toISOString().slice(0, 10) !== text) throw new RangeError(`${name}: ${text} is not a calendar day`);
  return ms;
}

export function resolvePeriod(nowMs: number, from?: string, to?: string): Window {
  const toMs = to === undefined ? Math.floor(nowMs / DAY_MS) * DAY_MS : parseTime(to, "--to");
  const fromMs = from === undefined ? toMs - RETENTION.tradeTapeHotDays.value * DAY_MS : parseTime(from, "--from");
  if (!(fromMs < toMs)) throw new RangeError(`--from (${new Date(fromMs).toISOString()}) must be before --to (${new Date(toMs).toISOString()})`);
  if (toMs > nowMs) throw new RangeError(`--to (${new Date(toMs).toISOString()}) is in the future`);
  return { fromMs, toMs };
}
