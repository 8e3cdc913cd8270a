// Time is injected: services take a Clock, tests drive a ManualClock and never wait on the wall clock.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonicMs(): number;
  /** Calls `fn` after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer: (delayMs, fn) => {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
  sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
};

interface PendingTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/** A clock that only moves when told to; timers fire in due order as it advances. */
export class ManualClock implements Clock {
  private currentMs: number;
  private timers: PendingTimer[] = [];
  private nextId = 1;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  monotonicMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const timer = { id: this.nextId++, dueMs: this.currentMs + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
    };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  /** Moves time forward, firing each due timer at its own due time, in order. */
  advance(deltaMs: number): void {
    if (deltaMs < 0) throw new RangeError(`ManualClock cannot go backwards (delta ${deltaMs} ms)`);
    const targetMs = this.currentMs + deltaMs;
    for (;;) {
      const due = this.timers.filter((t) => t.dueMs <= targetMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.currentMs = due.dueMs;
      due.fn();
    }
    this.currentMs = targetMs;
  }

  set(nowMs: number): void {
    this.advance(nowMs - this.currentMs);
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
