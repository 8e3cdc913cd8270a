import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REPUBLISH_MARGIN_SECONDS, republishSinceMs, republishWindowProblem } from "./republish.js";

const HOUR_MS = 3_600_000;

describe("the republish window", () => {
  it("starts the margin before the point Redis was restored to", () => {
    expect(republishSinceMs(1_800_000_000_000)).toBe(1_800_000_000_000 - REPUBLISH_MARGIN_SECONDS * 1000);
    expect(republishSinceMs(1_800_000_000_000, 0)).toBe(1_800_000_000_000);
    expect(() => republishSinceMs(1_800_000_000_000, -1)).toThrow(/zero or more seconds/);
    expect(() => republishSinceMs(Number.NaN)).toThrow(/not a time/);
  });

  it("is refused exactly when it reaches back further than the inbox retention", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * 24 * HOUR_MS }), fc.integer({ min: 60_000, max: 30 * 24 * HOUR_MS }), (windowMs, maxWindowMs) => {
        const nowMs = 1_800_000_000_000;
        const problem = republishWindowProblem({ sinceMs: nowMs - windowMs, nowMs, maxWindowMs });
        expect(problem === null).toBe(windowMs <= maxWindowMs);
        if (problem !== null) expect(problem).toMatch(/past the inbox retention/);
      }),
    );
  });

  it("is not checked against a retention when none is given, but never starts in the future", () => {
    const nowMs = 1_800_000_000_000;
    expect(republishWindowProblem({ sinceMs: nowMs - 365 * 24 * HOUR_MS, nowMs })).toBeNull();
    expect(republishWindowProblem({ sinceMs: nowMs + 1, nowMs })).toMatch(/in the future/);
    expect(republishWindowProblem({ sinceMs: Number.NaN, nowMs })).toMatch(/not a time/);
  });
});
