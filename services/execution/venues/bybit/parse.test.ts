// The Bybit parse functions against replies Bybit really sent (recorded by ccxt's test suite) and the
// simulator's instrument listing (Bybit's documented shape; ccxt recorded none).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_INSTRUMENTS } from "../../../../tools/bybit-simulator/index.js";
import { instrumentJson } from "../../../../tools/bybit-simulator/bybit-json.js";
import { BybitParseError, parseCreateReply, parseExecution, parseInstrument, parseOrder, parsePosition, parseTicker, parseWallet, replyTimeMs, resultList, type Json } from "./parse.js";

const recorded = JSON.parse(readFileSync(new URL("./fixtures/recorded-bybit-replies.json", import.meta.url), "utf8")) as { replies: Record<string, { httpResponse: unknown }> };
const reply = (name: string): unknown => recorded.replies[name]!.httpResponse;
const first = (name: string): Json => resultList(reply(name), name)[0]!;

describe("parsing Bybit v5 replies", () => {
  it("reads an open limit order", () => {
    expect(parseOrder(first("openOrder"))).toEqual({
      venueOrderId: "3606515b-e4d7-4ea4-b096-bb247d0661ae",
      clientOrderId: null,
      symbol: "BTCUSDT",
      side: "buy",
      orderType: "limit",
      reduceOnly: false,
      status: "new",
      qty: 0.001,
      filledQty: 0,
      avgFillPriceUsd: null,
      limitPriceUsd: 102_000,
      stopLossPriceUsd: null,
      takeProfitPriceUsd: null,
      origin: "client",
      rejectReason: null,
      createdTsMs: 1758189775648,
      updatedTsMs: 1758189775651,
    });
  });

  it("reads a filled market order without taking its protection price for a limit", () => {
    const order = parseOrder(first("closedOrder"));
    expect(order).toMatchObject({ orderType: "market", status: "filled", qty: 0.001, filledQty: 0.001, avgFillPriceUsd: 123_498, limitPriceUsd: null });
  });

  it("reads every order of a closed-orders page", () => {
    const orders = resultList(reply("closedOrders"), "orders").map(parseOrder);
    expect(orders.length).toBeGreaterThan(0);
    for (const order of orders) expect(["filled", "cancelled", "rejected"]).toContain(order.status);
  });

  it("reads a linear position", () => {
    expect(parsePosition(first("positions"), 0)).toEqual({
      symbol: "LTCUSDT",
      side: "long",
      qty: 1.2,
      entryPriceUsd: 64.59947917,
      markPriceUsd: 71.1,
      leverage: 6,
      unrealisedPnlUsd: 7.800625,
      realisedPnlUsd: -51.90142002,
      liquidationPriceUsd: null,
      tsMs: 1699948800031,
    });
  });

  it("reads a trade execution and skips a funding one", () => {
    expect(parseExecution(first("tradeExecution"))).toEqual({
      fillId: "751c8dba-bdeb-5d0c-9dd3-dda6bf98cdaf",
      venueOrderId: "c18b72e4-1bf7-4c30-9b99-ba3274066029",
      clientOrderId: null,
      symbol: "LTCUSDT",
      side: "buy",
      qty: 0.1,
      priceUsd: 85.11,
      feeUsd: 0.00468105,
      liquidity: "taker",
      orderType: "market",
      orderQty: 0.1,
      leavesQty: 0,
      orderPriceUsd: 89.32,
      origin: "client",
      tsMs: 1710762918390,
    });
    expect(parseExecution(first("fundingExecution"))).toBeNull();
  });

  it("reads the unified account's totals", () => {
    expect(parseWallet(first("walletBalance"), 5)).toEqual({
      equityUsd: 92255.96988644,
      walletBalanceUsd: 90060.46626531,
      availableBalanceUsd: 89987.9688149,
      unrealisedPnlUsd: -21.66812467,
      tsMs: 5,
    });
  });

  it("reads a ticker and the reply time", () => {
    const ticker = parseTicker(first("ticker"), replyTimeMs(reply("ticker"), 0));
    expect(ticker).toMatchObject({ symbol: "BTCUSDT", lastPriceUsd: 51_444.4, markPriceUsd: 51_444.4 });
    expect(ticker.bidPriceUsd).toBeGreaterThan(0);
    expect(ticker.tsMs).toBeGreaterThan(1_700_000_000_000);
  });

  it("reads the ids of a create-order answer", () => {
    expect(parseCreateReply(reply("createOrder"))).toEqual({ venueOrderId: "1609920528435648000", clientOrderId: "1609920528444036608" });
  });

  it("reads an instrument's grid from the instruments listing", () => {
    const btc = DEFAULT_INSTRUMENTS.find((i) => i.spec.symbol === "BTCUSDT")!;
    expect(parseInstrument(instrumentJson(btc) as Json)).toEqual(btc.spec);
  });

  it("refuses a reply it does not understand, naming the field", () => {
    const broken = { ...first("openOrder"), orderStatus: "Exploded" };
    expect(() => parseOrder(broken)).toThrow(BybitParseError);
    expect(() => parseOrder(broken)).toThrow(/orderStatus/);
    expect(() => parseExecution({ ...first("tradeExecution"), execQty: "lots" })).toThrow(/execQty/);
    expect(() => resultList({ retCode: 0, result: {} }, "orders")).toThrow(/result.list/);
  });

  it("reads the simulator's stop-loss order as the venue's own (no client id, reduce-only)", () => {
    const order = parseOrder({ ...first("closedOrder"), orderLinkId: "", createType: "CreateByStopLoss", stopOrderType: "StopLoss", reduceOnly: true });
    expect(order).toMatchObject({ origin: "stop-loss", clientOrderId: null, reduceOnly: true });
  });
});
