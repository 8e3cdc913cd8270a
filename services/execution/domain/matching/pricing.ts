// Fees, slippage and the volatility estimate behind it. Every parameter is explicit in EngineConfig.

import { roundToStep } from "./decimal.js";
import type { EngineConfig, FeeSchedule, Liquidity, Side, SlippageModel } from "./types.js";

/** Bybit perpetuals (domain.md "Execution"): maker 0.02 %, taker 0.055 %. */
export const DEFAULT_FEES: FeeSchedule = { makerRate: 0.0002, takerRate: 0.00055 };

/** 1 bp floor, half the recent per-trade volatility, 5 bp more per √(notional / 100 k USD), capped at 1 %. */
export const DEFAULT_SLIPPAGE: SlippageModel = {
  baseFraction: 0.0001,
  volatilityMultiplier: 0.5,
  sizeImpactFraction: 0.0005,
  referenceNotionalUsd: 100_000,
  maxFraction: 0.01,
};

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  fees: DEFAULT_FEES,
  slippage: DEFAULT_SLIPPAGE,
  participationFraction: 1,
  fillAtTouch: true,
  volatilityAlpha: 0.05,
  defaultLeverage: 10,
  fillIdPrefix: "fill",
};

export function feeRate(fees: FeeSchedule, liquidity: Liquidity): number {
  return liquidity === "maker" ? fees.makerRate : fees.takerRate;
}

export function feeUsd(fees: FeeSchedule, liquidity: Liquidity, qty: number, priceUsd: number): number {
  return qty * priceUsd * feeRate(fees, liquidity);
}

/** Slippage fraction for a market order of `notionalUsd` when recent volatility is `volatilityFraction`. */
export function slippageFraction(model: SlippageModel, notionalUsd: number, volatilityFraction: number): number {
  const sizeTerm = model.sizeImpactFraction * Math.sqrt(Math.max(0, notionalUsd) / model.referenceNotionalUsd);
  const raw = model.baseFraction + model.volatilityMultiplier * Math.max(0, volatilityFraction) + sizeTerm;
  return Math.min(model.maxFraction, raw);
}

/** The price a taker gets: worse than the reference by the slippage, snapped to the tick against the taker. */
export function slippedPriceUsd(
  model: SlippageModel,
  side: Side,
  referencePriceUsd: number,
  qty: number,
  volatilityFraction: number,
  tickSizeUsd: number,
): number {
  const fraction = slippageFraction(model, qty * referencePriceUsd, volatilityFraction);
  return side === "buy"
    ? roundToStep(referencePriceUsd * (1 + fraction), tickSizeUsd, "up")
    : Math.max(tickSizeUsd, roundToStep(referencePriceUsd * (1 - fraction), tickSizeUsd, "down"));
}

/** One EWMA step of |ln(p₁ / p₀)|; the first trade leaves the estimate unchanged. */
export function nextVolatility(previousFraction: number, previousPriceUsd: number | null, priceUsd: number, alpha: number): number {
  if (previousPriceUsd === null || !(previousPriceUsd > 0)) return previousFraction;
  const absReturn = Math.abs(Math.log(priceUsd / previousPriceUsd));
  return (1 - alpha) * previousFraction + alpha * absReturn;
}

export function assertValidConfig(config: EngineConfig): void {
  const { fees, slippage } = config;
  if (!(fees.makerRate > -0.01 && fees.makerRate < 0.1) || !(fees.takerRate >= 0 && fees.takerRate < 0.1)) {
    throw new RangeError("fees: maker rate must be in (−1 %, 10 %) and taker rate in [0, 10 %)");
  }
  if (!(slippage.referenceNotionalUsd > 0)) throw new RangeError("slippage.referenceNotionalUsd must be positive");
  for (const key of ["baseFraction", "volatilityMultiplier", "sizeImpactFraction", "maxFraction"] as const) {
    if (!(slippage[key] >= 0)) throw new RangeError(`slippage.${key} must not be negative`);
  }
  if (!(config.participationFraction > 0 && config.participationFraction <= 1)) {
    throw new RangeError("participationFraction must be in (0, 1]");
  }
  if (!(config.volatilityAlpha > 0 && config.volatilityAlpha <= 1)) throw new RangeError("volatilityAlpha must be in (0, 1]");
  if (!(config.defaultLeverage >= 1)) throw new RangeError("defaultLeverage must be at least 1");
}
