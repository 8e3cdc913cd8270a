import { describe, expect, it } from "vitest";
import { MESSAGE_REGISTRY, checkSchema } from "../../../shared/contracts/index.js";
import type { MarketEvent } from "../events.js";
import {
  ClosedBarTracker,
  barFromBybitRow,
  barFromOhlcv,
  fundingAndOpenInterestFromCcxt,
  klineFromBar,
  spotFromIndex,
  tickerFromCcxt,
  tradeFromCcxt,
  type VenueBar,
} from "./parse.js";

const NOW = Date.UTC(2026, 0, 1, 12);
const ctx = { venue: "bybit" as const, symbol: "BTCUSDT", nowMs: NOW };

const valid = (event: MarketEvent | null): MarketEvent => {
  if (event === null) throw new Error("expected an event");
  const check = checkSchema(MESSAGE_REGISTRY[event.type].schema, event.payload);
  if (!check.ok) throw new Error(check.reason);
  return event;
};

describe("ccxt structures as contracts' payloads", () => {
  it("turns a ccxt trade into a market-trade with the venue's time and ours", () => {
    const event = valid(tradeFromCcxt({ id: "e2b1c3", timestamp: NOW - 40, side: "sell", price: 60_010.5, amount: 0.25 }, ctx));
    expect(event).toEqual({
      type: "market-trade",
      payload: { version: 1, venue: "bybit", marketType: "linear", symbol: "BTCUSDT", venueTsMs: NOW - 40, tsMs: NOW, tradeId: "e2b1c3", side: "sell", priceUsd: 60_010.5, qty: 0.25 },
    });
  });

  it("refuses a trade without a price, size or side instead of publishing it", () => {
    expect(tradeFromCcxt({ id: "x", timestamp: NOW, side: "buy", price: 0, amount: 1 }, ctx)).toBeNull();
    expect(tradeFromCcxt({ id: "x", timestamp: NOW, side: "buy", price: 1, amount: Number.NaN }, ctx)).toBeNull();
    expect(tradeFromCcxt({ id: "x", timestamp: NOW, side: undefined, price: 1, amount: 1 }, ctx)).toBeNull();
  });

  it("turns a ticker into the perpetual's ticker and its index price into the spot side", () => {
    const ticker = { timestamp: NOW - 5, bid: 60_000, ask: 60_000.1, last: 60_000.1, markPrice: 60_000.05, indexPrice: 60_020, baseVolume: 12_000, quoteVolume: 7.2e8 };
    expect(valid(tickerFromCcxt(ticker, ctx)).payload).toMatchObject({ bidPriceUsd: 60_000, askPriceUsd: 60_000.1, lastPriceUsd: 60_000.1, markPriceUsd: 60_000.05, indexPriceUsd: 60_020, volume24hQty: 12_000, turnover24hUsd: 7.2e8 });
    expect(valid(spotFromIndex(ticker, ctx)).payload).toMatchObject({ marketType: "spot", lastPriceUsd: 60_020, bidPriceUsd: null, askPriceUsd: null });
    expect(valid(tickerFromCcxt({ last: 5, bid: undefined, ask: 0 }, ctx)).payload).toMatchObject({ bidPriceUsd: null, askPriceUsd: null, volume24hQty: 0, venueTsMs: NOW });
    expect(tickerFromCcxt({ bid: 1 }, ctx)).toBeNull();
    expect(spotFromIndex({ last: 5 }, ctx)).toBeNull();
  });

  it("reads funding and open interest from one funding-rate structure (Bybit's tickers row)", () => {
    const events = fundingAndOpenInterestFromCcxt(
      { timestamp: NOW - 1, fundingRate: -0.0002, nextFundingTimestamp: NOW + 3_600_000, markPrice: 60_000, info: { openInterest: "48069.549", openInterestValue: "2884172940.00" } },
      ctx,
    );
    expect(events.map(valid).map((e) => [e.type, e.payload])).toEqual([
      ["market-funding", expect.objectContaining({ fundingRate: -0.0002, nextFundingTsMs: NOW + 3_600_000 })],
      ["market-open-interest", expect.objectContaining({ openInterestQty: 48069.549, openInterestUsd: 2884172940 })],
    ]);
    // The simulator's rows have no open interest value: mark × quantity stands in.
    const [, oi] = fundingAndOpenInterestFromCcxt({ fundingRate: 0.0001, info: { nextFundingTime: String(NOW + 1), openInterest: "2" }, markPrice: 100 }, ctx);
    expect(oi?.payload).toMatchObject({ openInterestQty: 2, openInterestUsd: 200 });
    expect(fundingAndOpenInterestFromCcxt({ fundingRate: 3, info: {} }, ctx)).toEqual([]);
  });

  it("reads bars from ccxt's OHLCV arrays and Bybit's raw kline rows", () => {
    expect(barFromOhlcv([NOW, 1, 2, 0.5, 1.5, 10])).toEqual({ openTsMs: NOW, openPriceUsd: 1, highPriceUsd: 2, lowPriceUsd: 0.5, closePriceUsd: 1.5, volumeQty: 10, turnoverUsd: null });
    expect(barFromBybitRow([String(NOW), "1", "2", "0.5", "1.5", "10", "15.2"])).toMatchObject({ volumeQty: 10, turnoverUsd: 15.2 });
    expect(barFromOhlcv([NOW, 0, 2, 0.5, 1.5, 10])).toBeNull();
    expect(barFromBybitRow(["x"])).toBeNull();
    const kline = valid(klineFromBar(barFromOhlcv([NOW, 1, 2, 0.5, 1.5, 10]) as VenueBar, "5m", true, ctx));
    expect(kline.payload).toMatchObject({ interval: "5m", openTsMs: NOW, closeTsMs: NOW + 299_999, venueTsMs: NOW + 299_999, turnoverUsd: (10 * (2 + 0.5 + 1.5)) / 3, closed: true });
  });

  it("calls a bar closed once a later bar appears, and only once", () => {
    const bar = (minute: number, close: number): VenueBar => ({ openTsMs: minute * 60_000, openPriceUsd: 1, highPriceUsd: 2, lowPriceUsd: 1, closePriceUsd: close, volumeQty: 1, turnoverUsd: 1 });
    const tracker = new ClosedBarTracker();
    expect(tracker.update([bar(1, 1.1)])).toEqual([]);
    expect(tracker.update([bar(1, 1.2)])).toEqual([]);
    expect(tracker.update([bar(2, 1.3)])).toEqual([bar(1, 1.2)]);
    // A REST poll returns the last bars again, newest first: nothing closes twice.
    expect(tracker.update([bar(3, 1.5), bar(2, 1.4), bar(1, 1.2)])).toEqual([bar(2, 1.4)]);
    expect(tracker.update([bar(3, 1.6), bar(2, 1.4)])).toEqual([]);
  });
});
