// The three detectors of domain.md "Scavenger": open-interest wipeout, funding squeeze and basis. Each
// is a condition over figures the engine keeps (prices, open interest, funding, cumulative volume delta,
// 5 m bars, the spot price); when it holds it yields a long trap at the current price with the
// detector's own target and stop. Pure functions of their inputs.

import type { ScavengerParameters } from "./scavenger-parameters.js";
import { hasSaneExits, type TrapPlan } from "./trap.js";

export interface OiWipeoutInput {
  readonly lastPriceUsd: number;
  /** Highest trade price within the price window (5 min). */
  readonly windowHighPriceUsd: number;
  readonly openInterestQty: number;
  /** Open interest of the newest sample at least the reference age (5 min) old. */
  readonly referenceOpenInterestQty: number;
  /** Cumulative volume delta over the CVD window (60 s). */
  readonly volumeDeltaQty: number;
}

/**
 * Longs were flushed: price fell ≥ 3 % from its 5-minute high, open interest fell ≥ 20 % against a sample
 * ≥ 5 minutes old, and buyers lead over the last 60 s (CVD > 0). Long at the last price, target 50 % of
 * the drop retraced, stop 2 % below.
 */
export function oiWipeoutTrap(input: OiWipeoutInput, params: ScavengerParameters): TrapPlan | null {
  const p = params.oiWipeout;
  const { lastPriceUsd: price, windowHighPriceUsd: high } = input;
  if (!openInterestWipedOut(input.openInterestQty, input.referenceOpenInterestQty, params) || !(price > 0) || !(high > 0)) return null;
  const priceDrop = (high - price) / high;
  if (priceDrop < p.priceDropPercent / 100 || !(input.volumeDeltaQty > 0)) return null;
  return saneOrNull({
    trapType: "oi-wipeout",
    side: "long",
    levelPriceUsd: price,
    triggerPriceUsd: price,
    takeProfitPriceUsd: price + p.retraceFraction * (high - price),
    stopLossPriceUsd: price * (1 - p.stopLossPercent / 100),
    confidence: p.confidence,
    leverage: Math.min(p.leverage, params.maxLeverage),
  });
}

/**
 * The open-interest half of the wipeout (the detector enabled, open interest down oiDropPercent against
 * the reference): it fails most of the time and needs two numbers, so the engine checks it before it
 * gathers the price window and the volume delta for `oiWipeoutTrap`, which checks it again.
 */
export function openInterestWipedOut(openInterestQty: number, referenceOpenInterestQty: number, params: ScavengerParameters): boolean {
  const p = params.oiWipeout;
  if (!p.enabled || !(referenceOpenInterestQty > 0) || !(openInterestQty >= 0)) return false;
  return !((referenceOpenInterestQty - openInterestQty) / referenceOpenInterestQty < p.oiDropPercent / 100);
}

export interface FundingSqueezeInput {
  readonly lastPriceUsd: number;
  /** Funding per interval as a fraction (−0.0003 = −0.03 %), as the contracts carry it. */
  readonly fundingRate: number;
  /** Lows and highs of the newest closed 5 m bars, oldest first (at least higherLowBars of them). */
  readonly lows: readonly number[];
  readonly highs: readonly number[];
  /** Cumulative volume delta over the CVD window (5 min). */
  readonly volumeDeltaQty: number;
}

/**
 * Shorts are paying and losing: funding below −0.02 %, the last three closed 5 m bars each with a higher
 * low than the one before, and a rising 5-minute CVD (positive: more bought than sold). Long at the last
 * price, target the recent high (the highest high of those bars) × 1.02, stop the last low × 0.995.
 */
export function fundingSqueezeTrap(input: FundingSqueezeInput, params: ScavengerParameters): TrapPlan | null {
  const p = params.fundingSqueeze;
  const n = p.higherLowBars;
  const { lastPriceUsd: price, lows, highs } = input;
  if (!fundingCrowdsShorts(input.fundingRate, params) || !(price > 0) || lows.length < n || highs.length < n || !(input.volumeDeltaQty > 0)) return null;
  const recentLows = lows.slice(-n);
  for (let i = 1; i < n; i++) if (!((recentLows[i] as number) > (recentLows[i - 1] as number))) return null;
  const recentHigh = Math.max(...highs.slice(-n));
  const lastLow = recentLows[n - 1] as number;
  return saneOrNull({
    trapType: "funding-squeeze",
    side: "long",
    levelPriceUsd: lastLow,
    triggerPriceUsd: price,
    takeProfitPriceUsd: recentHigh * (1 + p.targetAboveHighPercent / 100),
    stopLossPriceUsd: lastLow * (1 - p.stopBelowLowPercent / 100),
    confidence: p.confidence,
    leverage: Math.min(p.leverage, params.maxLeverage),
  });
}

/**
 * The funding half of the squeeze (the detector enabled, funding below maxFundingRatePercent): checked by
 * the engine before it gathers the bars and the volume delta for `fundingSqueezeTrap`.
 */
export function fundingCrowdsShorts(fundingRate: number, params: ScavengerParameters): boolean {
  const p = params.fundingSqueeze;
  return p.enabled && fundingRate * 100 < p.maxFundingRatePercent;
}

export interface BasisInput {
  readonly spotPriceUsd: number;
  /** The perpetual's last price. */
  readonly perpPriceUsd: number;
  /** The perpetual's 24 h volume in USD. */
  readonly volume24hUsd: number;
}

/**
 * The perpetual trades at a discount: (spot − perp) / spot above 0.5 % with at least 1 M USD of 24 h
 * volume. Long the perpetual at its price, target spot × 0.999 (convergence), stop 0.5 % below.
 */
export function basisTrap(input: BasisInput, params: ScavengerParameters): TrapPlan | null {
  const p = params.basis;
  const { spotPriceUsd: spot, perpPriceUsd: perp } = input;
  if (!basisDiscountHolds(spot, perp, params) || !(input.volume24hUsd >= p.minVolume24hUsd)) return null;
  return saneOrNull({
    trapType: "basis",
    side: "long",
    levelPriceUsd: spot,
    triggerPriceUsd: perp,
    takeProfitPriceUsd: spot * (1 - p.targetBelowSpotPercent / 100),
    stopLossPriceUsd: perp * (1 - p.stopLossPercent / 100),
    confidence: p.confidence,
    leverage: Math.min(p.leverage, params.maxLeverage),
  });
}

/**
 * The price half of the basis trap (the detector enabled, the perpetual more than minBasisPercent under
 * spot): checked by the engine on each spot price before it sums the 24 h volume for `basisTrap`.
 */
export function basisDiscountHolds(spotPriceUsd: number, perpPriceUsd: number, params: ScavengerParameters): boolean {
  const p = params.basis;
  if (!p.enabled || !(spotPriceUsd > 0) || !(perpPriceUsd > 0)) return false;
  return (spotPriceUsd - perpPriceUsd) / spotPriceUsd > p.minBasisPercent / 100;
}

const saneOrNull = (plan: TrapPlan): TrapPlan | null => (hasSaneExits(plan) ? plan : null);
