// History before the feed goes live. Strategies need days of bars (the scavenger's 1 h levels want 72),
// and a feed that starts empty would leave them idle for days. The synthetic source gets its past from
// the history generator, resuming from the last bar PostgreSQL holds so that a restart continues the
// same market rather than jumping back to the profile's price; the live source fetches its past from
// the venue (live/source.ts). Either way the bars are published and recorded like live ones, before
// the first live event, so every consumer sees them in time order.

import type { MarketKline } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { latestClosedKline } from "./kline-store.js";
import { syntheticHistory } from "./synthetic/history.js";
import { profileFor, type SymbolProfile } from "./synthetic/profiles.js";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface SymbolBackfill {
  readonly symbol: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly bars: number;
  /** True when the history continues bars already stored (a restart), false for a fresh window. */
  readonly resumed: boolean;
}

export interface SyntheticBackfillPlan {
  /** The symbols' profiles, each starting at the price its history ended at. */
  readonly profiles: SymbolProfile[];
  /** Where the live market's timeline starts: the end of the history. */
  readonly liveStartMs: number;
  /** Closed bars of every symbol and interval, in close-time order. */
  readonly klines: MarketKline[];
  readonly symbols: SymbolBackfill[];
}

export interface SyntheticBackfillOptions {
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly nowMs: number;
  readonly hours: number;
  /** Where the bars of earlier runs are (execution.klines); null when nothing is recorded. */
  readonly db: Queryable | null;
}

/**
 * The history each synthetic symbol needs: the whole window (from the start of the UTC day `hours`
 * ago, so daily bars are complete) on a first start, only the gap since the last stored minute on a
 * restart. Bars an earlier run stored are never regenerated.
 */
export async function planSyntheticBackfill(options: SyntheticBackfillOptions): Promise<SyntheticBackfillPlan> {
  const { nowMs, hours, seed } = options;
  if (!(hours >= 0)) throw new RangeError(`backfill: hours must be zero or more, got ${hours}`);
  const liveStartMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const windowStartMs = Math.floor((liveStartMs - hours * HOUR_MS) / DAY_MS) * DAY_MS;
  const profiles: SymbolProfile[] = [];
  const klines: MarketKline[] = [];
  const symbols: SymbolBackfill[] = [];
  for (const symbol of options.symbols) {
    const profile = profileFor(symbol);
    if (hours === 0) {
      profiles.push(profile);
      continue;
    }
    const last = options.db ? await latestClosedKline(options.db, symbol, "1m") : null;
    const resumed = last !== null && last.closeTsMs + 1 > windowStartMs && last.closeTsMs < liveStartMs;
    const fromMs = resumed ? last.closeTsMs + 1 : windowStartMs;
    const startPriceUsd = resumed ? last.closePriceUsd : profile.startPriceUsd;
    if (fromMs >= liveStartMs) {
      profiles.push({ ...profile, startPriceUsd: last?.closePriceUsd ?? profile.startPriceUsd });
      continue;
    }
    const history = syntheticHistory({ seed, profile, fromMs, toMs: liveStartMs, startPriceUsd });
    profiles.push({ ...profile, startPriceUsd: history.lastPriceUsd });
    klines.push(...history.klines);
    symbols.push({ symbol, fromMs, toMs: liveStartMs, bars: history.klines.length, resumed });
  }
  klines.sort((a, b) => a.closeTsMs - b.closeTsMs);
  return { profiles, liveStartMs, klines, symbols };
}
