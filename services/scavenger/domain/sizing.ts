// The size proposal (domain.md "Scavenger"): quarter Kelly, 0.25 × (W − (1 − W) / R), with W the trap
// type's calibrated win rate (its confidence until enough of its trades have closed) and R the target
// distance over the stop distance. Never negative. The result is a fraction of the phase's allocation
// used as margin, further capped by maxPositionSizePercent and by riskPerTradePercent (the loss at the
// stop). The scavenger proposes; the brain sizes.

import type { ScavengerParameters } from "./scavenger-parameters.js";
import { TRAP_TYPES, trapTypeIndex, type TrapPlan, type TrapType } from "./trap.js";

export type WinRateSource = "calibrated" | "confidence";
export type SizeCap = "kelly" | "max-position-size" | "risk-per-trade";

export interface SizeProposal {
  readonly winRate: number;
  readonly winRateSource: WinRateSource;
  /** R: target distance / stop distance. */
  readonly rewardRiskRatio: number;
  /** kellyMultiplier × (W − (1 − W) / R), floored at 0. */
  readonly kellyFraction: number;
  /** Margin to commit, as a fraction of the allocation: the Kelly fraction after both caps. */
  readonly marginFraction: number;
  /** Which of the three figures set marginFraction. */
  readonly limitedBy: SizeCap;
}

/** Fractional Kelly for win rate W and payoff ratio R; 0 when the edge is not positive or R is meaningless. */
export function fractionalKelly(winRate: number, rewardRiskRatio: number, multiplier = 0.25): number {
  if (!(rewardRiskRatio > 0) || !Number.isFinite(rewardRiskRatio) || !(winRate >= 0 && winRate <= 1)) return 0;
  const kelly = winRate - (1 - winRate) / rewardRiskRatio;
  return kelly > 0 ? multiplier * kelly : 0;
}

/** Closed trades per trap type: the calibration of each type's win rate. */
export class TrapOutcomes {
  private readonly trades = new Float64Array(TRAP_TYPES.length);
  private readonly wins = new Float64Array(TRAP_TYPES.length);

  record(trapType: TrapType, won: boolean): void {
    const i = trapTypeIndex(trapType);
    this.trades[i] = (this.trades[i] as number) + 1;
    if (won) this.wins[i] = (this.wins[i] as number) + 1;
  }

  counts(trapType: TrapType): { trades: number; wins: number } {
    const i = trapTypeIndex(trapType);
    return { trades: this.trades[i] as number, wins: this.wins[i] as number };
  }

  /** The type's own win rate once it has minTrades closed trades, its confidence until then. */
  winRate(trapType: TrapType, confidence: number, minTrades: number): { winRate: number; source: WinRateSource } {
    const { trades, wins } = this.counts(trapType);
    if (trades >= minTrades && trades > 0) return { winRate: wins / trades, source: "calibrated" };
    return { winRate: Math.min(1, Math.max(0, confidence / 100)), source: "confidence" };
  }
}

export function proposeSize(plan: TrapPlan, outcomes: TrapOutcomes, params: ScavengerParameters): SizeProposal {
  const { winRate, source } = outcomes.winRate(plan.trapType, plan.confidence, params.sizing.minTradesForCalibration);
  const stopDistance = Math.abs(plan.triggerPriceUsd - plan.stopLossPriceUsd);
  const targetDistance = Math.abs(plan.takeProfitPriceUsd - plan.triggerPriceUsd);
  const rewardRiskRatio = stopDistance > 0 ? targetDistance / stopDistance : 0;
  const kellyFraction = fractionalKelly(winRate, rewardRiskRatio, params.sizing.kellyMultiplier);
  // Loss at the stop = margin × leverage × stop distance (fraction of price) ≤ riskPerTrade.
  const stopFraction = stopDistance / plan.triggerPriceUsd;
  const riskCap = stopFraction > 0 ? params.riskPerTradePercent / 100 / (plan.leverage * stopFraction) : 0;
  const positionCap = params.maxPositionSizePercent / 100;
  let marginFraction = kellyFraction;
  let limitedBy: SizeCap = "kelly";
  if (positionCap < marginFraction) {
    marginFraction = positionCap;
    limitedBy = "max-position-size";
  }
  if (riskCap < marginFraction) {
    marginFraction = riskCap;
    limitedBy = "risk-per-trade";
  }
  return { winRate, winRateSource: source, rewardRiskRatio, kellyFraction, marginFraction: Math.max(0, marginFraction), limitedBy };
}
