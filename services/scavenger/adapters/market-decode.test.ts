import { describe, expect, it } from "vitest";
import { makeEnvelope } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { ManualClock } from "../../shared/clock.js";
import { encodeEntryFields } from "../../shared/messaging/index.js";
import { classifyBadPayload, decodeEntry, perpSymbolOf } from "./market-decode.js";
import { compareEntryIds } from "./market-data-reader.js";

const clock = new ManualClock();
const trade = SAMPLE_PAYLOADS["market-trade"];
const entryOf = (payload: object, type = "market-trade") =>
  ["id", "00000000-0000-4000-8000-000000000001", "env", JSON.stringify({ id: "00000000-0000-4000-8000-000000000001", type, version: 1, source: "execution", tsMs: 1, payload })];

describe("market entries are decoded, or dropped with the guard's reason", () => {
  it("passes a valid trade envelope through", () => {
    const envelope = makeEnvelope("market-trade", trade, { source: "execution", clock });
    const decoded = decodeEntry(encodeEntryFields(envelope));
    expect(decoded).toEqual({ ok: true, envelope });
  });

  it.each([
    ["a NaN price (JSON carries it as a string)", { ...trade, priceUsd: "NaN" }, "non-finite"],
    ["a null size (what JSON.stringify makes of NaN)", { ...trade, qty: null }, "non-finite"],
    ["a negative size", { ...trade, qty: -1 }, "non-positive-qty"],
    ["a zero size", { ...trade, qty: 0 }, "non-positive-qty"],
    ["a zero price", { ...trade, priceUsd: 0 }, "non-positive-price"],
    ["a negative time", { ...trade, venueTsMs: -5 }, "out-of-range"],
    ["an unknown taker side", { ...trade, side: "both" }, "out-of-range"],
    ["a missing field", { ...trade, tradeId: undefined }, "malformed"],
    ["an unknown field", { ...trade, extra: 1 }, "malformed"],
  ])("drops %s", (_what, payload, kind) => {
    const decoded = decodeEntry(entryOf(payload));
    expect(decoded).toMatchObject({ ok: false, kind, messageType: "market-trade" });
  });

  it("names bar and funding problems too", () => {
    const kline = SAMPLE_PAYLOADS["market-kline"];
    expect(classifyBadPayload("market-kline", { ...kline, volumeQty: -1 })).toBe("non-positive-qty");
    expect(classifyBadPayload("market-kline", { ...kline, highPriceUsd: null })).toBe("non-finite");
    expect(classifyBadPayload("market-funding", { ...SAMPLE_PAYLOADS["market-funding"], fundingRate: 3 })).toBe("out-of-range");
    expect(classifyBadPayload("market-open-interest", { ...SAMPLE_PAYLOADS["market-open-interest"], openInterestQty: -2 })).toBe("non-positive-qty");
  });

  it("drops text that is not an envelope as malformed", () => {
    expect(decodeEntry(["id", "x", "env", "{not json"])).toMatchObject({ ok: false, kind: "malformed" });
    expect(decodeEntry(["only", "junk"])).toMatchObject({ ok: false, kind: "malformed" });
    expect(decodeEntry(null)).toMatchObject({ ok: false, kind: "malformed" });
  });
});

describe("spot symbols map to their perpetual", () => {
  it("adds the settle currency to a unified spot symbol and keeps raw venue names", () => {
    expect(perpSymbolOf("BTC/USDT")).toBe("BTC/USDT:USDT");
    expect(perpSymbolOf("BTC/USDT:USDT")).toBe("BTC/USDT:USDT");
    expect(perpSymbolOf("BTCUSDT")).toBe("BTCUSDT");
  });
});

describe("stream entry ids order by time, then sequence", () => {
  it("compares numerically, not as text", () => {
    expect(compareEntryIds("10-0", "9-5")).toBeGreaterThan(0);
    expect(compareEntryIds("5-10", "5-9")).toBeGreaterThan(0);
    expect(compareEntryIds("5-1", "5-1")).toBe(0);
    expect(compareEntryIds("0-0", "1-0")).toBeLessThan(0);
  });
});
