// Treasury sweep (domain.md "Manual override and treasury"): profits above what the futures phases need
// move to spot. Target = E × (w1 + w2); when the futures balance exceeds 1.2 × target, move
// min(balance − target, balance − 200 USD reserve). Checked once per UTC day and whenever equity rose more
// than 10 % above the high-watermark of the last check. The brain decides; execution transfers.

import type { ControlCommand } from "../../shared/contracts/index.js";
import type { PhaseWeights } from "./allocation.js";
import type { BrainParameters } from "./brain-parameters.js";
import { BRAIN_PRINCIPAL } from "./circuit-breaker.js";
import { deterministicUuid } from "./deterministic-ids.js";
import { startOfUtcDayMs } from "./risk.js";

export type TransferCommand = Extract<ControlCommand, { command: "transfer" }>;
export type Venue = TransferCommand["venue"];

export interface TreasuryState {
  /** The highest equity seen at a sweep check: the base of the equity-rise trigger. */
  readonly highWatermarkUsd: number | null;
  /** 00:00 UTC of the day of the last check. */
  readonly lastCheckDayStartMs: number | null;
}

export const INITIAL_TREASURY_STATE: TreasuryState = { highWatermarkUsd: null, lastCheckDayStartMs: null };

export interface TreasuryInputs {
  readonly equityUsd: number;
  readonly futuresBalanceUsd: number;
  /** The allocation's target weights (an override's, while one is active). */
  readonly weights: PhaseWeights;
  readonly venue: Venue;
  readonly asset?: string;
  readonly nowMs: number;
}

export interface SweepFigures {
  readonly targetUsd: number;
  readonly triggerUsd: number;
  readonly amountUsd: number;
}

/** The sweep the rule asks for at these figures; amount 0 when none (rounded down to cents). */
export function sweepFigures(equityUsd: number, futuresBalanceUsd: number, weights: PhaseWeights, params: BrainParameters): SweepFigures {
  const t = params.treasury;
  const targetUsd = Math.max(0, equityUsd * (weights[1] + weights[2]));
  const triggerUsd = t.sweepTriggerMultiple * targetUsd;
  if (!(futuresBalanceUsd > triggerUsd)) return { targetUsd, triggerUsd, amountUsd: 0 };
  const raw = Math.min(futuresBalanceUsd - targetUsd, futuresBalanceUsd - t.reserveUsd);
  const amountUsd = Math.floor(Math.max(0, raw) * 100) / 100;
  return { targetUsd, triggerUsd, amountUsd: amountUsd >= t.minTransferUsd ? amountUsd : 0 };
}

export type SweepTrigger = "daily" | "equity-rise";

export interface TreasuryCheck {
  readonly state: TreasuryState;
  /** Why a check ran now; null when none was due. */
  readonly trigger: SweepTrigger | null;
  readonly figures: SweepFigures | null;
  readonly transfer: TransferCommand | null;
}

/** Whether a sweep check is due at `nowMs`, and why: the first check of a UTC day, or equity > 1.1 × watermark. */
export function sweepTrigger(state: TreasuryState, equityUsd: number, nowMs: number, params: BrainParameters): SweepTrigger | null {
  if (state.lastCheckDayStartMs === null || state.lastCheckDayStartMs < startOfUtcDayMs(nowMs)) return "daily";
  if (state.highWatermarkUsd !== null && equityUsd > state.highWatermarkUsd * (1 + params.treasury.equityRiseTriggerFraction)) return "equity-rise";
  return null;
}

/** Runs the check when one is due and returns the transfer command (as data) when the rule asks for one. */
export function treasuryCheck(state: TreasuryState, inputs: TreasuryInputs, params: BrainParameters): TreasuryCheck {
  const trigger = sweepTrigger(state, inputs.equityUsd, inputs.nowMs, params);
  if (trigger === null) return { state, trigger, figures: null, transfer: null };
  const next: TreasuryState = {
    highWatermarkUsd: Math.max(state.highWatermarkUsd ?? inputs.equityUsd, inputs.equityUsd),
    lastCheckDayStartMs: startOfUtcDayMs(inputs.nowMs),
  };
  const figures = sweepFigures(inputs.equityUsd, inputs.futuresBalanceUsd, inputs.weights, params);
  if (figures.amountUsd === 0) return { state: next, trigger, figures, transfer: null };
  const transfer: TransferCommand = {
    version: 1,
    commandId: deterministicUuid("treasury-command", inputs.nowMs, figures.amountUsd),
    issuedBy: BRAIN_PRINCIPAL,
    reason:
      `treasury sweep (${trigger}): futures balance ${inputs.futuresBalanceUsd.toFixed(2)} USD is above ` +
      `${params.treasury.sweepTriggerMultiple} × target ${figures.targetUsd.toFixed(2)} USD`,
    tsMs: inputs.nowMs,
    command: "transfer",
    transferId: deterministicUuid("treasury-transfer", inputs.nowMs, figures.amountUsd),
    venue: inputs.venue,
    asset: inputs.asset ?? "USDT",
    amountUsd: figures.amountUsd,
    fromAccount: "futures",
    toAccount: "spot",
  };
  return { state: next, trigger, figures, transfer };
}
