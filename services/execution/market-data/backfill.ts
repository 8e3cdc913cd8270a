// History before the feed goes live. Strategies need days of bars (the scavenger's 1 h levels want 72),
// and a feed that starts empty would leave them idle for days. The synthetic source gets its past from
// the history generator, resuming from the last bar PostgreSQL holds so that a restart continues the
// same market rather than jumping back to the profile's price; the live source fetches its past from
// the venue (live/source.ts). Either way the bars are published and recorded like live ones, before
// the first live event, so every consumer sees them in time order.

import type { MarketKline } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { latestClosedKline } from "./kline-store.js";
import { syntheticHistoryBars } from "./synthetic/history.js";
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

/** One symbol's window of history still to generate; none when it has nothing to fill in. */
interface SymbolWindow {
  readonly fromMs: number;
  readonly startPriceUsd: number;
  readonly resumed: boolean;
}

export interface SyntheticBackfillPlan {
  /** Where the live market's timeline starts: the end of the history. */
  readonly liveStartMs: number;
  readonly seed: number;
  /** In settings order; a symbol without a window starts at its profile's (or its last stored) price. */
  readonly symbols: ReadonlyArray<{ readonly profile: SymbolProfile; readonly window: SymbolWindow | null }>;
}

export interface SyntheticBackfill {
  /** The symbols' profiles, each starting at the price its history ended at (settings order). */
  readonly profiles: SymbolProfile[];
  readonly liveStartMs: number;
  readonly symbols: SymbolBackfill[];
  readonly bars: number;
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
  const symbols: Array<{ profile: SymbolProfile; window: SymbolWindow | null }> = [];
  for (const symbol of options.symbols) {
    const profile = profileFor(symbol);
    if (hours === 0) {
      symbols.push({ profile, window: null });
      continue;
    }
    const last = options.db ? await latestClosedKline(options.db, symbol, "1m") : null;
    const resumed = last !== null && last.closeTsMs + 1 > windowStartMs && last.closeTsMs < liveStartMs;
    const fromMs = resumed ? last.closeTsMs + 1 : windowStartMs;
    if (fromMs >= liveStartMs) {
      symbols.push({ profile: { ...profile, startPriceUsd: last?.closePriceUsd ?? profile.startPriceUsd }, window: null });
      continue;
    }
    symbols.push({ profile, window: { fromMs, startPriceUsd: resumed ? last.closePriceUsd : profile.startPriceUsd, resumed } });
  }
  return { liveStartMs, seed, symbols };
}

/**
 * Generates the plan's bars and hands them to `sink` in close-time order (ties in settings order, then
 * by open time), at most `batchSize` at a time, awaiting each batch before generating the next: the
 * heap holds one batch and one minute per symbol, never the whole history.
 */
export async function runSyntheticBackfill(
  plan: SyntheticBackfillPlan,
  batchSize: number,
  sink: (klines: MarketKline[]) => Promise<void>,
): Promise<SyntheticBackfill> {
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new RangeError(`backfill: batch size must be a positive integer, got ${batchSize}`);
  const cursors = plan.symbols.flatMap(({ profile, window }) => {
    if (!window) return [];
    const bars = syntheticHistoryBars({ seed: plan.seed, profile, fromMs: window.fromMs, toMs: plan.liveStartMs, startPriceUsd: window.startPriceUsd });
    return [{ profile, window, bars, head: [] as MarketKline[], at: 0, count: 0, lastPriceUsd: window.startPriceUsd, done: false }];
  });
  const refill = (c: (typeof cursors)[number]): void => {
    while (!c.done && c.at >= c.head.length) {
      const next = c.bars.next();
      if (next.done) {
        c.done = true;
        c.lastPriceUsd = next.value;
      } else {
        c.head = next.value;
        c.at = 0;
      }
    }
  };
  let batch: MarketKline[] = [];
  let total = 0;
  for (;;) {
    let pick: (typeof cursors)[number] | undefined;
    for (const c of cursors) {
      refill(c);
      // Strictly earlier wins, so equal close times keep the symbols' settings order.
      if (!c.done && (!pick || c.head[c.at]!.closeTsMs < pick.head[pick.at]!.closeTsMs)) pick = c;
    }
    if (!pick) break;
    batch.push(pick.head[pick.at++]!);
    pick.count++;
    total++;
    if (batch.length === batchSize) {
      await sink(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await sink(batch);
  const lastPriceUsd = new Map(cursors.map((c) => [c.profile.symbol, c.lastPriceUsd]));
  return {
    profiles: plan.symbols.map(({ profile }) => ({ ...profile, startPriceUsd: lastPriceUsd.get(profile.symbol) ?? profile.startPriceUsd })),
    liveStartMs: plan.liveStartMs,
    symbols: cursors.map((c) => ({ symbol: c.profile.symbol, fromMs: c.window.fromMs, toMs: plan.liveStartMs, bars: c.count, resumed: c.window.resumed })),
    bars: total,
  };
}
