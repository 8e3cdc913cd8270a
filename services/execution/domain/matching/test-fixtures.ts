// Shared by the matching engine's tests: a BTC-like instrument, a fresh engine, and a driver that keeps
// the latest state so a test reads as a sequence of venue events.

import { createEngineState, step } from "./engine.js";
import type { InstrumentSpec } from "./instrument.js";
import type { EngineConfig, EngineEvent, EngineInput, EngineState, Fill, Order, PlaceOrderRequest, StepResult } from "./types.js";

export const BTC: InstrumentSpec = {
  symbol: "BTCUSDT",
  baseAsset: "BTC",
  quoteAsset: "USDT",
  tickSizeUsd: 0.1,
  lotStepQty: 0.001,
  minQty: 0.001,
  maxQty: 100,
  minNotionalUsd: 5,
  minPriceUsd: 0.1,
  maxPriceUsd: 1_999_999.8,
  maxLeverage: 100,
};

export const T0 = Date.UTC(2026, 0, 1);

/** Fees as the defaults, slippage off unless a test asks: prices in assertions stay readable. */
export const NO_SLIPPAGE: Partial<EngineConfig> = {
  slippage: { baseFraction: 0, volatilityMultiplier: 0, sizeImpactFraction: 0, referenceNotionalUsd: 100_000, maxFraction: 0 },
};

export function newEngine(config: Partial<EngineConfig> = NO_SLIPPAGE, walletBalanceUsd = 100_000): EngineState {
  return createEngineState({ instruments: [BTC], walletBalanceUsd, config });
}

export class EngineDriver {
  state: EngineState;
  last: StepResult | undefined;
  readonly history: EngineEvent[] = [];
  private tsMs = T0;
  private nextOrder = 1;

  constructor(state: EngineState = newEngine()) {
    this.state = state;
  }

  run(input: EngineInput): StepResult {
    const result = step(this.state, input);
    this.state = result.state;
    this.last = result;
    this.history.push(...result.events);
    return result;
  }

  tick(): number {
    this.tsMs += 1_000;
    return this.tsMs;
  }

  quote(bidPriceUsd: number, askPriceUsd: number, bidQty: number | null = null, askQty: number | null = null): StepResult {
    return this.run({ kind: "quote", tsMs: this.tick(), symbol: BTC.symbol, bidPriceUsd, askPriceUsd, bidQty, askQty });
  }

  trade(priceUsd: number, qty: number, takerSide: "buy" | "sell" = "buy"): StepResult {
    return this.run({ kind: "trade", tsMs: this.tick(), symbol: BTC.symbol, priceUsd, qty, takerSide });
  }

  /** Last trade and a one-tick quote around it: the usual state of a liquid market. */
  market(priceUsd: number, sizeQty: number | null = null): void {
    this.trade(priceUsd, 1);
    this.quote(Number((priceUsd - 0.1).toFixed(1)), priceUsd, sizeQty, sizeQty);
  }

  place(request: Partial<PlaceOrderRequest> & Pick<PlaceOrderRequest, "side" | "type" | "qty">): StepResult {
    const orderId = request.orderId ?? `o${this.nextOrder++}`;
    return this.run({ kind: "place", tsMs: this.tick(), request: { orderId, clientOrderId: null, symbol: BTC.symbol, ...request } });
  }

  position() {
    return this.state.positions[BTC.symbol];
  }
}

export const ordersIn = (result: StepResult): Order[] =>
  result.events.flatMap((event) => (event.kind === "order" ? [event.order] : []));

export const fillsIn = (events: readonly EngineEvent[]): Fill[] =>
  events.flatMap((event) => (event.kind === "fill" ? [event.fill] : []));

export const lastOrder = (result: StepResult): Order => {
  const orders = ordersIn(result);
  const order = orders[orders.length - 1];
  if (!order) throw new Error("no order event in this step");
  return order;
};

/** Freezes a value deeply, so a step that mutated its input would throw in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
