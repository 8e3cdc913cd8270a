// Execution reports from venue events: the contract's shape, stable ids, and cumulative fill figures.
import { describe, expect, it } from "vitest";
import { validateEnvelope } from "../../shared/contracts/index.js";
import { reportFromVenueFill, reportFromVenueOrder, refusalReport } from "./reports.js";
import type { VenueFill, VenueOrder } from "./venue-types.js";

const order: VenueOrder = {
  venueOrderId: "abc-123",
  clientOrderId: "tt-ORDER",
  symbol: "BTCUSDT",
  side: "buy",
  orderType: "post-only",
  reduceOnly: false,
  status: "new",
  qty: 0.3,
  filledQty: 0,
  avgFillPriceUsd: null,
  limitPriceUsd: 60_000,
  stopLossPriceUsd: 59_000,
  takeProfitPriceUsd: 62_000,
  origin: "client",
  rejectReason: null,
  createdTsMs: 1_000,
  updatedTsMs: 1_000,
};

const fill = (fillId: string, qty: number, leavesQty: number, priceUsd = 60_000): VenueFill => ({
  fillId,
  venueOrderId: "abc-123",
  clientOrderId: "tt-ORDER",
  symbol: "BTCUSDT",
  side: "buy",
  qty,
  priceUsd,
  feeUsd: qty * priceUsd * 0.0002,
  liquidity: "maker",
  orderType: "limit",
  orderQty: 0.3,
  leavesQty,
  orderPriceUsd: 60_000,
  origin: "client",
  tsMs: 2_000,
});

const valid = (payload: unknown) => validateEnvelope({ id: "00000000-0000-4000-8000-000000000001", type: "execution-report", version: 1, source: "execution", tsMs: 1, payload });

describe("execution reports from the venue", () => {
  it("reports an order's state in the contract's shape, with an id that depends only on what happened", () => {
    const report = reportFromVenueOrder("bybit", order, 5_000);
    expect(valid(report).ok).toBe(true);
    expect(report).toMatchObject({ clientOrderId: "tt-ORDER", status: "new", remainingQty: 0.3, avgFillPriceUsd: null });
    expect(reportFromVenueOrder("bybit", order, 9_999).reportId).toBe(report.reportId);
    expect(reportFromVenueOrder("bybit", { ...order, status: "cancelled" }, 5_000).reportId).not.toBe(report.reportId);
  });

  it("reports partial fills with the cumulative quantity and average", () => {
    const first = reportFromVenueFill("bybit", fill("f1", 0.1, 0.2, 60_000), undefined, 5_000, (q) => Number(q.toFixed(3)));
    expect(valid(first).ok).toBe(true);
    expect(first).toMatchObject({ status: "partially-filled", filledQty: 0.1, remainingQty: 0.2, avgFillPriceUsd: 60_000, orderType: "limit", fill: { fillId: "f1", qty: 0.1 } });
    const known = { clientOrderId: "tt-ORDER", venueOrderId: "abc-123", symbol: "BTCUSDT", side: "buy" as const, orderType: "post-only" as const, reduceOnly: false, status: "partially-filled" as const, orderQty: 0.3, filledQty: 0.1, avgFillPriceUsd: 60_000, limitPriceUsd: 60_000, createdTsMs: 1_000, updatedTsMs: 2_000 };
    const last = reportFromVenueFill("bybit", fill("f2", 0.2, 0, 59_970), known, 5_000, (q) => Number(q.toFixed(3)));
    expect(last).toMatchObject({ status: "filled", filledQty: 0.3, remainingQty: 0, orderType: "post-only" });
    expect(last.avgFillPriceUsd).toBeCloseTo(59_980, 6);
  });

  it("files the venue's own stop orders under an id derived from the venue's", () => {
    const stop = reportFromVenueFill("bybit", { ...fill("f3", 0.3, 0), clientOrderId: null, origin: "stop-loss", side: "sell" }, undefined, 5_000, (q) => q);
    expect(stop.clientOrderId).toBe("v-abc-123");
    expect(stop.reduceOnly).toBe(true);
  });

  it("reports a refused command, even one whose size was never worked out", () => {
    const command = { version: 1 as const, commandId: "22222222-2222-4222-8222-222222222222", signalId: "11111111-1111-4111-8111-111111111111", decisionId: "33333333-3333-4333-8333-333333333333", clientOrderId: "tt-X", symbol: "DOGEUSDT", side: "buy" as const, notionalUsd: 100, leverage: 5, reduceOnly: false, entryZone: { lowPriceUsd: 1, highPriceUsd: 2 }, stopLossPriceUsd: 0.5, takeProfits: [{ priceUsd: 3, fraction: 1 }], expiresAtMs: 10, tsMs: 1 };
    const report = refusalReport({ venue: "paper", command, symbol: "DOGEUSDT", orderType: "market", qty: NaN, limitPriceUsd: null, status: "rejected", reason: "unknown-symbol: not listed", nowMs: 5 });
    expect(valid(report).ok).toBe(true);
    expect(report).toMatchObject({ status: "rejected", filledQty: 0, venueOrderId: null, rejectReason: "unknown-symbol: not listed" });
  });
});
