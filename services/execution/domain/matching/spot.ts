// Spot trading on the perpetuals engine. The engine is run at leverage 1 and only ever holds long
// positions: then a position is the base asset held (bought, and not sold again), and the quote asset is
// the wallet less what the holdings cost (Σ qty × average entry), because at leverage 1 buying moves
// exactly that much out of the quote balance and realised PnL brings the rest back. What the engine
// alone would allow and spot does not — selling more than is held (it would open a short), buying for
// more quote than is free — is refused here before the engine sees the order. Fees are charged in the
// quote asset. The paper spot venue and the MEXC simulator both keep their books this way.

import { roundToStep } from "./decimal.js";
import { leavesQty, markPriceUsd } from "./wallet.js";
import type { EngineInput, EngineState, OrderType, Side } from "./types.js";

export interface SpotAssetBalance {
  readonly asset: string;
  /** Available for new orders. */
  readonly free: number;
  /** Held by working orders: a buy's quote at its limit price, a sell's base quantity. */
  readonly locked: number;
}

/** Quote asset precision: balances are rounded here so float residue never shows as dust. */
const QUOTE_STEP = 1e-8;

/** Every asset's balance: the quote asset first, then each base asset with a holding or an order. */
export function spotBalances(state: EngineState, quoteAsset: string): SpotAssetBalance[] {
  let quoteTotal = state.walletBalanceUsd;
  for (const position of Object.values(state.positions)) if (position.side === "long") quoteTotal -= position.qty * (position.avgEntryPriceUsd ?? 0);
  const lockedBase = new Map<string, number>();
  let lockedQuote = 0;
  for (const order of Object.values(state.openOrders)) {
    if (order.side === "buy") lockedQuote += leavesQty(order) * (order.limitPriceUsd ?? 0);
    else lockedBase.set(order.symbol, (lockedBase.get(order.symbol) ?? 0) + leavesQty(order));
  }
  const out: SpotAssetBalance[] = [{ asset: quoteAsset, free: roundToStep(quoteTotal - lockedQuote, QUOTE_STEP), locked: roundToStep(lockedQuote, QUOTE_STEP) }];
  for (const spec of Object.values(state.instruments)) {
    const held = state.positions[spec.symbol]?.side === "long" ? state.positions[spec.symbol]!.qty : 0;
    const locked = lockedBase.get(spec.symbol) ?? 0;
    if (held === 0 && locked === 0) continue;
    out.push({ asset: spec.baseAsset, free: roundToStep(held - locked, spec.lotStepQty), locked: roundToStep(locked, spec.lotStepQty) });
  }
  return out;
}

export type SpotRefusal = "oversold" | "insufficient-balance" | "no-market-price";

export interface SpotOrderCheck {
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: number;
  readonly limitPriceUsd: number | null;
}

/**
 * Whether the account can pay for the order: a sell needs the base asset free, a buy the quote at its
 * limit price (a market buy at the ask plus the slippage cap) plus the taker fee.
 */
export function checkSpotOrder(state: EngineState, order: SpotOrderCheck): SpotRefusal | null {
  const spec = state.instruments[order.symbol];
  if (!spec) return null; // the engine refuses unknown symbols with its own reason
  const balances = spotBalances(state, spec.quoteAsset);
  const freeOf = (asset: string) => balances.find((b) => b.asset === asset)?.free ?? 0;
  if (order.side === "sell") return order.qty > freeOf(spec.baseAsset) + spec.lotStepQty * 1e-6 ? "oversold" : null;
  const market = state.markets[order.symbol];
  const referenceUsd = order.limitPriceUsd ?? (market?.askPriceUsd ?? markPriceUsd(market));
  if (referenceUsd === null || referenceUsd === undefined) return "no-market-price";
  const priceUsd = order.type === "market" ? referenceUsd * (1 + state.config.slippage.maxFraction) : referenceUsd;
  const costUsd = order.qty * priceUsd * (1 + state.config.fees.takerRate);
  return costUsd > freeOf(spec.quoteAsset) + 1e-9 ? "insufficient-balance" : null;
}

/**
 * Engine inputs that set an asset's holding to `qty` (a deposit, a withdrawal, a trade made elsewhere):
 * the quote asset keeps its balance, the holding is valued at `priceUsd`. For the quote asset itself, an
 * adjustment of the wallet by the difference.
 */
export function setSpotHoldingInputs(state: EngineState, asset: string, qty: number, priceUsd: number, tsMs: number): EngineInput[] {
  const spec = Object.values(state.instruments).find((s) => s.baseAsset === asset);
  if (!spec) {
    const current = spotBalances(state, asset)[0]!;
    return [{ kind: "adjust-balance", tsMs, amountUsd: qty - (current.free + current.locked) }];
  }
  const position = state.positions[spec.symbol];
  const heldCostUsd = position?.side === "long" ? position.qty * (position.avgEntryPriceUsd ?? 0) : 0;
  const snapped = roundToStep(qty, spec.lotStepQty);
  const entryPriceUsd = roundToStep(priceUsd, spec.tickSizeUsd);
  // The new holding's cost replaces the old one's in the wallet, so the quote balance does not move.
  return [
    { kind: "adjust-balance", tsMs, amountUsd: snapped * entryPriceUsd - heldCostUsd },
    { kind: "override-position", tsMs, symbol: spec.symbol, side: snapped > 0 ? "long" : "flat", qty: snapped, entryPriceUsd: snapped > 0 ? entryPriceUsd : null },
  ];
}
