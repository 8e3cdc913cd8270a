// Faults a simulated exchange injects into its REST answers, each for the next `count` matching requests.
//   rate-limit     refuse at once with the exchange's rate-limit answer; nothing is done (ccxt: RateLimitExceeded)
//   timeout        answer the exchange's timeout error; `processed` says whether the request took
//                  effect first, as a real gateway timeout may or may not have (ccxt: RequestTimeout)
//   hang           answer nothing for `hangMs`, then drop the connection; the client's own timeout fires
//   response-lost  do the request (an order is recorded), then drop the connection without an answer

export const FAULT_KINDS = ["rate-limit", "timeout", "hang", "response-lost"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly kind: FaultKind;
  /** Request path or path prefix it applies to ("/v5/order/create", "/api/v3/order"); every API path if absent. */
  readonly path?: string;
  /** How many matching requests it hits; 1 if absent. */
  readonly count?: number;
  /** timeout and hang only: carry the request out before failing it. */
  readonly processed?: boolean;
  /** hang only: how long to hold the request, in real milliseconds (default 30 s). */
  readonly hangMs?: number;
}

export interface ArmedFault extends FaultSpec {
  remaining: number;
}

export class FaultPlan {
  private armed: ArmedFault[] = [];
  /** How often each kind fired since start (or the last reset): evidence for crash tests. */
  readonly fired: Record<FaultKind, number> = { "rate-limit": 0, timeout: 0, hang: 0, "response-lost": 0 };

  add(spec: FaultSpec): void {
    if (!FAULT_KINDS.includes(spec.kind)) throw new RangeError(`unknown fault kind ${String(spec.kind)}`);
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError("fault count must be a positive integer");
    if (spec.path !== undefined && !spec.path.startsWith("/")) throw new RangeError("fault path must start with /");
    this.armed.push({ ...spec, remaining: count });
  }

  /** The first armed fault matching `path`, used up by one. */
  take(path: string): ArmedFault | undefined {
    const fault = this.armed.find((f) => f.path === undefined || path === f.path || path.startsWith(f.path));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.armed = this.armed.filter((f) => f !== fault);
    this.fired[fault.kind] += 1;
    return fault;
  }

  clear(): void {
    this.armed = [];
  }

  pending(): readonly ArmedFault[] {
    return this.armed.map((fault) => ({ ...fault }));
  }
}
