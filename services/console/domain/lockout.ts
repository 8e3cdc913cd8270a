// Lock-out after repeated failures, as pure functions over a user's counters. A wrong password and a
// wrong second-factor code count alike (both are guesses); an attempt while locked changes nothing and
// never extends the lock, so an attacker cannot keep an operator out for longer than one lock.
import { SECURITY } from "../../../ops/index.js";

export interface LockoutPolicy {
  readonly failuresBeforeLockout: number;
  readonly lockoutMs: number;
}

export const LOCKOUT_POLICY: LockoutPolicy = {
  failuresBeforeLockout: SECURITY.loginFailuresBeforeLockout.value,
  lockoutMs: SECURITY.lockoutSeconds.value * 1000,
};

export interface LockState {
  readonly failedAttempts: number;
  readonly lockedUntilMs: number | null;
}

export const isLocked = (s: LockState, nowMs: number): boolean => s.lockedUntilMs !== null && s.lockedUntilMs > nowMs;

/** The counters after one more failure; `lockedNow` says this failure started a lock. */
export const afterFailure = (s: LockState, nowMs: number, policy: LockoutPolicy = LOCKOUT_POLICY): LockState & { readonly lockedNow: boolean } => {
  if (isLocked(s, nowMs)) return { ...s, lockedNow: false };
  const failed = s.failedAttempts + 1;
  if (failed >= policy.failuresBeforeLockout) return { failedAttempts: 0, lockedUntilMs: nowMs + policy.lockoutMs, lockedNow: true };
  return { failedAttempts: failed, lockedUntilMs: null, lockedNow: false };
};

export const afterSuccess = (): LockState => ({ failedAttempts: 0, lockedUntilMs: null });
