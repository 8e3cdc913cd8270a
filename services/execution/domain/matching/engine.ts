// The matching engine: step(state, input) → { state, events }. Pure: time comes only from the inputs,
// ids from the caller or the state's counter, so the same inputs always give the same outputs. The paper
// venue and the Bybit simulator both drive it; neither re-implements the trade lifecycle.

import { isOnStep } from "./decimal.js";
import { StepDraft } from "./draft.js";
import { enforceReduceOnly, fireStops, matchResting } from "./execution.js";
import { assertValidInstrument, checkPrice, type InstrumentSpec } from "./instrument.js";
import { amendOrder, cancelAllOrders, cancelOrder, checkStops, placeOrder } from "./orders.js";
import { flatPosition } from "./position.js";
import { assertValidConfig, DEFAULT_ENGINE_CONFIG, nextVolatility } from "./pricing.js";
import type { EngineConfig, EngineError, EngineInput, EngineState, MarketState, StepResult } from "./types.js";
import { markPriceUsd } from "./wallet.js";

export interface EngineSetup {
  readonly instruments: readonly InstrumentSpec[];
  readonly walletBalanceUsd: number;
  readonly config?: Partial<EngineConfig>;
}

export function createEngineState(setup: EngineSetup): EngineState {
  const config: EngineConfig = { ...DEFAULT_ENGINE_CONFIG, ...setup.config };
  assertValidConfig(config);
  if (!Number.isFinite(setup.walletBalanceUsd)) throw new RangeError("walletBalanceUsd must be a finite number");
  const instruments: Record<string, InstrumentSpec> = {};
  for (const spec of setup.instruments) {
    assertValidInstrument(spec);
    if (instruments[spec.symbol]) throw new RangeError(`instrument ${spec.symbol} listed twice`);
    instruments[spec.symbol] = spec;
  }
  return { config, instruments, markets: {}, openOrders: {}, positions: {}, walletBalanceUsd: setup.walletBalanceUsd, seq: 0 };
}

const finite = (value: number): boolean => typeof value === "number" && Number.isFinite(value);

function refuse(state: EngineState, error: EngineError): StepResult {
  return { state, events: [], error };
}

function emptyMarket(symbol: string, tsMs: number): MarketState {
  return { symbol, lastPriceUsd: null, bidPriceUsd: null, askPriceUsd: null, bidQty: null, askQty: null, volatilityFraction: 0, tsMs };
}

export function step(state: EngineState, input: EngineInput): StepResult {
  if (!finite(input.tsMs) || input.tsMs < 0) return refuse(state, { code: "invalid-market-data", message: `tsMs must be a non-negative number, got ${input.tsMs}` });
  const draft = new StepDraft(state);
  const error = apply(draft, input);
  if (error) return refuse(state, error);
  return draft.finish();
}

function apply(draft: StepDraft, input: EngineInput): EngineError | null {
  switch (input.kind) {
    case "place":
      placeOrder(draft, input.request, input.tsMs);
      return null;
    case "cancel":
      return cancelOrder(draft, input.orderId, input.tsMs);
    case "cancel-all":
      cancelAllOrders(draft, input.symbol, input.tsMs);
      return null;
    case "amend":
      return amendOrder(draft, input.orderId, input, input.tsMs);
    case "trade":
      return onTrade(draft, input);
    case "quote":
      return onQuote(draft, input);
    case "set-leverage":
      return setLeverage(draft, input);
    case "set-position-stops":
      return setPositionStops(draft, input);
    case "override-position":
      return overridePosition(draft, input);
    case "adjust-balance":
      if (!finite(input.amountUsd)) return { code: "invalid-market-data", message: "amountUsd must be a finite number" };
      draft.walletBalanceUsd += input.amountUsd;
      draft.markAccountChanged();
      return null;
  }
}

function onTrade(draft: StepDraft, input: Extract<EngineInput, { kind: "trade" }>): EngineError | null {
  const spec = draft.instrument(input.symbol);
  if (!spec) return { code: "unknown-symbol", message: `unknown symbol ${input.symbol}` };
  if (!(finite(input.priceUsd) && input.priceUsd > 0) || !(finite(input.qty) && input.qty > 0)) {
    return { code: "invalid-market-data", message: "a trade needs a positive price and quantity" };
  }
  const market = draft.markets[input.symbol] ?? emptyMarket(input.symbol, input.tsMs);
  draft.markets[input.symbol] = {
    ...market,
    lastPriceUsd: input.priceUsd,
    volatilityFraction: nextVolatility(market.volatilityFraction, market.lastPriceUsd, input.priceUsd, draft.config.volatilityAlpha),
    tsMs: input.tsMs,
  };
  fireStops(draft, input.symbol, input.priceUsd, input.tsMs);
  const volume = input.qty * draft.config.participationFraction;
  // A trade at exactly our price reached us only if its taker came from the other side (sold into bids).
  matchResting(draft, input.symbol, "buy", input.priceUsd, draft.config.fillAtTouch && input.takerSide === "sell", volume, input.tsMs);
  matchResting(draft, input.symbol, "sell", input.priceUsd, draft.config.fillAtTouch && input.takerSide === "buy", volume, input.tsMs);
  enforceReduceOnly(draft, input.symbol, input.tsMs);
  return null;
}

function onQuote(draft: StepDraft, input: Extract<EngineInput, { kind: "quote" }>): EngineError | null {
  const spec = draft.instrument(input.symbol);
  if (!spec) return { code: "unknown-symbol", message: `unknown symbol ${input.symbol}` };
  const { bidPriceUsd, askPriceUsd } = input;
  const sizeOk = (qty: number | null | undefined) => qty === undefined || qty === null || (finite(qty) && qty >= 0);
  if (!(finite(bidPriceUsd) && bidPriceUsd > 0 && finite(askPriceUsd) && askPriceUsd >= bidPriceUsd) || !sizeOk(input.bidQty) || !sizeOk(input.askQty)) {
    return { code: "invalid-market-data", message: "a quote needs 0 < bid ≤ ask and non-negative sizes" };
  }
  const market = draft.markets[input.symbol] ?? emptyMarket(input.symbol, input.tsMs);
  draft.markets[input.symbol] = {
    ...market,
    bidPriceUsd,
    askPriceUsd,
    bidQty: input.bidQty ?? null,
    askQty: input.askQty ?? null,
    tsMs: input.tsMs,
  };
  // A resting order the new touch reaches has been traded against by it, at the order's own price.
  matchResting(draft, input.symbol, "buy", askPriceUsd, true, input.askQty ?? Number.POSITIVE_INFINITY, input.tsMs);
  matchResting(draft, input.symbol, "sell", bidPriceUsd, true, input.bidQty ?? Number.POSITIVE_INFINITY, input.tsMs);
  enforceReduceOnly(draft, input.symbol, input.tsMs);
  return null;
}

function setLeverage(draft: StepDraft, input: Extract<EngineInput, { kind: "set-leverage" }>): EngineError | null {
  const spec = draft.instrument(input.symbol);
  if (!spec) return { code: "unknown-symbol", message: `unknown symbol ${input.symbol}` };
  if (!(finite(input.leverage) && input.leverage >= 1 && input.leverage <= spec.maxLeverage)) {
    return { code: "invalid-leverage", message: `leverage must be within 1..${spec.maxLeverage}, got ${input.leverage}` };
  }
  draft.setPosition({ ...draft.position(input.symbol, input.tsMs), leverage: input.leverage });
  return null;
}

function setPositionStops(draft: StepDraft, input: Extract<EngineInput, { kind: "set-position-stops" }>): EngineError | null {
  const spec = draft.instrument(input.symbol);
  if (!spec) return { code: "unknown-symbol", message: `unknown symbol ${input.symbol}` };
  const position = draft.positions[input.symbol];
  if (!position || position.side === "flat") return { code: "invalid-stops", message: `no open position on ${input.symbol}` };
  const basePriceUsd = markPriceUsd(draft.markets[input.symbol]) ?? position.avgEntryPriceUsd!;
  const side = position.side === "long" ? "buy" : "sell";
  const invalid = checkStops(side, basePriceUsd, input.stopLossPriceUsd, input.takeProfitPriceUsd, spec);
  if (invalid) return { code: "invalid-stops", message: `${invalid} for a ${position.side} position at ${basePriceUsd}` };
  draft.setPosition({ ...position, stopLossPriceUsd: input.stopLossPriceUsd, takeProfitPriceUsd: input.takeProfitPriceUsd, updatedTsMs: input.tsMs });
  return null;
}

function overridePosition(draft: StepDraft, input: Extract<EngineInput, { kind: "override-position" }>): EngineError | null {
  const spec = draft.instrument(input.symbol);
  if (!spec) return { code: "unknown-symbol", message: `unknown symbol ${input.symbol}` };
  const flat = input.side === "flat";
  if (!finite(input.qty) || input.qty < 0 || !isOnStep(input.qty, spec.lotStepQty) || flat !== (input.qty === 0)) {
    return { code: "invalid-position", message: "qty must be on the lot step, zero exactly when flat" };
  }
  if (!flat && (input.entryPriceUsd === null || checkPrice(spec, input.entryPriceUsd) === "price-not-positive")) {
    return { code: "invalid-position", message: "an open position needs a positive entry price" };
  }
  const previous = draft.positions[input.symbol] ?? flatPosition(input.symbol, draft.config.defaultLeverage, input.tsMs);
  draft.setPosition({
    ...previous,
    side: input.side,
    qty: input.qty,
    avgEntryPriceUsd: flat ? null : input.entryPriceUsd,
    stopLossPriceUsd: flat ? null : previous.stopLossPriceUsd,
    takeProfitPriceUsd: flat ? null : previous.takeProfitPriceUsd,
    createdTsMs: previous.side === "flat" ? input.tsMs : previous.createdTsMs,
    updatedTsMs: input.tsMs,
  });
  enforceReduceOnly(draft, input.symbol, input.tsMs);
  return null;
}
