// The one trading-state model of Titan (domain.md "Trading state"): ACTIVE, REDUCING, HALTED, each
// restriction held by a cause, the effective state the most restrictive of them, and the table of who
// may raise and who may clear each cause. Execution enforces the same model through `isOrderAllowed`.

import type { TRADING_STATES, TradingState, TradingStateCause } from "./contracts/index.js";

export type TradingStateName = (typeof TRADING_STATES)[number];
export type CauseRecord = TradingState["causes"][number];
export type Principal = CauseRecord["raisedBy"];
export type RestrictedState = CauseRecord["state"];
export type Dependency = NonNullable<CauseRecord["dependency"]>;

const RANK: Readonly<Record<TradingStateName, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export const mostRestrictive = (a: TradingStateName, b: TradingStateName): TradingStateName => (RANK[a] >= RANK[b] ? a : b);

export interface CauseRule {
  readonly states: readonly RestrictedState[];
  /** Who may raise it: a principal kind, optionally one service. */
  readonly raisedBy: { readonly kind: Principal["kind"]; readonly id?: string };
  /** `operator`: an operator, with a reason. `self`: the principal that raised it, or the system (timers). */
  readonly clearedBy: "operator" | "self";
  /** Clearing needs a clean reconciliation completed after the cause was raised. */
  readonly needsCleanReconciliation: boolean;
}

/** domain.md's cause table. */
export const CAUSE_RULES: Readonly<Record<TradingStateCause, CauseRule>> = {
  "breaker-hard": { states: ["HALTED"], raisedBy: { kind: "service", id: "brain" }, clearedBy: "operator", needsCleanReconciliation: false },
  "breaker-soft": { states: ["REDUCING"], raisedBy: { kind: "service", id: "brain" }, clearedBy: "self", needsCleanReconciliation: false },
  "operator-halt": { states: ["HALTED"], raisedBy: { kind: "operator" }, clearedBy: "operator", needsCleanReconciliation: false },
  "reconciliation-mismatch": { states: ["HALTED"], raisedBy: { kind: "service", id: "execution" }, clearedBy: "operator", needsCleanReconciliation: true },
  "heartbeat-missing": { states: ["REDUCING"], raisedBy: { kind: "service", id: "execution" }, clearedBy: "self", needsCleanReconciliation: false },
  // Fail-closed: the service that sees the outage chooses REDUCING or HALTED.
  "dependency-unavailable": { states: ["REDUCING", "HALTED"], raisedBy: { kind: "service" }, clearedBy: "self", needsCleanReconciliation: true },
};

export interface TradingStateModel {
  readonly causes: readonly CauseRecord[];
}

export const INITIAL_TRADING_STATE: TradingStateModel = { causes: [] };

/** One cause per kind, except `dependency-unavailable`, which is held once per dependency. */
const keyOf = (cause: TradingStateCause, dependency?: Dependency): string => (cause === "dependency-unavailable" ? `${cause}:${dependency ?? ""}` : cause);

const isLive = (record: CauseRecord, nowMs: number): boolean => record.clearsAtMs === undefined || nowMs < record.clearsAtMs;

/** The most restrictive state among the causes still in force at `nowMs`. */
export function effectiveState(model: TradingStateModel, nowMs: number): TradingStateName {
  return model.causes.filter((c) => isLive(c, nowMs)).reduce<TradingStateName>((state, c) => mostRestrictive(state, c.state), "ACTIVE");
}

export const samePrincipal = (a: Principal, b: Principal): boolean => a.kind === b.kind && a.id === b.id;

export type StateChange = { ok: true; model: TradingStateModel; changed: boolean } | { ok: false; problem: string };

/**
 * Adds a cause. Raising one that is already held changes nothing, unless the new one is more restrictive
 * (a dependency outage escalating from REDUCING to HALTED), which replaces it.
 */
export function raiseCause(model: TradingStateModel, record: CauseRecord): StateChange {
  const rule = CAUSE_RULES[record.cause];
  if (!rule.states.includes(record.state)) return { ok: false, problem: `${record.cause} puts trading in ${rule.states.join(" or ")}, not ${record.state}` };
  if (record.raisedBy.kind !== rule.raisedBy.kind || (rule.raisedBy.id !== undefined && record.raisedBy.id !== rule.raisedBy.id))
    return { ok: false, problem: `${record.cause} is raised by ${describe(rule.raisedBy)}, not ${describe(record.raisedBy)}` };
  if (record.cause === "dependency-unavailable" && record.dependency === undefined) return { ok: false, problem: "dependency-unavailable must name the dependency" };
  if (record.detail.trim() === "") return { ok: false, problem: `${record.cause} needs a detail` };
  const key = keyOf(record.cause, record.dependency);
  const existing = model.causes.find((c) => keyOf(c.cause, c.dependency) === key);
  if (existing && RANK[existing.state] >= RANK[record.state]) return { ok: true, model, changed: false };
  return { ok: true, model: { causes: [...model.causes.filter((c) => c !== existing), record] }, changed: true };
}

export interface ClearRequest {
  readonly cause: TradingStateCause;
  readonly dependency?: Dependency;
  readonly by: Principal;
  /** Required when an operator clears. */
  readonly reason?: string;
  /** When the last clean reconciliation finished, for causes that need one. */
  readonly cleanReconciliationAtMs?: number;
  readonly tsMs: number;
}

export function clearCause(model: TradingStateModel, request: ClearRequest): StateChange & { cleared?: CauseRecord } {
  const key = keyOf(request.cause, request.dependency);
  const existing = model.causes.find((c) => keyOf(c.cause, c.dependency) === key);
  if (!existing) return { ok: false, problem: `${key} is not active` };
  const rule = CAUSE_RULES[request.cause];
  if (rule.clearedBy === "operator") {
    if (request.by.kind !== "operator") return { ok: false, problem: `${request.cause} is cleared by an operator, not ${describe(request.by)}` };
    if ((request.reason ?? "").trim() === "") return { ok: false, problem: `clearing ${request.cause} needs a reason` };
  } else if (!samePrincipal(request.by, existing.raisedBy) && request.by.kind !== "system") {
    return { ok: false, problem: `${request.cause} clears itself (${describe(existing.raisedBy)} or the system), not ${describe(request.by)}` };
  }
  if (rule.needsCleanReconciliation && !(request.cleanReconciliationAtMs !== undefined && request.cleanReconciliationAtMs >= existing.raisedAtMs))
    return { ok: false, problem: `${request.cause} clears only after a clean reconciliation that finished after it was raised` };
  return { ok: true, model: { causes: model.causes.filter((c) => c !== existing) }, changed: true, cleared: existing };
}

/** Drops causes whose own clearing time has come (the SOFT breaker's 30 minutes). */
export function expireCauses(model: TradingStateModel, nowMs: number): { model: TradingStateModel; expired: readonly CauseRecord[] } {
  const expired = model.causes.filter((c) => !isLive(c, nowMs));
  return expired.length === 0 ? { model, expired } : { model: { causes: model.causes.filter((c) => isLive(c, nowMs)) }, expired };
}

export type OrderPurpose = "entry" | "exit" | "stop-loss" | "take-profit" | "flatten" | "cancel";

export interface OrderIntent {
  readonly purpose: OrderPurpose;
  /** Can only shrink a position at the venue. */
  readonly reduceOnly: boolean;
}

/**
 * ACTIVE allows everything. REDUCING and HALTED block new entries only: exits, stops, take-profits,
 * reduce-only orders, cancels and flattening always pass, because blocking them could only keep risk on.
 */
export function isOrderAllowed(state: TradingStateName, intent: OrderIntent): boolean {
  return state === "ACTIVE" || intent.reduceOnly || intent.purpose !== "entry";
}

/** Why an order is blocked, or null when it is allowed. */
export function orderBlockReason(state: TradingStateName, intent: OrderIntent): string | null {
  return isOrderAllowed(state, intent) ? null : `trading is ${state}: new entries are blocked (exits, stops, reduce-only and flatten orders still pass)`;
}

export interface PublishOptions {
  readonly publishedBy: TradingState["publishedBy"];
  readonly sequence: number;
  readonly tsMs: number;
}

/** The trading-state message: the effective state and every cause in force. */
export function tradingStateMessage(model: TradingStateModel, options: PublishOptions): TradingState {
  const causes = model.causes.filter((c) => isLive(c, options.tsMs));
  return { version: 1, state: effectiveState(model, options.tsMs), causes: [...causes], publishedBy: options.publishedBy, sequence: options.sequence, tsMs: options.tsMs };
}

function describe(principal: { kind: string; id?: string }): string {
  return principal.id === undefined ? `a ${principal.kind}` : `${principal.kind} ${principal.id}`;
}
