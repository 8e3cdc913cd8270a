// The shadow state's rules: positions move only with fills, each applied once, direction-aware; orders
// only move forward. Property tests pin them for any order and repetition of reports.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExecutionReport } from "../../shared/contracts/index.js";
import { roundToStep, signedQty } from "./matching/index.js";
import { EMPTY_SHADOW_STATE, applyReport, openOrders, reportAdvances, type ShadowState } from "./shadow-state.js";

const STEP = 0.001;
const CTX = { lotStepQty: STEP, defaultLeverage: 10 };
let n = 0;

function fillReport(side: "buy" | "sell", qty: number, priceUsd: number, fillId = `f-${++n}`, clientOrderId = `tt-${fillId}`): ExecutionReport {
  return {
    version: 1,
    reportId: "00000000-0000-4000-8000-000000000001",
    venue: "paper",
    clientOrderId,
    venueOrderId: `v-${clientOrderId}`,
    symbol: "BTCUSDT",
    side,
    orderType: "market",
    reduceOnly: false,
    status: "filled",
    orderQty: qty,
    limitPriceUsd: null,
    filledQty: qty,
    remainingQty: 0,
    avgFillPriceUsd: priceUsd,
    fill: { fillId, qty, priceUsd, feeUsd: 0, liquidity: "taker" },
    venueTsMs: 1_000 + n,
    tsMs: 1_000 + n,
  };
}

function orderReport(clientOrderId: string, status: ExecutionReport["status"], filledQty: number): ExecutionReport {
  const { fill: _fill, ...base } = fillReport("buy", 1, 100, "unused", clientOrderId);
  return { ...base, status, filledQty, orderQty: 1, remainingQty: status === "new" || status === "partially-filled" ? 1 - filledQty : 0, avgFillPriceUsd: filledQty > 0 ? 100 : null };
}

const applyAll = (reports: readonly ExecutionReport[], state: ShadowState = EMPTY_SHADOW_STATE): ShadowState => reports.reduce((s, r) => applyReport(s, r, CTX).state, state);
const position = (s: ShadowState) => s.positions.BTCUSDT;

const fillArb = fc.record({
  side: fc.constantFrom<"buy" | "sell">("buy", "sell"),
  lots: fc.integer({ min: 1, max: 5_000 }),
  priceUsd: fc.integer({ min: 10_000, max: 90_000 }),
});

describe("shadow positions from fills", () => {
  it("an opposite fill reduces, closes, then flips the position", () => {
    const long = applyAll([fillReport("buy", 0.5, 60_000)]);
    expect(position(long)).toMatchObject({ side: "long", qty: 0.5, avgEntryPriceUsd: 60_000 });
    const reduced = applyAll([fillReport("sell", 0.2, 61_000)], long);
    expect(position(reduced)).toMatchObject({ side: "long", qty: 0.3, avgEntryPriceUsd: 60_000 });
    const closed = applyAll([fillReport("sell", 0.3, 61_000)], reduced);
    expect(position(closed)).toMatchObject({ side: "flat", qty: 0, avgEntryPriceUsd: null });
    const flipped = applyAll([fillReport("buy", 0.1, 60_000), fillReport("sell", 0.4, 62_000)], closed);
    expect(position(flipped)).toMatchObject({ side: "short", qty: 0.3, avgEntryPriceUsd: 62_000 });
  });

  it("realises PnL on the closed part, net of fees", () => {
    const s = applyAll([{ ...fillReport("buy", 1, 100), fill: { fillId: "a", qty: 1, priceUsd: 100, feeUsd: 0.5, liquidity: "taker" } }, { ...fillReport("sell", 1, 110), fill: { fillId: "b", qty: 1, priceUsd: 110, feeUsd: 0.5, liquidity: "taker" } }]);
    expect(position(s)!.realisedPnlUsd).toBeCloseTo(9, 9);
  });

  it("the signed size is the sum of the signed fills, whatever their order, and a repeated fill counts once", () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer(), (fills, repeats, seed) => {
        const reports = fills.map((f, i) => fillReport(f.side, roundToStep(f.lots * STEP, STEP), f.priceUsd, `p-${i}`));
        const expected = roundToStep(fills.reduce((sum, f) => sum + (f.side === "buy" ? 1 : -1) * f.lots * STEP, 0), STEP);
        // Replay some reports again (a push and a poll of the same fill) and shuffle deterministically.
        const stream = [...reports, ...repeats.map((r) => reports[r % reports.length]!)];
        const shuffled = stream.map((r, i) => ({ r, k: Math.sin(seed + i) })).sort((a, b) => a.k - b.k).map((x) => x.r);
        const s = applyAll(shuffled);
        const p = position(s)!;
        expect(roundToStep(signedQty(p), STEP)).toBe(expected);
        expect(p.side === "flat").toBe(expected === 0);
        expect(p.avgEntryPriceUsd === null).toBe(expected === 0);
        expect(s.appliedFillIds.size).toBe(reports.length);
      }),
      { numRuns: 300 },
    );
  });

  it("applying a report a second time changes nothing", () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 10 }), (fills) => {
        const reports = fills.map((f, i) => fillReport(f.side, roundToStep(f.lots * STEP, STEP), f.priceUsd, `d-${i}`));
        const once = applyAll(reports);
        const last = reports[reports.length - 1]!;
        const again = applyReport(once, last, CTX);
        expect(again.state).toBe(once);
        expect(again.fillApplied).toBe(false);
        expect(again.orderChanged).toBe(false);
      }),
    );
  });
});

describe("shadow orders from reports", () => {
  it("a finished order never reopens, whatever arrives after", () => {
    const statuses: ExecutionReport["status"][] = ["new", "partially-filled", "filled", "cancelled", "rejected", "expired"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...statuses), { minLength: 1, maxLength: 12 }), (sequence) => {
        let s = EMPTY_SHADOW_STATE;
        let finished: string | null = null;
        for (const status of sequence) {
          s = applyReport(s, orderReport("tt-o", status, status === "new" ? 0 : 0.5), CTX).state;
          const now = s.orders["tt-o"]!.status;
          if (finished) expect(now).toBe(finished);
          else if (!["new", "partially-filled"].includes(now)) finished = now;
        }
      }),
    );
  });

  it("a report applied once never advances the order again, whatever came between (so it was published at most once)", () => {
    const statuses: ExecutionReport["status"][] = ["new", "partially-filled", "filled", "cancelled", "rejected", "expired"];
    const reportArb = fc.record({ status: fc.constantFrom(...statuses), filledTenths: fc.integer({ min: 0, max: 10 }) });
    fc.assert(
      fc.property(fc.array(reportArb, { minLength: 1, maxLength: 15 }), (sequence) => {
        let s = EMPTY_SHADOW_STATE;
        const applied: ExecutionReport[] = [];
        for (const r of sequence) {
          const report = orderReport("tt-a", r.status, r.filledTenths / 10);
          const before = s.orders["tt-a"];
          const out = applyReport(s, report, CTX);
          // An advancing report always changes the record: it is recorded, and published, with it.
          if (reportAdvances(before, report)) expect(out.orderChanged).toBe(true);
          s = out.state;
          applied.push(report);
          for (const earlier of applied) expect(reportAdvances(s.orders["tt-a"], earlier)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the larger filled quantity when reports cross", () => {
    const s = applyAll([orderReport("tt-x", "partially-filled", 0.6), orderReport("tt-x", "partially-filled", 0.2)]);
    expect(s.orders["tt-x"]).toMatchObject({ status: "partially-filled", filledQty: 0.6 });
    expect(openOrders(s).map((o) => o.clientOrderId)).toEqual(["tt-x"]);
    const done = applyAll([orderReport("tt-x", "cancelled", 0.6)], s);
    expect(openOrders(done)).toEqual([]);
  });
});
