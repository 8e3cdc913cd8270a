import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { allocate } from "./allocation.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import { activeOverride, clearOverride, overrideWeightProblems, setOverride, type OverrideRequest } from "./override.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 10, 9);
const alice = { kind: "operator", id: "alice" } as const;
const request = (weights: Record<string, unknown>, durationMs = 4 * HOUR): OverrideRequest => ({ weights, setBy: alice, reason: "phase 2 under review", durationMs });

describe("manual allocation override", () => {
  test("weights summing to 1 within 0.001, for up to 24 h, are accepted and lapse by themselves", () => {
    const result = setOverride(null, request({ 1: 0.7, 2: 0.2995, 3: 0 }, 24 * HOUR), T0, P);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.override).toMatchObject({ weights: { 1: 0.7, 2: 0.2995, 3: 0 }, setAtMs: T0, expiresAtMs: T0 + 24 * HOUR });
    expect(activeOverride(result.override, T0 + 24 * HOUR - 1)).toBe(result.override);
    expect(activeOverride(result.override, T0 + 24 * HOUR)).toBeNull();
    expect(allocate(1_000, [1, 2], P, activeOverride(result.override, T0)?.weights ?? null).allocated).toEqual({ 1: 0.7, 2: 0.2995, 3: 0 });
  });

  test("every problem is reported at once, naming its field", () => {
    const result = setOverride(null, { ...request({ 1: 1.2, 2: "x", 4: 0 }, 25 * HOUR), reason: " " }, T0, P);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      "weights.4: is not a phase (phases are 1, 2, 3)",
      "weights.1: must be in [0, 1], got 1.2",
      'weights.2: must be a number in [0, 1], got "x"',
      "weights.3: must be a number in [0, 1], got nothing",
      "durationMs: must be an integer in (0, 86400000] (at most 24 h), got 90000000",
      "reason: must be 1-1000 characters",
    ]);
  });

  test("weights off 1 by more than 0.001 are refused; within it they pass", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -0.01, max: 0.01, noNaN: true }), (a, b, off) => {
        const [w1, w2] = a + b <= 1 ? [a, b] : [1 - a, 1 - b];
        const w3 = 1 - w1 - w2 + off;
        fc.pre(w3 >= 0 && w3 <= 1 && Math.abs(Math.abs(off) - 0.001) > 1e-9);
        const problems = overrideWeightProblems({ 1: w1, 2: w2, 3: w3 }, P);
        expect(problems.some((p) => p.startsWith("weights: must sum to 1"))).toBe(Math.abs(off) > 0.001);
      }),
    );
  });

  test("one override at a time: a second is refused until the first is cleared or lapses", () => {
    const first = setOverride(null, request({ 1: 1, 2: 0, 3: 0 }), T0, P);
    if (!first.ok) throw new Error("first override refused");
    const second = setOverride(first.override, request({ 1: 0.5, 2: 0.5, 3: 0 }), T0 + HOUR, P);
    expect(!second.ok && second.problems).toEqual([expect.stringMatching(/is active until .*: clear it before setting another/)]);
    expect(setOverride(first.override, request({ 1: 0.5, 2: 0.5, 3: 0 }), T0 + 4 * HOUR, P).ok).toBe(true);
    const cleared = clearOverride(first.override, alice, "review done", T0 + HOUR);
    expect(cleared).toEqual({ ok: true, cleared: first.override });
  });

  test("clearing needs an active override, an operator and a reason", () => {
    const set = setOverride(null, request({ 1: 1, 2: 0, 3: 0 }), T0, P);
    if (!set.ok) throw new Error("override refused");
    expect(clearOverride(null, alice, "x", T0)).toEqual({ ok: false, problem: "no override is active" });
    expect(clearOverride(set.override, { kind: "service", id: "console" }, "x", T0)).toMatchObject({ ok: false });
    expect(clearOverride(set.override, alice, "", T0)).toMatchObject({ ok: false, problem: expect.stringMatching(/reason/) });
  });
});
