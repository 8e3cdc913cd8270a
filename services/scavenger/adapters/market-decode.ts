// Stream entries → bus envelopes the scavenger acts on, or a named reason to drop them. Pure: the
// reader counts what this says. A market message that breaks its contract is classified into the
// strategy guard's kinds where a field says why (a NaN price is `non-finite`, a size ≤ 0
// `non-positive-qty`), so one metric counts every piece of bad market data whichever layer caught it.
import { contractValidator } from "../../shared/bus.js";
import type { Envelope, MessageType } from "../../shared/contracts/index.js";
import { parseStreamEntry } from "../../shared/messaging/index.js";
import type { BadMarketDataKind } from "../domain/index.js";

/** Market data the strategy consumes, and the account state that sizes its proposals. */
export const MARKET_MESSAGE_TYPES = ["market-trade", "market-kline", "market-open-interest", "market-funding", "market-ticker"] as const;
export const ACCOUNT_MESSAGE_TYPES = ["equity-snapshot", "position-snapshot"] as const;
export type ReadMessageType = (typeof MARKET_MESSAGE_TYPES)[number] | (typeof ACCOUNT_MESSAGE_TYPES)[number];

/** A contract-breaking message no field explains (missing or unknown fields, bad JSON). */
export type DropKind = BadMarketDataKind | "malformed";

export type DecodedEntry =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly kind: DropKind; readonly messageType: string | null; readonly reason: string };

const PRICE_FIELDS = ["priceUsd", "openPriceUsd", "highPriceUsd", "lowPriceUsd", "closePriceUsd", "lastPriceUsd", "bidPriceUsd", "askPriceUsd", "markPriceUsd", "indexPriceUsd"];
const TIME_FIELDS = ["venueTsMs", "tsMs", "openTsMs", "closeTsMs", "nextFundingTsMs"];

const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

/** Names the problem of a market payload that failed its contract, in the guard's words where one fits. */
export function classifyBadPayload(type: string | null, payload: unknown): DropKind {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return "malformed";
  const p = payload as Record<string, unknown>;
  const numeric = [...PRICE_FIELDS, ...TIME_FIELDS, "qty", "volumeQty", "turnoverUsd", "openInterestQty", "fundingRate", "volume24hQty", "turnover24hUsd"];
  // A field that must be a number but arrived as null, "NaN" or a string: what JSON makes of NaN and ∞.
  for (const field of numeric) if (field in p && p[field] !== null && !isFiniteNumber(p[field])) return "non-finite";
  for (const field of ["priceUsd", "openPriceUsd", "highPriceUsd", "lowPriceUsd", "closePriceUsd", "lastPriceUsd", "qty", "openInterestQty", "fundingRate"])
    if (field in p && p[field] === null) return "non-finite";
  for (const field of PRICE_FIELDS) if (isFiniteNumber(p[field]) && p[field] <= 0) return "non-positive-price";
  if (type === "market-trade" && isFiniteNumber(p.qty) && p.qty <= 0) return "non-positive-qty";
  for (const field of ["volumeQty", "turnoverUsd", "openInterestQty", "volume24hQty", "turnover24hUsd"]) if (isFiniteNumber(p[field]) && p[field] < 0) return "non-positive-qty";
  for (const field of TIME_FIELDS) if (isFiniteNumber(p[field]) && (p[field] < 0 || !Number.isInteger(p[field]))) return "out-of-range";
  if (isFiniteNumber(p.fundingRate) && Math.abs(p.fundingRate) > 1) return "out-of-range";
  if (type === "market-trade" && "side" in p && p.side !== "buy" && p.side !== "sell") return "out-of-range";
  return "malformed";
}

const payloadOf = (raw: string): { type: string | null; payload: unknown } => {
  try {
    const decoded = JSON.parse(raw) as { type?: unknown; payload?: unknown } | null;
    return { type: typeof decoded?.type === "string" ? decoded.type : null, payload: decoded?.payload };
  } catch {
    return { type: null, payload: undefined };
  }
};

/** One stream entry's fields (`id`, `env`) as a validated envelope, or why it is dropped. */
export function decodeEntry(fields: readonly string[] | null): DecodedEntry {
  const parsed = parseStreamEntry(fields, contractValidator);
  if (parsed.kind === "message") return { ok: true, envelope: parsed.envelope as Envelope };
  if (parsed.kind === "gone") return { ok: false, kind: "malformed", messageType: null, reason: "entry deleted" };
  const { type, payload } = payloadOf(parsed.raw);
  const messageType = parsed.messageType ?? type;
  return { ok: false, kind: classifyBadPayload(messageType, payload), messageType, reason: parsed.reason };
}

/**
 * The perpetual whose underlying a spot symbol prices, for the basis detector: ccxt's unified
 * `BTC/USDT` → `BTC/USDT:USDT`; a venue's raw name (`BTCUSDT`) is shared by both markets.
 */
export function perpSymbolOf(spotSymbol: string): string {
  if (spotSymbol.includes(":")) return spotSymbol;
  const slash = spotSymbol.indexOf("/");
  return slash > 0 ? `${spotSymbol}:${spotSymbol.slice(slash + 1)}` : spotSymbol;
}

export const isReadMessageType = (type: MessageType): type is ReadMessageType =>
  (MARKET_MESSAGE_TYPES as readonly string[]).includes(type) || (ACCOUNT_MESSAGE_TYPES as readonly string[]).includes(type);
