// Which order type a command becomes, by how fast the price moves (domain.md "Execution", after the
// original design): above 0.5 %/s a market order, above 0.1 %/s a limit at the touch, else a post-only
// limit that waits in the book and is cancelled if nothing fills it within its timeout.

import { roundToStep } from "./matching/index.js";
import type { OrderType, Side } from "./venue-types.js";

export interface VelocityThresholds {
  /** Fraction per second above which an order goes out at market (0.005 = 0.5 %/s). */
  readonly marketPerSecond: number;
  /** Fraction per second above which it is a limit at the touch (0.001 = 0.1 %/s). */
  readonly limitPerSecond: number;
}

export const DEFAULT_VELOCITY_THRESHOLDS: VelocityThresholds = { marketPerSecond: 0.005, limitPerSecond: 0.001 };

export function orderTypeForVelocity(velocityPerSecond: number, thresholds: VelocityThresholds = DEFAULT_VELOCITY_THRESHOLDS): OrderType {
  const v = Math.abs(velocityPerSecond);
  if (v > thresholds.marketPerSecond) return "market";
  if (v > thresholds.limitPerSecond) return "limit";
  return "post-only";
}

export interface Quote {
  readonly lastPriceUsd: number;
  readonly bidPriceUsd: number | null;
  readonly askPriceUsd: number | null;
}

/**
 * The limit price of an order of this type: a limit "at the touch" takes the far side of the book
 * (a buy at the ask), so it trades now but never beyond it; a post-only order joins the near side
 * (a buy at the bid). Null for a market order.
 */
export function limitPriceFor(type: OrderType, side: Side, quote: Quote, tickSizeUsd: number): number | null {
  if (type === "market") return null;
  const { lastPriceUsd: last, bidPriceUsd: bid, askPriceUsd: ask } = quote;
  if (type === "limit") return roundToStep(side === "buy" ? (ask ?? last) : (bid ?? last), tickSizeUsd, side === "buy" ? "up" : "down");
  const near = side === "buy" ? (bid ?? last - tickSizeUsd) : (ask ?? last + tickSizeUsd);
  return Math.max(tickSizeUsd, roundToStep(near, tickSizeUsd, side === "buy" ? "down" : "up"));
}

export interface PriceSample {
  readonly tsMs: number;
  readonly priceUsd: number;
}

/** Keeps samples of the last `keepMs`, in time order. */
export function addPriceSample(samples: readonly PriceSample[], sample: PriceSample, keepMs: number): PriceSample[] {
  if (!(sample.priceUsd > 0) || !Number.isFinite(sample.tsMs)) return [...samples];
  const kept = samples.filter((s) => s.tsMs >= sample.tsMs - keepMs && s.tsMs <= sample.tsMs);
  kept.push(sample);
  return kept;
}

/**
 * Price velocity as a fraction per second over the last `lookbackMs` up to `nowMs`: the move from the
 * last sample at least that old (or the oldest one) to the newest, over the time from that sample to now
 * (no sample since means no move since). Zero with fewer than two samples or under 100 ms of history,
 * where a per-second rate would mean nothing.
 */
export function velocityPerSecond(samples: readonly PriceSample[], nowMs: number, lookbackMs = 1_000): number {
  const newest = samples.at(-1);
  if (!newest || samples.length < 2) return 0;
  const end = Math.max(nowMs, newest.tsMs);
  let reference = samples[0]!;
  for (const s of samples) {
    if (s.tsMs <= end - lookbackMs) reference = s;
    else break;
  }
  const seconds = (end - reference.tsMs) / 1_000;
  if (seconds < 0.1 || reference === newest) return 0;
  return Math.abs(newest.priceUsd - reference.priceUsd) / reference.priceUsd / Math.max(seconds, lookbackMs / 1_000);
}
