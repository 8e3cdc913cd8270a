import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelayMs, decideAfterFailure, exceedsDeliveryLimit, isTransientError, validateBackoff, type BackoffPolicy } from "./retry-policy.js";

const policy: BackoffPolicy = { baseMs: 100, maxMs: 5_000, factor: 2 };

describe("backoffDelayMs", () => {
  it("doubles from the base after each failure and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, policy))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it("treats a count below one as the first failure and survives absurdly long outages", () => {
    expect(backoffDelayMs(0, policy)).toBe(100);
    expect(backoffDelayMs(-3, policy)).toBe(100);
    expect(backoffDelayMs(1_000_000, policy)).toBe(5_000);
    expect(backoffDelayMs(5, { baseMs: 0, maxMs: 10 })).toBe(0);
  });

  it("never decreases, never exceeds the cap, never goes below the base", () => {
    const arbPolicy = fc
      .record({ baseMs: fc.integer({ min: 0, max: 10_000 }), extraMs: fc.integer({ min: 0, max: 100_000 }), factor: fc.double({ min: 1, max: 10, noNaN: true }) })
      .map(({ baseMs, extraMs, factor }) => ({ baseMs, maxMs: baseMs + extraMs, factor }));
    fc.assert(
      fc.property(arbPolicy, fc.integer({ min: 1, max: 10_000 }), (p, n) => {
        const d = backoffDelayMs(n, p);
        const next = backoffDelayMs(n + 1, p);
        return Number.isFinite(d) && d >= p.baseMs && d <= p.maxMs && next >= d;
      }),
    );
  });

  it("rejects a policy that cannot make sense", () => {
    expect(() => validateBackoff({ baseMs: -1, maxMs: 10 }, "p")).toThrow(/baseMs/);
    expect(() => validateBackoff({ baseMs: 100, maxMs: 10 }, "p")).toThrow(/maxMs/);
    expect(() => validateBackoff({ baseMs: 1, maxMs: 10, factor: 0.5 }, "p")).toThrow(/factor/);
    expect(() => validateBackoff(policy, "p")).not.toThrow();
  });
});

describe("decideAfterFailure", () => {
  const facts = { maxAttempts: 5, infrastructureFailures: 0, backoff: policy } as const;

  it("retries a failing handler with growing delays, then dead-letters on the last attempt", () => {
    const decisions = [1, 2, 3, 4, 5].map((attempt) => decideAfterFailure({ ...facts, attempt, failure: "handler" }));
    expect(decisions).toEqual([
      { kind: "retry", delayMs: 100, nextAttempt: 2 },
      { kind: "retry", delayMs: 200, nextAttempt: 3 },
      { kind: "retry", delayMs: 400, nextAttempt: 4 },
      { kind: "retry", delayMs: 800, nextAttempt: 5 },
      { kind: "dead-letter" },
    ]);
  });

  it("dead-letters at once a message redelivered past its attempts", () => {
    expect(decideAfterFailure({ ...facts, attempt: 9, failure: "handler" })).toEqual({ kind: "dead-letter" });
  });

  it("never dead-letters because of an infrastructure failure, and does not count it as an attempt", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 20 }), (attempt, infra, maxAttempts) => {
        const d = decideAfterFailure({ attempt, maxAttempts, infrastructureFailures: infra, failure: "infrastructure", backoff: policy });
        return d.kind === "retry" && d.nextAttempt === attempt && d.delayMs === backoffDelayMs(infra, policy);
      }),
    );
  });

  it("calls the handler exactly maxAttempts times for a message that always fails", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), (maxAttempts) => {
        let attempt = 1;
        let calls = 0;
        for (;;) {
          calls += 1;
          const d = decideAfterFailure({ attempt, maxAttempts, infrastructureFailures: 0, failure: "handler", backoff: policy });
          if (d.kind === "dead-letter") break;
          attempt = d.nextAttempt;
        }
        return calls === maxAttempts;
      }),
    );
  });
});

describe("exceedsDeliveryLimit", () => {
  it("stops a message only once it was delivered more often than allowed", () => {
    expect(exceedsDeliveryLimit(10, 10)).toBe(false);
    expect(exceedsDeliveryLimit(11, 10)).toBe(true);
  });
});

describe("isTransientError", () => {
  it("recognises lost connections and unavailable servers", () => {
    expect(isTransientError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransientError(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isTransientError(Object.assign(new Error("could not connect"), { code: "08006" }))).toBe(true);
    expect(isTransientError(Object.assign(new Error("deadlock detected"), { code: "40P01" }))).toBe(true);
    expect(isTransientError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isTransientError(new Error("wrapper", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) }))).toBe(true);
  });

  it("leaves the handler's own faults to be counted", () => {
    expect(isTransientError(new Error("price must be positive"))).toBe(false);
    expect(isTransientError(Object.assign(new Error("duplicate key value"), { code: "23505" }))).toBe(false);
    expect(isTransientError(Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }))).toBe(false);
    expect(isTransientError("a string")).toBe(false);
    expect(isTransientError(null)).toBe(false);
  });
});
