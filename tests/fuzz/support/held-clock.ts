// A clock for fuzzing a running service: real time, real short waits (a request polling the venue, a
// consumer's retry backoff), but every timer of a second or more is held and never fires. Heartbeats,
// reconciliation, housekeeping and the minute's recomputation stay still, so what changes a table
// during a fuzz case is the case itself.
import { systemClock, type Clock } from "../../../services/shared/clock.js";

export const HOLD_TIMERS_FROM_MS = 1_000;

export class HeldTimersClock implements Clock {
  /** Timers that were asked for and held, for the report. */
  held = 0;

  constructor(private readonly holdFromMs = HOLD_TIMERS_FROM_MS) {}

  nowMs(): number {
    return systemClock.nowMs();
  }

  monotonicMs(): number {
    return systemClock.monotonicMs();
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    if (delayMs >= this.holdFromMs) {
      this.held += 1;
      return () => undefined;
    }
    return systemClock.setTimer(delayMs, fn);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }
}
