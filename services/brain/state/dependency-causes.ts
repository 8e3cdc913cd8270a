// The brain's own fail-closed causes for the dependencies it cannot work without (domain.md "Trading
// state": PostgreSQL, Redis or venue unavailable → REDUCING or HALTED, chosen by the service that sees
// it, cleared by itself after recovery). They are held in memory, beside the persisted state, never in
// it: while PostgreSQL is gone nothing can be persisted, and a cause only this process can see must not
// outlive it in the state row. Pure: the dependency watch feeds it check results and the time.

import { effectiveState, raiseCause, type CauseRecord, type RestrictedState, type TradingStateModel, type TradingStateName } from "../domain/index.js";

export const WATCHED_DEPENDENCIES = ["postgres", "redis"] as const;
export type WatchedDependency = (typeof WATCHED_DEPENDENCIES)[number];

/**
 * Without PostgreSQL the brain can commit nothing, not even a veto: HALTED. Without Redis it can read no
 * signal and publish no decision, while what it holds stays valid: REDUCING. Execution makes the same
 * choice for the same outages, so one outage reads the same everywhere.
 */
export const DEPENDENCY_CAUSE_STATE: Readonly<Record<WatchedDependency, RestrictedState>> = { postgres: "HALTED", redis: "REDUCING" };

const DETAIL: Readonly<Record<WatchedDependency, string>> = {
  postgres: "PostgreSQL does not answer: the brain can commit nothing, so no signal can be decided",
  redis: "Redis does not answer: the brain can read no signal and publish no decision",
};

export const BRAIN_PRINCIPAL = { kind: "service", id: "brain" } as const;

export interface DependencyWatchPolicy {
  /** Failed checks in a row before the cause is raised: one slow answer on a busy machine is not an outage. */
  readonly failuresToRaise: number;
  /** Good checks in a row before it clears (for PostgreSQL a good check includes a clean reload of the state). */
  readonly answersToClear: number;
}

export const DEFAULT_DEPENDENCY_WATCH_POLICY: DependencyWatchPolicy = { failuresToRaise: 2, answersToClear: 1 };

export interface DependencyStatus {
  readonly failuresInARow: number;
  readonly answersInARow: number;
  readonly held: CauseRecord | null;
}

export type DependencyWatchState = Readonly<Record<WatchedDependency, DependencyStatus>>;

const HEALTHY: DependencyStatus = { failuresInARow: 0, answersInARow: 0, held: null };
export const INITIAL_DEPENDENCY_WATCH: DependencyWatchState = { postgres: HEALTHY, redis: HEALTHY };

export interface DependencyCheck {
  readonly dependency: WatchedDependency;
  /** The dependency answered within the watch's timeout. */
  readonly ok: boolean;
  readonly atMs: number;
}

export type DependencyEpisodeEvent =
  | { readonly kind: "raised"; readonly record: CauseRecord }
  | { readonly kind: "cleared"; readonly record: CauseRecord; readonly clearedAtMs: number };

/** Problems with a policy, one line each (empty when valid). */
export function policyProblems(policy: DependencyWatchPolicy): string[] {
  const problems: string[] = [];
  for (const key of ["failuresToRaise", "answersToClear"] as const) {
    const value = policy[key];
    if (!Number.isInteger(value) || value < 1) problems.push(`${key} must be a whole number of checks ≥ 1, not ${value}`);
  }
  return problems;
}

/** One check's result: the cause is raised after enough failures in a row and cleared after enough answers in a row. */
export function observeCheck(state: DependencyWatchState, check: DependencyCheck, policy: DependencyWatchPolicy): { state: DependencyWatchState; event: DependencyEpisodeEvent | null } {
  const before = state[check.dependency];
  const failuresInARow = check.ok ? 0 : before.failuresInARow + 1;
  const answersInARow = check.ok ? before.answersInARow + 1 : 0;
  let held = before.held;
  let event: DependencyEpisodeEvent | null = null;
  if (held === null && failuresInARow >= policy.failuresToRaise) {
    held = { cause: "dependency-unavailable", state: DEPENDENCY_CAUSE_STATE[check.dependency], raisedBy: BRAIN_PRINCIPAL, raisedAtMs: check.atMs, detail: DETAIL[check.dependency], dependency: check.dependency };
    event = { kind: "raised", record: held };
  } else if (held !== null && answersInARow >= policy.answersToClear) {
    event = { kind: "cleared", record: held, clearedAtMs: check.atMs };
    held = null;
  }
  return { state: { ...state, [check.dependency]: { failuresInARow, answersInARow, held } }, event };
}

export const heldCauses = (state: DependencyWatchState): CauseRecord[] => WATCHED_DEPENDENCIES.flatMap((d) => (state[d].held === null ? [] : [state[d].held]));

/** Where a source of held causes is needed: the watch's, or none. */
export type HeldCauses = () => readonly CauseRecord[];
export const NO_HELD_CAUSES: HeldCauses = () => [];

/**
 * The persisted trading-state model with the held causes added, through the one model's own rules: this
 * is what the brain's metrics, heartbeat, API and signal approval all see.
 */
export function withHeldCauses(model: TradingStateModel, held: readonly CauseRecord[]): TradingStateModel {
  let composed = model;
  for (const record of held) {
    const raised = raiseCause(composed, record);
    // A held cause is built here and always valid; refusing one would silently hide an outage.
    if (!raised.ok) throw new Error(`held cause refused by the trading-state rules: ${raised.problem}`);
    composed = raised.model;
  }
  return composed;
}

export const effectiveStateWithHeld = (model: TradingStateModel, held: readonly CauseRecord[], nowMs: number): TradingStateName => effectiveState(withHeldCauses(model, held), nowMs);
