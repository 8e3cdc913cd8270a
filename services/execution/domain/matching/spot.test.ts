// Spot books on the perpetuals engine: for any run of trades the account could pay for, the balances
// per asset are what a spot ledger gives (quote: start − costs + proceeds − fees; base: bought − sold),
// nothing goes negative, and an order the account cannot pay for is refused before the engine sees it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngineState, step } from "./engine.js";
import { checkSpotOrder, setSpotHoldingInputs, spotBalances } from "./spot.js";
import type { EngineInput, EngineState, Fill } from "./types.js";

const SPEC = { symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", tickSizeUsd: 0.01, lotStepQty: 0.0001, minQty: 0.0001, maxQty: 1_000, minNotionalUsd: 1, minPriceUsd: 0.01, maxPriceUsd: 1_000_000, maxLeverage: 1 };

const fresh = (usdt = 10_000): EngineState => createEngineState({ instruments: [SPEC], walletBalanceUsd: usdt, config: { defaultLeverage: 1, fillIdPrefix: "spot" } });

function run(state: EngineState, input: EngineInput): { state: EngineState; fills: Fill[] } {
  const r = step(state, input);
  expect(r.error).toBeUndefined();
  return { state: r.state, fills: r.events.flatMap((e) => (e.kind === "fill" ? [e.fill] : [])) };
}

const balance = (state: EngineState, asset: string) => spotBalances(state, "USDT").find((b) => b.asset === asset) ?? { asset, free: 0, locked: 0 };

describe("spot books", () => {
  it("keep the quote and base balances of a spot ledger for any trades the account could pay for", () => {
    const actionArb = fc.record({ side: fc.constantFrom("buy" as const, "sell" as const), qtySteps: fc.integer({ min: 1, max: 5_000 }), priceUsd: fc.integer({ min: 1_000, max: 100_000 }) });
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 30 }), (actions) => {
        let state = fresh();
        let quote = 10_000;
        let base = 0;
        let t = 1;
        for (const a of actions) {
          state = run(state, { kind: "trade", tsMs: t++, symbol: "BTCUSDT", priceUsd: a.priceUsd, qty: 100, takerSide: "buy" }).state;
          state = run(state, { kind: "quote", tsMs: t++, symbol: "BTCUSDT", bidPriceUsd: a.priceUsd - 0.01, askPriceUsd: a.priceUsd }).state;
          const order = { symbol: "BTCUSDT", side: a.side, type: "market" as const, qty: a.qtySteps * SPEC.lotStepQty, limitPriceUsd: null };
          const refusal = checkSpotOrder(state, order);
          if (refusal) {
            expect(a.side === "sell" ? base < order.qty - 1e-9 : refusal === "insufficient-balance").toBe(true);
            continue;
          }
          const placed = run(state, { kind: "place", tsMs: t++, request: { orderId: `o${t}`, clientOrderId: null, symbol: "BTCUSDT", side: a.side, type: "market", qty: order.qty } });
          state = placed.state;
          for (const f of placed.fills) {
            quote += (f.side === "buy" ? -1 : 1) * f.qty * f.priceUsd - f.feeUsd;
            base += (f.side === "buy" ? 1 : -1) * f.qty;
          }
          const q = balance(state, "USDT");
          const b = balance(state, "BTC");
          expect(q.free + q.locked).toBeCloseTo(quote, 6);
          expect(b.free + b.locked).toBeCloseTo(base, 9);
          expect(q.free).toBeGreaterThanOrEqual(-1e-6);
          expect(b.free).toBeGreaterThanOrEqual(-1e-9);
          expect(Object.values(state.positions).every((p) => p.side !== "short")).toBe(true);
        }
      }),
    );
  });

  it("lock a resting buy's quote and a resting sell's base", () => {
    let state = fresh();
    state = run(state, { kind: "quote", tsMs: 1, symbol: "BTCUSDT", bidPriceUsd: 49_999.99, askPriceUsd: 50_000 }).state;
    state = run(state, { kind: "place", tsMs: 2, request: { orderId: "b", clientOrderId: "b", symbol: "BTCUSDT", side: "buy", type: "limit", qty: 0.1, limitPriceUsd: 40_000 } }).state;
    expect(balance(state, "USDT")).toEqual({ asset: "USDT", free: 6_000, locked: 4_000 });
    expect(checkSpotOrder(state, { symbol: "BTCUSDT", side: "buy", type: "limit", qty: 0.2, limitPriceUsd: 40_000 })).toBe("insufficient-balance");
    expect(checkSpotOrder(state, { symbol: "BTCUSDT", side: "sell", type: "limit", qty: 0.0001, limitPriceUsd: 60_000 })).toBe("oversold");
  });

  it("set a holding from outside without moving the quote balance", () => {
    let state = fresh();
    for (const input of setSpotHoldingInputs(state, "BTC", 0.5, 50_000, 1)) state = run(state, input).state;
    expect(balance(state, "BTC")).toEqual({ asset: "BTC", free: 0.5, locked: 0 });
    expect(balance(state, "USDT").free).toBeCloseTo(10_000, 8);
    for (const input of setSpotHoldingInputs(state, "USDT", 2_500, 1, 2)) state = run(state, input).state;
    expect(balance(state, "USDT").free).toBeCloseTo(2_500, 8);
    expect(balance(state, "BTC").free).toBe(0.5);
  });
});
