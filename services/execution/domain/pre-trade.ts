// Pre-trade checks (domain.md "Execution"): an order command becomes an order plan — type, price and
// size on the instrument's grid, stops attached — or a refusal with its reason. Pure: the caller hands
// in the instrument, the quote, the price velocity, the shadow position and the enforced trading state.

import type { OrderCommand, TradingState } from "../../shared/contracts/index.js";
import { deriveClientOrderId } from "../../shared/client-order-id.js";
import { roundToStep } from "./matching/index.js";
import { DEFAULT_VELOCITY_THRESHOLDS, limitPriceFor, orderTypeForVelocity, type Quote, type VelocityThresholds } from "./order-type.js";
import { attachesToEntry, type TakeProfitTarget } from "./take-profit-legs.js";
import type { Instrument, OrderRequest, OrderType } from "./venue-types.js";

export type TradingStateName = TradingState["state"];

export const REFUSAL_REASONS = [
  "expired",
  "client-order-id-mismatch",
  "unknown-symbol",
  "trading-state",
  "no-market-price",
  "price-out-of-band",
  "size-below-minimum",
  "size-above-maximum",
  "notional-below-minimum",
  "invalid-stop-loss",
  "invalid-take-profit",
  "reduce-only-no-position",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface PreTradePolicy {
  /** How far (fraction) the market may be outside the command's entry zone, and a limit from the market. */
  readonly priceBandFraction: number;
  /** "auto" picks by price velocity; a fixed type is for operations and tests. */
  readonly orderType: "auto" | OrderType;
  readonly thresholds: VelocityThresholds;
  readonly postOnlyTimeoutMs: number;
}

export const DEFAULT_PRE_TRADE_POLICY: PreTradePolicy = {
  priceBandFraction: 0.02,
  orderType: "auto",
  thresholds: DEFAULT_VELOCITY_THRESHOLDS,
  postOnlyTimeoutMs: 5_000,
};

export interface OrderPlan extends OrderRequest {
  readonly commandId: string;
  readonly leverage: number;
  readonly referencePriceUsd: number;
  readonly velocityPerSecond: number;
  /** A post-only order still open after this long is cancelled (partial fills kept); null otherwise. */
  readonly postOnlyTimeoutMs: number | null;
  /** Entries are blocked by a restricted trading state; exits never are. */
  readonly purpose: "entry" | "exit";
  /**
   * Take-profit legs placed as reduce-only limits once the entry has filled (prices on the tick); empty
   * when the one leg travels with the entry. Absent in plans recorded before legs existed.
   */
  readonly takeProfitLegs?: readonly TakeProfitTarget[];
}

export interface PreTradeInput {
  readonly command: OrderCommand;
  /** The venue's symbol the command's symbol resolves to, and its rules; undefined when unknown. */
  readonly symbol: string;
  readonly instrument: Instrument | undefined;
  readonly tradingState: TradingStateName;
  readonly quote: Quote | null;
  readonly velocityPerSecond: number;
  /** The shadow position on the symbol (for reduce-only commands). */
  readonly position: { readonly side: "long" | "short" | "flat"; readonly qty: number } | null;
  readonly nowMs: number;
  readonly policy: PreTradePolicy;
}

export type PreTradeResult =
  | { readonly ok: true; readonly plan: OrderPlan }
  | {
      readonly ok: false;
      readonly status: "rejected" | "expired";
      readonly reason: RefusalReason;
      readonly detail: string;
      /** What the order would have been, for the refusal's report. */
      readonly orderType: OrderType;
      readonly qty: number;
      readonly limitPriceUsd: number | null;
    };

/** The client order ids a command may carry: derived from its signal id (entry or exit leg). */
export const expectedClientOrderIds = (signalId: string): readonly string[] => [deriveClientOrderId(signalId, "entry"), deriveClientOrderId(signalId, "exit")];

export function checkOrderCommand(input: PreTradeInput): PreTradeResult {
  const { command, instrument, quote, policy } = input;
  const zoneMid = (command.entryZone.lowPriceUsd + command.entryZone.highPriceUsd) / 2;
  let orderType: OrderType = policy.orderType === "auto" ? orderTypeForVelocity(input.velocityPerSecond, policy.thresholds) : policy.orderType;
  let qty = command.notionalUsd / (quote?.lastPriceUsd ?? zoneMid);
  let limitPriceUsd: number | null = null;
  const refuse = (reason: RefusalReason, detail: string, status: "rejected" | "expired" = "rejected"): PreTradeResult => ({ ok: false, status, reason, detail, orderType, qty, limitPriceUsd });

  if (input.nowMs > command.expiresAtMs) return refuse("expired", `the command expired at ${new Date(command.expiresAtMs).toISOString()}`, "expired");
  if (!expectedClientOrderIds(command.signalId).includes(command.clientOrderId)) {
    return refuse("client-order-id-mismatch", `client order id ${command.clientOrderId} is not derived from signal ${command.signalId}`);
  }
  if (!instrument) return refuse("unknown-symbol", `symbol ${command.symbol} is not traded on this venue`);
  const purpose = command.reduceOnly ? "exit" : "entry";
  if (purpose === "entry" && input.tradingState !== "ACTIVE") {
    return refuse("trading-state", `trading is ${input.tradingState}: new entries are blocked (exits, stops, reduce-only and flatten orders still pass)`);
  }
  if (!quote || !(quote.lastPriceUsd > 0)) return refuse("no-market-price", `no current price for ${input.symbol}`);

  const band = policy.priceBandFraction;
  const last = quote.lastPriceUsd;
  if (last < command.entryZone.lowPriceUsd * (1 - band) || last > command.entryZone.highPriceUsd * (1 + band)) {
    return refuse("price-out-of-band", `market ${last} is more than ${band * 100} % outside the entry zone ${command.entryZone.lowPriceUsd}-${command.entryZone.highPriceUsd}`);
  }
  // A post-only order on a market that just had no touch on its side still joins at one tick away.
  limitPriceUsd = limitPriceFor(orderType, command.side, quote, instrument.tickSizeUsd);
  if (limitPriceUsd !== null && Math.abs(limitPriceUsd - last) / last > band) {
    return refuse("price-out-of-band", `limit ${limitPriceUsd} is more than ${band * 100} % from the market ${last}`);
  }
  const priceUsd = limitPriceUsd ?? last;
  qty = roundToStep(command.notionalUsd / priceUsd, instrument.lotStepQty, "down");

  if (command.reduceOnly) {
    const pos = input.position;
    const reducible = pos && ((pos.side === "long" && command.side === "sell") || (pos.side === "short" && command.side === "buy")) ? pos.qty : 0;
    if (reducible <= 0) return refuse("reduce-only-no-position", `no ${command.side === "sell" ? "long" : "short"} position on ${input.symbol} to reduce`);
    qty = Math.min(qty, reducible);
    // An exit should not wait in the book while the position runs: at least a limit at the touch.
    if (orderType === "post-only") {
      orderType = "limit";
      limitPriceUsd = limitPriceFor("limit", command.side, quote, instrument.tickSizeUsd);
    }
  }
  if (qty < instrument.minQty) return refuse("size-below-minimum", `${qty} is below the minimum size ${instrument.minQty} of ${input.symbol}`);
  if (qty > instrument.maxQty) return refuse("size-above-maximum", `${qty} is above the maximum size ${instrument.maxQty} of ${input.symbol}`);
  if (qty * priceUsd < instrument.minNotionalUsd) return refuse("notional-below-minimum", `${qty * priceUsd} USD is below the minimum order value ${instrument.minNotionalUsd}`);

  let stopLossPriceUsd: number | null = null;
  let takeProfitPriceUsd: number | null = null;
  let takeProfitLegs: TakeProfitTarget[] = [];
  if (!command.reduceOnly) {
    const buy = command.side === "buy";
    const sl = roundToStep(command.stopLossPriceUsd, instrument.tickSizeUsd);
    const base = Math.max(last, priceUsd);
    const low = Math.min(last, priceUsd);
    if (buy ? !(sl < low) : !(sl > base)) return refuse("invalid-stop-loss", `stop loss ${sl} is on the wrong side of ${buy ? low : base} for a ${command.side}`);
    // Every leg must be a profit: a leg on the wrong side would close the position at a loss at once.
    const legs = command.takeProfits.map((t) => ({ priceUsd: roundToStep(t.priceUsd, instrument.tickSizeUsd), fraction: t.fraction }));
    for (const [i, { priceUsd: tp }] of legs.entries()) {
      const leg = legs.length > 1 ? ` (leg ${i + 1})` : "";
      if (buy ? !(tp > base) : !(tp < low)) return refuse("invalid-take-profit", `take profit ${tp}${leg} is on the wrong side of ${buy ? base : low} for a ${command.side}`);
    }
    stopLossPriceUsd = sl;
    // One leg for the whole position travels with the entry; otherwise the legs follow its fills.
    if (attachesToEntry(legs)) takeProfitPriceUsd = legs[0]!.priceUsd;
    else takeProfitLegs = legs;
  }
  return {
    ok: true,
    plan: {
      commandId: command.commandId,
      clientOrderId: command.clientOrderId,
      symbol: input.symbol,
      side: command.side,
      orderType,
      qty,
      limitPriceUsd,
      reduceOnly: command.reduceOnly,
      stopLossPriceUsd,
      takeProfitPriceUsd,
      leverage: Math.min(Math.max(1, Math.floor(command.leverage)), instrument.maxLeverage),
      referencePriceUsd: last,
      velocityPerSecond: input.velocityPerSecond,
      postOnlyTimeoutMs: orderType === "post-only" ? policy.postOnlyTimeoutMs : null,
      purpose,
      takeProfitLegs,
    },
  };
}
