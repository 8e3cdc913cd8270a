// Trading state as execution enforces it: the one model of domain.md (the brain's domain module, reused
// so both services apply the same rules), fed by two sources. The brain's published state is enforced
// as last heard (its self-clearing causes expire on time even when the brain is gone), and execution's
// own causes — reconciliation, the dead-man switch, lost dependencies, operator halts it received —
// hold by themselves. The enforced state is the most restrictive of the two.

import {
  clearCause,
  effectiveState,
  expireCauses,
  isOrderAllowed,
  mostRestrictive,
  raiseCause,
  tradingStateMessage,
  type CauseRecord,
  type ClearRequest,
  type OrderIntent,
  type StateChange,
  type TradingStateModel,
  type TradingStateName,
} from "../../shared/trading-state.js";
import type { TradingState } from "../../shared/contracts/index.js";

export { clearCause, effectiveState, expireCauses, isOrderAllowed, raiseCause, tradingStateMessage };
export type { CauseRecord, ClearRequest, OrderIntent, StateChange, TradingStateModel, TradingStateName };

export const EMPTY_MODEL: TradingStateModel = { causes: [] };

export interface EnforcedView {
  readonly state: TradingStateName;
  /** Execution's own causes in force. */
  readonly own: readonly CauseRecord[];
  /** The brain's causes in force, as last published. */
  readonly brain: readonly CauseRecord[];
}

export function enforcedView(own: TradingStateModel, brain: TradingState | null, nowMs: number): EnforcedView {
  const brainModel: TradingStateModel = { causes: brain?.causes ?? [] };
  const state = mostRestrictive(effectiveState(own, nowMs), effectiveState(brainModel, nowMs));
  const live = (c: CauseRecord) => c.clearsAtMs === undefined || nowMs < c.clearsAtMs;
  return { state, own: own.causes.filter(live), brain: brainModel.causes.filter(live) };
}

/** A newer brain publication replaces the one held; an older or repeated one is ignored. */
export function acceptBrainState(held: TradingState | null, incoming: TradingState): TradingState | null {
  if (incoming.publishedBy !== "brain") return held;
  if (held && incoming.sequence <= held.sequence) return held;
  return incoming;
}

/** The dead-man switch: true once the brain has been silent for `timeoutMs`. */
export const heartbeatMissing = (lastHeartbeatMs: number, nowMs: number, timeoutMs: number): boolean => nowMs - lastHeartbeatMs >= timeoutMs;

export const STATE_VALUE: Readonly<Record<TradingStateName, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };
