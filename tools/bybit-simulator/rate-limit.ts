// Bybit's request limits, enforced per API key over one-second windows (domain.md "Execution": create
// order 10/s, 120 requests/s overall). Over the limit Bybit answers retCode 10006 and tells the client
// where it stands in the X-Bapi-Limit* headers; so does the simulator.

export interface RateLimits {
  readonly overallPerSecond: number;
  readonly createOrderPerSecond: number;
}

export const BYBIT_RATE_LIMITS: RateLimits = { overallPerSecond: 120, createOrderPerSecond: 10 };

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  readonly resetAtMs: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(private readonly limits: RateLimits) {}

  /** Counts one request; refused requests count too, as on the exchange. */
  check(apiKey: string, path: string, nowMs: number): RateDecision {
    const overall = this.count(`${apiKey}:*`, this.limits.overallPerSecond, nowMs);
    if (path !== "/v5/order/create") return overall;
    const create = this.count(`${apiKey}:create`, this.limits.createOrderPerSecond, nowMs);
    return overall.allowed ? create : overall;
  }

  private count(key: string, limit: number, nowMs: number): RateDecision {
    const startMs = Math.floor(nowMs / 1_000) * 1_000;
    const window = this.windows.get(key);
    const current = window && window.startMs === startMs ? window : { startMs, count: 0 };
    current.count += 1;
    this.windows.set(key, current);
    return { allowed: current.count <= limit, limit, remaining: Math.max(0, limit - current.count), resetAtMs: startMs + 1_000 };
  }
}
