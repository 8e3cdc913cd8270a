// Manual allocation override (domain.md "Manual override and treasury"): an operator sets the phase
// weights for a while — summing to 1 ± 0.001, each in [0, 1], for at most 24 hours, one at a time — and
// it lapses by itself when its time is up. Role checks (admin) belong to the HTTP layer; this is the rule.

import { PHASES } from "../../shared/contracts/index.js";
import type { PhaseWeights } from "./allocation.js";
import type { BrainParameters } from "./brain-parameters.js";
import type { Principal } from "../../shared/trading-state.js";

export interface AllocationOverride {
  readonly weights: PhaseWeights;
  readonly setBy: Principal;
  readonly reason: string;
  readonly setAtMs: number;
  readonly expiresAtMs: number;
}

export interface OverrideRequest {
  /** Checked here, not trusted: a request body may carry anything. */
  readonly weights: Readonly<Record<string, unknown>>;
  readonly setBy: Principal;
  readonly reason: string;
  readonly durationMs: number;
}

export type OverrideResult = { ok: true; override: AllocationOverride } | { ok: false; problems: string[] };

const MAX_REASON_CHARS = 1_000;

/** The override in force at `nowMs`, or null (none set, or expired). */
export function activeOverride(current: AllocationOverride | null, nowMs: number): AllocationOverride | null {
  return current !== null && nowMs < current.expiresAtMs ? current : null;
}

/** Every problem with a set of weights, each naming its field: weights.1 … weights.3 and their sum. */
export function overrideWeightProblems(weights: Readonly<Record<string, unknown>>, params: BrainParameters): string[] {
  const problems: string[] = [];
  const allowed = PHASES.map(String);
  for (const key of Object.keys(weights)) if (!allowed.includes(key)) problems.push(`weights.${key}: is not a phase (phases are ${allowed.join(", ")})`);
  let sum = 0;
  let sumKnown = true;
  for (const phase of PHASES) {
    const value = weights[String(phase)];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push(`weights.${phase}: must be a number in [0, 1], got ${JSON.stringify(value) ?? "nothing"}`);
      sumKnown = false;
    } else {
      if (value < 0 || value > 1) problems.push(`weights.${phase}: must be in [0, 1], got ${value}`);
      sum += value;
    }
  }
  const tolerance = params.override.weightSumTolerance;
  if (sumKnown && Math.abs(sum - 1) > tolerance) problems.push(`weights: must sum to 1 ± ${tolerance}, got ${Number(sum.toFixed(9))}`);
  return problems;
}

/**
 * Sets an override, or says every reason it cannot: bad weights, a duration outside (0, 24 h], a missing
 * reason, or another override still active (clear it first: one at a time).
 */
export function setOverride(current: AllocationOverride | null, request: OverrideRequest, nowMs: number, params: BrainParameters): OverrideResult {
  const problems = overrideWeightProblems(request.weights, params);
  const maxMs = params.override.maxDurationMs;
  if (!Number.isInteger(request.durationMs) || request.durationMs <= 0 || request.durationMs > maxMs)
    problems.push(`durationMs: must be an integer in (0, ${maxMs}] (at most ${maxMs / 3_600_000} h), got ${request.durationMs}`);
  if (request.setBy.kind !== "operator") problems.push(`setBy: an override is set by an operator, not ${request.setBy.kind} ${request.setBy.id}`);
  const reason = request.reason.trim();
  if (reason === "" || reason.length > MAX_REASON_CHARS) problems.push(`reason: must be 1-${MAX_REASON_CHARS} characters`);
  const active = activeOverride(current, nowMs);
  if (active !== null)
    problems.push(`an override set by ${active.setBy.id} is active until ${new Date(active.expiresAtMs).toISOString()}: clear it before setting another`);
  if (problems.length > 0) return { ok: false, problems };
  const w = request.weights as Record<string, number>;
  return {
    ok: true,
    override: { weights: { 1: w["1"] as number, 2: w["2"] as number, 3: w["3"] as number }, setBy: request.setBy, reason, setAtMs: nowMs, expiresAtMs: nowMs + request.durationMs },
  };
}

export type ClearOverrideResult = { ok: true; cleared: AllocationOverride } | { ok: false; problem: string };

/** Ends the active override early; refused without one, without a reason, or for anyone but an operator. */
export function clearOverride(current: AllocationOverride | null, by: Principal, reason: string, nowMs: number): ClearOverrideResult {
  const active = activeOverride(current, nowMs);
  if (active === null) return { ok: false, problem: "no override is active" };
  if (by.kind !== "operator") return { ok: false, problem: `an override is cleared by an operator, not ${by.kind} ${by.id}` };
  if (reason.trim() === "") return { ok: false, problem: "clearing an override needs a reason" };
  return { ok: true, cleared: active };
}
