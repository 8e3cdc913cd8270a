// The circuit breaker (domain.md "Circuit breaker"), as a state machine: (state, input) → (state, effects).
// Effects are data — the breaker event, the flatten command, the trading-state causes — that the brain's
// adapter writes to its outbox in the same transaction as the new state.
//
//   HARD: daily drawdown ≥ 15 % from start-of-day equity, or equity < 150 USD → flatten all, HALTED,
//         until an operator resets it with a reason.
//   SOFT: 3 consecutive losing trades within 1 hour → REDUCING for 30 minutes, then it resets itself.

import type { BreakerEvent, ControlCommand } from "../../shared/contracts/index.js";
import type { BrainParameters } from "./brain-parameters.js";
import { deterministicUuid } from "./deterministic-ids.js";
import { dailyDrawdownFraction } from "./risk.js";
import type { CauseRecord, Principal } from "../../shared/trading-state.js";

export type BreakerFigures = BreakerEvent["figures"];
export type HardTrigger = "daily-drawdown" | "min-equity";

export interface HardTrip {
  readonly trigger: HardTrigger;
  readonly trippedAtMs: number;
  readonly detail: string;
}

export interface SoftTrip {
  readonly trippedAtMs: number;
  readonly resetsAtMs: number;
  readonly detail: string;
}

export interface BreakerState {
  readonly hard: HardTrip | null;
  readonly soft: SoftTrip | null;
  /** Close times of the current run of consecutive losing trades (at most the SOFT limit), oldest first. */
  readonly lossStreakMs: readonly number[];
  /** The latest figures seen: a reset is judged against them. */
  readonly figures: BreakerFigures;
}

export const INITIAL_BREAKER_STATE: BreakerState = {
  hard: null,
  soft: null,
  lossStreakMs: [],
  figures: { equityUsd: 0, startOfDayEquityUsd: 0, dailyDrawdownFraction: 0, consecutiveLosses: 0 },
};

export type BreakerInput =
  | { readonly kind: "equity"; readonly equityUsd: number; readonly startOfDayEquityUsd: number; readonly tsMs: number }
  | { readonly kind: "trade-closed"; readonly pnlUsd: number; readonly tsMs: number }
  | { readonly kind: "tick"; readonly tsMs: number }
  | { readonly kind: "operator-reset"; readonly actor: Principal; readonly reason: string; readonly tsMs: number };

export type BreakerEffect =
  | { readonly kind: "publish-breaker-event"; readonly event: BreakerEvent }
  | { readonly kind: "publish-control-command"; readonly command: ControlCommand }
  | { readonly kind: "raise-trading-cause"; readonly cause: CauseRecord }
  | { readonly kind: "clear-trading-cause"; readonly cause: "breaker-hard" | "breaker-soft"; readonly by: Principal; readonly reason: string; readonly tsMs: number };

export interface BreakerTransition {
  readonly state: BreakerState;
  readonly effects: readonly BreakerEffect[];
  /** Set when the input was refused; the state is then unchanged and there are no effects. */
  readonly refused?: string;
}

export const BRAIN_PRINCIPAL: Principal = { kind: "service", id: "brain" };
export const COOLDOWN_PRINCIPAL: Principal = { kind: "system", id: "breaker-cooldown" };
const MAX_REASON_CHARS = 1_000;

export interface BreakerStatus {
  readonly hardActive: boolean;
  readonly softActive: boolean;
  /** The most severe active breaker. */
  readonly active: "HARD" | "SOFT" | null;
  readonly softResetsAtMs: number | null;
}

/** What the breaker says at `nowMs`, counting a SOFT trip whose cooldown has run out as reset. */
export function breakerStatus(state: BreakerState, nowMs: number): BreakerStatus {
  const softActive = state.soft !== null && nowMs < state.soft.resetsAtMs;
  const hardActive = state.hard !== null;
  return { hardActive, softActive, active: hardActive ? "HARD" : softActive ? "SOFT" : null, softResetsAtMs: softActive ? (state.soft?.resetsAtMs ?? null) : null };
}

/** The HARD condition on the given figures, or null when it does not hold. */
export function hardCondition(figures: BreakerFigures, params: BrainParameters): { trigger: HardTrigger; detail: string } | null {
  const b = params.breaker;
  if (figures.equityUsd < b.hardMinEquityUsd)
    return { trigger: "min-equity", detail: `equity ${figures.equityUsd.toFixed(2)} USD is below the ${b.hardMinEquityUsd} USD minimum` };
  if (figures.dailyDrawdownFraction >= b.hardDailyDrawdownFraction)
    return {
      trigger: "daily-drawdown",
      detail: `daily drawdown ${(figures.dailyDrawdownFraction * 100).toFixed(2)} % from ${figures.startOfDayEquityUsd.toFixed(2)} USD reached the ${b.hardDailyDrawdownFraction * 100} % limit`,
    };
  return null;
}

function breakerEvent(
  breaker: "HARD" | "SOFT",
  action: "trip" | "reset",
  trigger: BreakerEvent["trigger"],
  actor: Principal,
  detail: string,
  figures: BreakerFigures,
  tsMs: number,
  resetsAtMs?: number,
): BreakerEffect {
  const event: BreakerEvent = {
    version: 1,
    eventId: deterministicUuid("breaker-event", breaker, action, trigger, tsMs),
    breaker,
    action,
    trigger,
    actor,
    detail,
    figures,
    ...(resetsAtMs === undefined ? {} : { resetsAtMs }),
    tsMs,
  };
  return { kind: "publish-breaker-event", event };
}

/** Applies an expired SOFT cooldown before anything else, so every input sees the breaker as it is at its time. */
function expireSoft(state: BreakerState, tsMs: number): BreakerTransition {
  if (state.soft === null || tsMs < state.soft.resetsAtMs) return { state, effects: [] };
  const atMs = state.soft.resetsAtMs;
  const detail = `the ${formatMinutes(atMs - state.soft.trippedAtMs)} cooldown elapsed`;
  return {
    state: { ...state, soft: null },
    effects: [
      breakerEvent("SOFT", "reset", "cooldown-elapsed", COOLDOWN_PRINCIPAL, detail, state.figures, atMs),
      { kind: "clear-trading-cause", cause: "breaker-soft", by: COOLDOWN_PRINCIPAL, reason: detail, tsMs: atMs },
    ],
  };
}

function tripHard(state: BreakerState, trip: { trigger: HardTrigger; detail: string }, tsMs: number): BreakerTransition {
  const flatten: ControlCommand = {
    version: 1,
    commandId: deterministicUuid("breaker-flatten", tsMs),
    issuedBy: BRAIN_PRINCIPAL,
    reason: `circuit breaker HARD: ${trip.detail}`,
    tsMs,
    command: "flatten",
  };
  return {
    // The flatten's own losing closes are the HARD trip's consequence, not a new losing streak.
    state: { ...state, hard: { ...trip, trippedAtMs: tsMs }, lossStreakMs: [] },
    effects: [
      breakerEvent("HARD", "trip", trip.trigger, BRAIN_PRINCIPAL, trip.detail, state.figures, tsMs),
      { kind: "publish-control-command", command: flatten },
      { kind: "raise-trading-cause", cause: { cause: "breaker-hard", state: "HALTED", raisedBy: BRAIN_PRINCIPAL, raisedAtMs: tsMs, detail: trip.detail } },
    ],
  };
}

function onEquity(state: BreakerState, input: Extract<BreakerInput, { kind: "equity" }>, params: BrainParameters): BreakerTransition {
  const figures: BreakerFigures = {
    ...state.figures,
    equityUsd: input.equityUsd,
    startOfDayEquityUsd: input.startOfDayEquityUsd,
    dailyDrawdownFraction: dailyDrawdownFraction(input.startOfDayEquityUsd, input.equityUsd),
  };
  const next = { ...state, figures };
  const trip = hardCondition(figures, params);
  // Idempotent: a HARD trip that is already active is not tripped again.
  return trip === null || state.hard !== null ? { state: next, effects: [] } : tripHard(next, trip, input.tsMs);
}

function onTradeClosed(state: BreakerState, input: Extract<BreakerInput, { kind: "trade-closed" }>, params: BrainParameters): BreakerTransition {
  const b = params.breaker;
  if (state.hard !== null) return { state, effects: [] };
  if (!(input.pnlUsd < 0)) return { state: { ...state, lossStreakMs: [], figures: { ...state.figures, consecutiveLosses: 0 } }, effects: [] };
  const streak = [...state.lossStreakMs, input.tsMs].slice(-b.softConsecutiveLosses);
  const figures = { ...state.figures, consecutiveLosses: state.figures.consecutiveLosses + 1 };
  const first = streak[0] as number;
  const trips = streak.length >= b.softConsecutiveLosses && input.tsMs - first <= b.softLossWindowMs;
  if (!trips || state.soft !== null) return { state: { ...state, lossStreakMs: streak, figures }, effects: [] };
  const resetsAtMs = input.tsMs + b.softCooldownMs;
  const detail = `${b.softConsecutiveLosses} consecutive losing trades within ${formatMinutes(input.tsMs - first)}: no new entries for ${formatMinutes(b.softCooldownMs)}`;
  return {
    state: { ...state, soft: { trippedAtMs: input.tsMs, resetsAtMs, detail }, lossStreakMs: [], figures },
    effects: [
      breakerEvent("SOFT", "trip", "consecutive-losses", BRAIN_PRINCIPAL, detail, figures, input.tsMs, resetsAtMs),
      {
        kind: "raise-trading-cause",
        cause: { cause: "breaker-soft", state: "REDUCING", raisedBy: BRAIN_PRINCIPAL, raisedAtMs: input.tsMs, detail, clearsAtMs: resetsAtMs },
      },
    ],
  };
}

function onOperatorReset(state: BreakerState, input: Extract<BreakerInput, { kind: "operator-reset" }>, params: BrainParameters): BreakerTransition {
  const reason = input.reason.trim();
  const refuse = (refused: string): BreakerTransition => ({ state, effects: [], refused });
  if (input.actor.kind !== "operator") return refuse(`only an operator may reset the breaker, not ${input.actor.kind} ${input.actor.id}`);
  if (reason === "") return refuse("a reset needs a reason");
  if (reason.length > MAX_REASON_CHARS) return refuse(`the reason is longer than ${MAX_REASON_CHARS} characters`);
  if (state.hard === null)
    return refuse(state.soft === null ? "the breaker is not tripped" : `only HARD trips are reset by an operator; SOFT resets itself at ${new Date(state.soft.resetsAtMs).toISOString()}`);
  // Re-arming while the condition still holds would trip and flatten again at the next equity update.
  const still = hardCondition(state.figures, params);
  if (still !== null) return refuse(`the HARD condition still holds: ${still.detail}`);
  return {
    state: { ...state, hard: null },
    effects: [
      breakerEvent("HARD", "reset", "operator-reset", input.actor, reason, state.figures, input.tsMs),
      { kind: "clear-trading-cause", cause: "breaker-hard", by: input.actor, reason, tsMs: input.tsMs },
    ],
  };
}

/** One step of the breaker. Pure: the same state and input always give the same transition. */
export function breakerStep(state: BreakerState, input: BreakerInput, params: BrainParameters): BreakerTransition {
  // A NaN would compare false against every limit and so never trip: refuse it instead of failing open.
  const numbers = input.kind === "equity" ? { equityUsd: input.equityUsd, startOfDayEquityUsd: input.startOfDayEquityUsd } : input.kind === "trade-closed" ? { pnlUsd: input.pnlUsd } : {};
  const bad = Object.entries({ ...numbers, tsMs: input.tsMs }).find(([, value]) => !Number.isFinite(value));
  if (bad) return { state, effects: [], refused: `${bad[0]} must be a finite number, got ${bad[1]}` };
  const expired = expireSoft(state, input.tsMs);
  const step = (() => {
    switch (input.kind) {
      case "equity":
        return onEquity(expired.state, input, params);
      case "trade-closed":
        return onTradeClosed(expired.state, input, params);
      case "tick":
        return { state: expired.state, effects: [] };
      case "operator-reset":
        return onOperatorReset(expired.state, input, params);
    }
  })();
  if (step.refused !== undefined) return { state, effects: [], refused: step.refused };
  return { state: step.state, effects: [...expired.effects, ...step.effects] };
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}
