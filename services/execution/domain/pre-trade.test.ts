// Pre-trade checks: each refusal with its reason, and the plan an accepted command becomes.
import { describe, expect, it } from "vitest";
import type { OrderCommand } from "../../shared/contracts/index.js";
import { deriveClientOrderId } from "../../shared/client-order-id.js";
import { DEFAULT_PRE_TRADE_POLICY, checkOrderCommand, type PreTradeInput } from "./pre-trade.js";
import type { Instrument } from "./venue-types.js";

const BTC: Instrument = { symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", tickSizeUsd: 0.1, lotStepQty: 0.001, minQty: 0.001, maxQty: 100, minNotionalUsd: 5, minPriceUsd: 0.1, maxPriceUsd: 1_999_999, maxLeverage: 100 };
const SIGNAL = "11111111-1111-4111-8111-111111111111";
const NOW = 1_800_000_000_000;

const command = (over: Partial<OrderCommand> = {}): OrderCommand => ({
  version: 1,
  commandId: "22222222-2222-4222-8222-222222222222",
  signalId: SIGNAL,
  decisionId: "33333333-3333-4333-8333-333333333333",
  clientOrderId: deriveClientOrderId(SIGNAL, "entry"),
  symbol: "BTCUSDT",
  side: "buy",
  notionalUsd: 600,
  leverage: 10,
  reduceOnly: false,
  entryZone: { lowPriceUsd: 59_900, highPriceUsd: 60_100 },
  stopLossPriceUsd: 59_000,
  takeProfits: [{ priceUsd: 62_000, fraction: 1 }],
  expiresAtMs: NOW + 5_000,
  tsMs: NOW,
  ...over,
});

const input = (over: Partial<PreTradeInput> = {}): PreTradeInput => ({
  command: command(),
  symbol: "BTCUSDT",
  instrument: BTC,
  tradingState: "ACTIVE",
  quote: { lastPriceUsd: 60_000, bidPriceUsd: 59_999.9, askPriceUsd: 60_000 },
  velocityPerSecond: 0,
  position: null,
  nowMs: NOW,
  policy: DEFAULT_PRE_TRADE_POLICY,
  ...over,
});

const refusal = (i: PreTradeInput) => {
  const r = checkOrderCommand(i);
  return r.ok ? null : r.reason;
};

describe("pre-trade checks", () => {
  it("plans a calm market as a post-only limit at the near touch, sized down to the lot step, stops attached", () => {
    const r = checkOrderCommand(input());
    expect(r).toMatchObject({ ok: true, plan: { orderType: "post-only", limitPriceUsd: 59_999.9, qty: 0.01, stopLossPriceUsd: 59_000, takeProfitPriceUsd: 62_000, postOnlyTimeoutMs: 5_000, purpose: "entry", leverage: 10 } });
  });

  it("picks the order type by price velocity", () => {
    const typeAt = (v: number) => {
      const r = checkOrderCommand(input({ velocityPerSecond: v }));
      return r.ok ? [r.plan.orderType, r.plan.limitPriceUsd] : null;
    };
    expect(typeAt(0.0006)).toEqual(["post-only", 59_999.9]);
    expect(typeAt(0.002)).toEqual(["limit", 60_000]);
    expect(typeAt(0.01)).toEqual(["market", null]);
  });

  it("refuses an unknown symbol, an expired command and a client id not derived from the signal", () => {
    expect(refusal(input({ instrument: undefined }))).toBe("unknown-symbol");
    expect(refusal(input({ nowMs: NOW + 6_000 }))).toBe("expired");
    expect(checkOrderCommand(input({ nowMs: NOW + 6_000 }))).toMatchObject({ ok: false, status: "expired" });
    expect(refusal(input({ command: command({ clientOrderId: "tt-made-up" }) }))).toBe("client-order-id-mismatch");
  });

  it("blocks entries outside ACTIVE but lets reduce-only exits through", () => {
    expect(refusal(input({ tradingState: "REDUCING" }))).toBe("trading-state");
    expect(refusal(input({ tradingState: "HALTED" }))).toBe("trading-state");
    const exit = input({ tradingState: "HALTED", command: command({ reduceOnly: true, side: "sell", clientOrderId: deriveClientOrderId(SIGNAL, "exit") }), position: { side: "long", qty: 0.004 } });
    expect(checkOrderCommand(exit)).toMatchObject({ ok: true, plan: { purpose: "exit", qty: 0.004, orderType: "limit", stopLossPriceUsd: null, takeProfitPriceUsd: null } });
    expect(refusal({ ...exit, position: null })).toBe("reduce-only-no-position");
  });

  it("refuses a market away from the entry zone, sizes outside the limits and stops on the wrong side", () => {
    expect(refusal(input({ quote: { lastPriceUsd: 65_000, bidPriceUsd: null, askPriceUsd: null } }))).toBe("price-out-of-band");
    expect(refusal(input({ instrument: { ...BTC, minNotionalUsd: 100 }, command: command({ notionalUsd: 70 }) }))).toBe("notional-below-minimum");
    expect(refusal(input({ command: command({ notionalUsd: 30 }) }))).toBe("size-below-minimum");
    expect(refusal(input({ command: command({ notionalUsd: 7_000_000 }) }))).toBe("size-above-maximum");
    expect(refusal(input({ command: command({ stopLossPriceUsd: 60_500 }) }))).toBe("invalid-stop-loss");
    expect(refusal(input({ command: command({ takeProfits: [{ priceUsd: 59_000, fraction: 1 }] }) }))).toBe("invalid-take-profit");
    expect(refusal(input({ quote: null }))).toBe("no-market-price");
  });

  it("caps leverage at the instrument's maximum", () => {
    const r = checkOrderCommand(input({ instrument: { ...BTC, maxLeverage: 5 }, command: command({ leverage: 20 }) }));
    expect(r.ok && r.plan.leverage).toBe(5);
  });

  it("keeps several take-profit legs for after the fill, off the entry, every leg checked for its side", () => {
    const legs = [
      { priceUsd: 61_000.04, fraction: 0.5 },
      { priceUsd: 62_000, fraction: 0.5 },
    ];
    const r = checkOrderCommand(input({ command: command({ takeProfits: legs }) }));
    expect(r).toMatchObject({ ok: true, plan: { stopLossPriceUsd: 59_000, takeProfitPriceUsd: null, takeProfitLegs: [{ priceUsd: 61_000, fraction: 0.5 }, { priceUsd: 62_000, fraction: 0.5 }] } });
    const partial = checkOrderCommand(input({ command: command({ takeProfits: [{ priceUsd: 62_000, fraction: 0.6 }] }) }));
    expect(partial).toMatchObject({ ok: true, plan: { takeProfitPriceUsd: null, takeProfitLegs: [{ priceUsd: 62_000, fraction: 0.6 }] } });
    const whole = checkOrderCommand(input());
    expect(whole).toMatchObject({ ok: true, plan: { takeProfitPriceUsd: 62_000, takeProfitLegs: [] } });
    const wrong = checkOrderCommand(input({ command: command({ takeProfits: [{ priceUsd: 62_000, fraction: 0.5 }, { priceUsd: 59_500, fraction: 0.5 }] }) }));
    expect(wrong).toMatchObject({ ok: false, reason: "invalid-take-profit", detail: expect.stringContaining("leg 2") });
  });
});
