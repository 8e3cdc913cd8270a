// The simulator's replies have the shape of Bybit's real ones: for every endpoint the recorded ccxt
// fixtures cover, each field the exchange sent is present with the same JSON type, and the simulator adds
// no field the exchange does not send.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";
import { publicRequest, signedRequest, type RawReply } from "./clients.js";

interface Recording {
  readonly httpResponse: unknown;
}
const FIXTURES = JSON.parse(readFileSync(new URL("./fixtures/bybit-http-responses.json", import.meta.url), "utf8")) as {
  methods: Record<string, Recording>;
};
const recorded = (method: string) => FIXTURES.methods[method]!.httpResponse;

/**
 * Integer fields in Bybit's API docs (and in ccxt's own comments on these replies) that the recorder
 * stringified in most recordings; fetchOpenInterest's recording kept retCode and time as numbers.
 */
const INTEGER_FIELDS = new Set(["retCode", "time", "positionIdx", "triggerDirection", "smpGroup", "riskId", "seq", "tradeMode", "autoAddMargin", "adlRankIndicator", "ts", "u"]);

/** ccxt's addPaginationCursorToResult writes the cursor into the first list item it keeps, so the recording holds it there. */
const RECORDER_ARTIFACTS = new Set(["nextPageCursor"]);

type Kind = "string" | "number" | "boolean" | "null" | "array" | "object";
const kind = (value: unknown): Kind => (value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as Kind));

/** Differences between a recorded reply and ours: missing fields, wrong types, fields Bybit never sent. */
export function shapeDiff(expected: unknown, actual: unknown, path = "$", allowedExtra: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  const expectedKind = kind(expected);
  const actualKind = kind(actual);
  const key = path.split(".").pop()!.replace(/\[\d+\]$/, "");
  if (expectedKind !== actualKind) {
    if (!(expectedKind === "string" && actualKind === "number" && INTEGER_FIELDS.has(key))) problems.push(`${path}: recorded ${expectedKind}, simulator ${actualKind}`);
    return problems;
  }
  if (expectedKind === "array") {
    const [e0] = expected as unknown[];
    const [a0] = actual as unknown[];
    if (e0 !== undefined && a0 === undefined) problems.push(`${path}: recorded a non-empty list, simulator an empty one`);
    if (e0 !== undefined && a0 !== undefined) problems.push(...shapeDiff(e0, a0, `${path}[0]`, allowedExtra));
    return problems;
  }
  if (expectedKind === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const isListItem = path.endsWith("[0]");
    for (const field of Object.keys(e)) {
      if (isListItem && RECORDER_ARTIFACTS.has(field)) continue;
      if (!(field in a)) problems.push(`${path}.${field}: missing`);
      else problems.push(...shapeDiff(e[field], a[field], `${path}.${field}`, allowedExtra));
    }
    for (const field of Object.keys(a)) if (!(field in e) && !allowedExtra.has(field)) problems.push(`${path}.${field}: not in Bybit's reply`);
  }
  return problems;
}

let sim: BybitSimulator;
let openOrderId: string;

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 11, rateLimits: false });
  const open = await signedRequest(sim, "POST", "/v5/order/create", {
    category: "linear",
    symbol: "BTCUSDT",
    side: "Buy",
    orderType: "Limit",
    qty: "0.01",
    price: "59000",
    orderLinkId: "shape-open",
    stopLoss: "58000",
  });
  openOrderId = (open.body.result as { orderId: string }).orderId;
  await signedRequest(sim, "POST", "/v5/order/create", { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Market", qty: "0.02" });
});
afterAll(async () => sim?.stop());

const ok = (reply: RawReply) => {
  expect(reply.status).toBe(200);
  expect(reply.body.retCode).toBe(0);
  return reply.body;
};

describe("reply shapes against the recorded Bybit replies", () => {
  it("wallet-balance (fetchBalance)", async () => {
    const body = ok(await signedRequest(sim, "GET", "/v5/account/wallet-balance", { accountType: "UNIFIED" }));
    expect(shapeDiff(recorded("fetchBalance"), body)).toEqual([]);
  });

  it("order/create (createOrder)", async () => {
    const body = ok(await signedRequest(sim, "POST", "/v5/order/create", { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.01", price: "58000" }));
    expect(shapeDiff(recorded("createOrder"), body)).toEqual([]);
  });

  it("order/amend (editOrder)", async () => {
    const body = ok(await signedRequest(sim, "POST", "/v5/order/amend", { category: "linear", symbol: "BTCUSDT", orderLinkId: "shape-open", price: "59000.5" }));
    expect(shapeDiff(recorded("editOrder"), body)).toEqual([]);
  });

  // Bybit's order rows differ slightly between open and closed recordings; together they are the field set.
  const orderFields = new Set([
    ...Object.keys((recorded("fetchOpenOrder") as { result: { list: object[] } }).result.list[0]!),
    ...Object.keys((recorded("fetchClosedOrders") as { result: { list: object[] } }).result.list[0]!),
  ]);

  it("order/realtime (fetchOpenOrder)", async () => {
    const body = ok(await signedRequest(sim, "GET", "/v5/order/realtime", { category: "linear", symbol: "BTCUSDT", orderId: openOrderId }));
    expect(shapeDiff(recorded("fetchOpenOrder"), body, "$", orderFields)).toEqual([]);
  });

  it("order/history (fetchClosedOrders)", async () => {
    const body = ok(await signedRequest(sim, "GET", "/v5/order/history", { category: "linear", symbol: "BTCUSDT", orderStatus: "Filled" }));
    expect(shapeDiff(recorded("fetchClosedOrders"), body, "$", orderFields)).toEqual([]);
  });

  it("position/list (fetchPositions)", async () => {
    const body = ok(await signedRequest(sim, "GET", "/v5/position/list", { category: "linear", settleCoin: "USDT" }));
    expect(shapeDiff(recorded("fetchPositions"), body)).toEqual([]);
  });

  it("execution/list (fetchMyTrades)", async () => {
    const body = ok(await signedRequest(sim, "GET", "/v5/execution/list", { category: "linear", execType: "Trade" }));
    expect(shapeDiff(recorded("fetchMyTrades"), body)).toEqual([]);
  });

  it("market/kline (fetchOHLCV)", async () => {
    const body = ok(await publicRequest(sim, "/v5/market/kline", { category: "linear", symbol: "BTCUSDT", interval: "60", limit: 3 }));
    expect(shapeDiff(recorded("fetchOHLCV"), body)).toEqual([]);
    expect((body.result as { list: string[][] }).list[0]).toHaveLength(7);
  });

  it("market/tickers (fetchTicker)", async () => {
    const body = ok(await publicRequest(sim, "/v5/market/tickers", { category: "linear", symbol: "BTCUSDT" }));
    expect(shapeDiff(recorded("fetchTicker"), body)).toEqual([]);
  });

  it("market/recent-trade (fetchTrades)", async () => {
    const body = ok(await publicRequest(sim, "/v5/market/recent-trade", { category: "linear", symbol: "BTCUSDT" }));
    expect(shapeDiff(recorded("fetchTrades"), body)).toEqual([]);
  });

  it("market/orderbook (fetchOrderBook); Bybit's docs add cts, the creation time", async () => {
    const body = ok(await publicRequest(sim, "/v5/market/orderbook", { category: "linear", symbol: "BTCUSDT" }));
    expect(shapeDiff(recorded("fetchOrderBook"), body, "$", new Set(["cts"]))).toEqual([]);
  });

  it("order/cancel-all (cancelAllOrders), last because it empties the book", async () => {
    const body = ok(await signedRequest(sim, "POST", "/v5/order/cancel-all", { category: "linear", symbol: "BTCUSDT" }));
    expect(shapeDiff(recorded("cancelAllOrders"), body)).toEqual([]);
    expect((body.result as { list: unknown[] }).list.length).toBeGreaterThan(0);
  });

  it("the comparison itself catches a missing field, a wrong type and an invented field", () => {
    expect(shapeDiff({ a: "1", b: true, list: [{ c: "x" }] }, { a: 1, list: [{ c: "x", d: 1 }] })).toEqual([
      "$.a: recorded string, simulator number",
      "$.b: missing",
      "$.list[0].d: not in Bybit's reply",
    ]);
  });
});
