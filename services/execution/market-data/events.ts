// What every market-data source emits: contracts' market payloads tagged with their message type, in
// batches. A spot price is a `market-ticker` with marketType "spot" (the basis trap compares it with the
// perpetual's); everything else is linear perpetuals. Symbols are the venue's ids (BTCUSDT).

import type { MessageOf, VENUES } from "../../shared/contracts/index.js";

export type Venue = (typeof VENUES)[number];

export const MARKET_EVENT_TYPES = ["market-trade", "market-ticker", "market-kline", "market-open-interest", "market-funding"] as const;
export type MarketEventType = (typeof MARKET_EVENT_TYPES)[number];

export type MarketEventOf<T extends MarketEventType> = { readonly type: T; readonly payload: MessageOf<T> };
export type MarketEvent = { [T in MarketEventType]: MarketEventOf<T> }[MarketEventType];

/**
 * Receives events in time order, in batches. A source awaits the returned promise before it hands over
 * more when it can wait (replay, the as-fast-as-possible synthetic mode): that is its backpressure.
 */
export type MarketDataSink = (batch: readonly MarketEvent[]) => void | Promise<void>;

export const MARKET_DATA_SOURCE_KINDS = ["synthetic", "replay", "live"] as const;
export type MarketDataSourceKind = (typeof MARKET_DATA_SOURCE_KINDS)[number];

export interface MarketDataSource {
  readonly kind: MarketDataSourceKind;
  /** Starts emitting into `sink`; resolves once running (a live source: once its markets are loaded). */
  start(sink: MarketDataSink): Promise<void>;
  /** Stops emitting and waits for the batch in flight; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves when a finite source (a replay, a bounded synthetic run) has emitted everything. */
  readonly finished: Promise<void>;
}

/**
 * A trade's id where the venue gave none worth keeping: symbol, time and its rank among that symbol's
 * trades of the same millisecond. The tape does not store ids, so replay derives the same ones.
 */
export const derivedTradeId = (symbol: string, tsMs: number, rankInMs: number): string => `${symbol}-${tsMs}-${rankInMs}`;

const TS_FIELDS = ["venueTsMs", "tsMs", "openTsMs", "closeTsMs", "nextFundingTsMs"] as const;

/** The same event `offsetMs` later: every time field moved, nothing else touched. */
export function shiftEvent(event: MarketEvent, offsetMs: number): MarketEvent {
  if (offsetMs === 0) return event;
  const payload: Record<string, unknown> = { ...event.payload };
  for (const field of TS_FIELDS) if (typeof payload[field] === "number") payload[field] = (payload[field] as number) + offsetMs;
  return { type: event.type, payload } as MarketEvent;
}

/** When the event happened at the venue: what orders a tape and paces a replay. */
export const eventTsMs = (event: MarketEvent): number => event.payload.venueTsMs;

export const isTrade = (event: MarketEvent): event is MarketEventOf<"market-trade"> => event.type === "market-trade";
export const isKline = (event: MarketEvent): event is MarketEventOf<"market-kline"> => event.type === "market-kline";
