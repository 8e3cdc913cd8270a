// Request pacing under the venue's published limits, with headroom (domain.md "Execution": Bybit allows
// 10 order creations per second per symbol family and 120 requests per second overall). A sliding
// one-second window: any second holds at most `limit × (1 − headroom)` requests, so the venue's own
// fixed windows never see more either. Pure: the caller keeps the state and the clock.

export interface RateWindow {
  /** Send times (ms) within the last window, oldest first. */
  readonly sentMs: readonly number[];
}

export const EMPTY_WINDOW: RateWindow = { sentMs: [] };

export interface RateRule {
  /** The venue's published limit per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Fraction of the limit kept unused (0.2 keeps 20 % spare). */
  readonly headroom: number;
}

export const allowedPerWindow = (rule: RateRule): number => Math.max(1, Math.floor(rule.limit * (1 - rule.headroom)));

const live = (window: RateWindow, rule: RateRule, nowMs: number): number[] => window.sentMs.filter((t) => t > nowMs - rule.windowMs);

/** How long to wait before one more request may go (0 = now). */
export function waitMs(window: RateWindow, rule: RateRule, nowMs: number): number {
  const sent = live(window, rule, nowMs);
  const allowed = allowedPerWindow(rule);
  if (sent.length < allowed) return 0;
  return Math.max(0, sent[sent.length - allowed]! + rule.windowMs - nowMs);
}

/** Records one request sent at `nowMs`. */
export function record(window: RateWindow, rule: RateRule, nowMs: number): RateWindow {
  return { sentMs: [...live(window, rule, nowMs), nowMs] };
}

/** Share of the venue's published limit used over the last window (what the metric shows). */
export function useRatio(window: RateWindow, rule: RateRule, nowMs: number): number {
  return live(window, rule, nowMs).length / rule.limit;
}
