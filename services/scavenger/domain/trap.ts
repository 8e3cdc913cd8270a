// A trap plan: where a trap fires, which way, and where it exits. Calculators and detectors produce
// plans; the trap book arms them; a trade burst at the trigger turns one into a signal.

import { TRAP_TYPES } from "../../shared/contracts/index.js";
import type { ScavengerParameters } from "./scavenger-parameters.js";

export { TRAP_TYPES };
export type TrapType = (typeof TRAP_TYPES)[number];
export type TrapSide = "long" | "short";

export interface TrapPlan {
  readonly trapType: TrapType;
  readonly side: TrapSide;
  /** The structure the trap is built on: a volume cluster, a day's high, a band, or the price at detection. */
  readonly levelPriceUsd: number;
  readonly triggerPriceUsd: number;
  readonly stopLossPriceUsd: number;
  readonly takeProfitPriceUsd: number;
  /** 0–100. */
  readonly confidence: number;
  readonly leverage: number;
}

/** Slots per symbol: one per trap type and side, so re-arming a trap finds its own slot again. */
export const SLOTS_PER_SYMBOL = TRAP_TYPES.length * 2;

export const trapTypeIndex = (trapType: TrapType): number => TRAP_TYPES.indexOf(trapType);
export const slotOf = (trapType: TrapType, side: TrapSide): number => trapTypeIndex(trapType) * 2 + (side === "long" ? 0 : 1);
export const trapTypeOfSlot = (slot: number): TrapType => TRAP_TYPES[slot >> 1] as TrapType;
export const sideOfSlot = (slot: number): TrapSide => ((slot & 1) === 0 ? "long" : "short");

/** A long trap profits above its trigger, a short one below. */
export const directionOf = (side: TrapSide): 1 | -1 => (side === "long" ? 1 : -1);

/**
 * A level trap with the default exits (stop and target at stopLossPercent / takeProfitPercent from the
 * trigger, domain.md "Default stop 1 %, target 3 %") and its leverage capped by maxLeverage.
 */
export function levelTrapPlan(
  trapType: TrapType,
  side: TrapSide,
  levelPriceUsd: number,
  triggerPriceUsd: number,
  confidence: number,
  leverage: number,
  params: ScavengerParameters,
): TrapPlan {
  const direction = directionOf(side);
  return {
    trapType,
    side,
    levelPriceUsd,
    triggerPriceUsd,
    stopLossPriceUsd: triggerPriceUsd * (1 - (direction * params.stopLossPercent) / 100),
    takeProfitPriceUsd: triggerPriceUsd * (1 + (direction * params.takeProfitPercent) / 100),
    confidence,
    leverage: Math.min(leverage, params.maxLeverage),
  };
}

/** Exits on the right sides of the trigger: anything else is not a trade worth proposing. */
export function hasSaneExits(plan: TrapPlan): boolean {
  const d = directionOf(plan.side);
  return (
    plan.triggerPriceUsd > 0 &&
    plan.stopLossPriceUsd > 0 &&
    d * (plan.takeProfitPriceUsd - plan.triggerPriceUsd) > 0 &&
    d * (plan.triggerPriceUsd - plan.stopLossPriceUsd) > 0
  );
}
