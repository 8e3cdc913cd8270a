import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOCKOUT_POLICY, afterFailure, afterSuccess, isLocked, type LockState } from "./lockout.js";

const policy = { failuresBeforeLockout: 5, lockoutMs: 900_000 };

describe("lock-out", () => {
  it("reads its numbers from ops/ (SECURITY)", () => {
    expect(LOCKOUT_POLICY).toEqual({ failuresBeforeLockout: 5, lockoutMs: 15 * 60_000 });
  });

  it("locks at the Nth consecutive failure, for exactly the lock-out time", () => {
    let s: LockState = afterSuccess();
    for (let i = 1; i < 5; i += 1) {
      const next = afterFailure(s, 1_000, policy);
      expect(next.lockedNow).toBe(false);
      s = next;
    }
    const locked = afterFailure(s, 1_000, policy);
    expect(locked).toEqual({ failedAttempts: 0, lockedUntilMs: 901_000, lockedNow: true });
    expect(isLocked(locked, 900_999)).toBe(true);
    expect(isLocked(locked, 901_000)).toBe(false);
  });

  it("never lets more than N failures through between locks, and attempts while locked never extend the lock", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 600_000 })), { maxLength: 200 }), (steps) => {
        let s: LockState = afterSuccess();
        let nowMs = 0;
        let failuresSinceUnlock = 0;
        for (const [success, gapMs] of steps) {
          nowMs += gapMs;
          const wasLocked = isLocked(s, nowMs);
          if (wasLocked) {
            const next = afterFailure(s, nowMs, policy);
            expect(next.lockedUntilMs).toBe(s.lockedUntilMs);
            continue;
          }
          if (success) {
            s = afterSuccess();
            failuresSinceUnlock = 0;
          } else {
            const next = afterFailure(s, nowMs, policy);
            failuresSinceUnlock = next.lockedNow ? 0 : failuresSinceUnlock + 1;
            expect(failuresSinceUnlock).toBeLessThan(policy.failuresBeforeLockout);
            if (next.lockedNow) expect(next.lockedUntilMs).toBe(nowMs + policy.lockoutMs);
            s = next;
          }
        }
      }),
    );
  });
});
