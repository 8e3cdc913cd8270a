// Pure decisions about failed deliveries: how long to wait, when to give up on a message, and which
// errors are the infrastructure's fault (retried forever) rather than the message's (counted).

export interface BackoffPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
  /** Growth per further failure; 2 doubles. */
  readonly factor?: number;
}

export const DEFAULT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000, factor: 2 };

export const validateBackoff = (policy: BackoffPolicy, what: string): void => {
  const factor = policy.factor ?? 2;
  if (!(Number.isFinite(policy.baseMs) && policy.baseMs >= 0)) throw new RangeError(`${what}: baseMs must be a finite number ≥ 0`);
  if (!(Number.isFinite(policy.maxMs) && policy.maxMs >= policy.baseMs)) throw new RangeError(`${what}: maxMs must be ≥ baseMs`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`${what}: factor must be ≥ 1`);
};

/** Delay before the next try after `failures` consecutive failures (1 = the first failure). */
export const backoffDelayMs = (failures: number, policy: BackoffPolicy): number => {
  const n = Math.max(1, Math.floor(failures));
  if (policy.baseMs === 0) return 0;
  // factor ** n overflows to Infinity for long outages, which the cap turns into maxMs.
  return Math.min(policy.maxMs, policy.baseMs * (policy.factor ?? 2) ** (n - 1));
};

/**
 * `handler`: the handler threw (a bug or a message it cannot process): counts toward `maxAttempts`.
 * `infrastructure`: PostgreSQL or Redis failed around the handler: retried without counting, so an
 * outage never pushes good messages into the dead-letter stream.
 */
export type FailureKind = "handler" | "infrastructure";

export type FailureDecision =
  | { readonly kind: "retry"; readonly delayMs: number; readonly nextAttempt: number }
  | { readonly kind: "dead-letter" };

export interface FailureFacts {
  /** Attempt that just failed, 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly failure: FailureKind;
  /** Consecutive infrastructure failures so far, including this one when it is one. */
  readonly infrastructureFailures: number;
  readonly backoff: BackoffPolicy;
}

export const decideAfterFailure = (facts: FailureFacts): FailureDecision => {
  if (facts.failure === "infrastructure") {
    return { kind: "retry", delayMs: backoffDelayMs(facts.infrastructureFailures, facts.backoff), nextAttempt: facts.attempt };
  }
  if (facts.attempt >= facts.maxAttempts) return { kind: "dead-letter" };
  return { kind: "retry", delayMs: backoffDelayMs(facts.attempt, facts.backoff), nextAttempt: facts.attempt + 1 };
};

/**
 * A message delivered this many times without being acknowledged keeps killing or stalling its
 * consumers (a crash inside the handler never reaches the failure path): stop delivering it.
 */
export const exceedsDeliveryLimit = (deliveryCount: number, maxDeliveries: number): boolean => deliveryCount > maxDeliveries;

const TRANSIENT_PG_CODES = new Set(["40001", "40P01", "57P01", "57P02", "57P03", "55006"]);
const TRANSIENT_PG_CLASSES = ["08", "53"];
const TRANSIENT_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// A prepared plan gone stale after a migration: the retry runs the statement unnamed (db/database.ts).
const TRANSIENT_MESSAGE = /connection terminated|not queryable|timeout exceeded when trying to connect|client was closed|connection is closed|stream isn't writeable|max retries per request|cached plan must not change result type/i;

/** True for errors that say a connection or server is unavailable, not that the work is wrong. */
export const isTransientError = (err: unknown, depth = 0): boolean => {
  if (depth > 5 || typeof err !== "object" || err === null) return false;
  const { code, message, cause } = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string") {
    if (TRANSIENT_PG_CODES.has(code) || TRANSIENT_NODE_CODES.has(code)) return true;
    if (code.length === 5 && TRANSIENT_PG_CLASSES.some((c) => code.startsWith(c))) return true;
  }
  if (typeof message === "string" && TRANSIENT_MESSAGE.test(message)) return true;
  return cause !== undefined && isTransientError(cause, depth + 1);
};
