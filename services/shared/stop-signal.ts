// A stop request that a long-running loop waits on beside its work. `Promise.race([work, stopped])`
// against one long-lived `stopped` promise leaks: each race leaves a reaction on `stopped` that keeps
// the race's result reachable until `stopped` settles (nodejs/node#17469). The stream consumer raced
// every read that way and so kept every batch it had ever read: 22,000 envelopes (~14 MB) in the
// brain's heap after the bench's loads. Here each wait registers a callback that is removed as soon
// as its work settles.

export const STOPPED: unique symbol = Symbol("stopped");

export class StopSignal {
  private requested: boolean;
  private readonly waiters = new Set<() => void>();

  /** `stopped`: a signal that is already stopped (a loop not yet started). */
  constructor(state: "running" | "stopped" = "running") {
    this.requested = state === "stopped";
  }

  get isStopped(): boolean {
    return this.requested;
  }

  stop(): void {
    if (this.requested) return;
    this.requested = true;
    for (const wake of [...this.waiters]) wake();
    this.waiters.clear();
  }

  /** `work`'s outcome, or STOPPED as soon as stop() is called (the work runs on, unobserved). */
  race<T>(work: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.requested) {
      work.catch(() => undefined); // nobody waits for it any more
      return Promise.resolve(STOPPED);
    }
    return new Promise<T | typeof STOPPED>((resolve, reject) => {
      const wake = (): void => resolve(STOPPED);
      this.waiters.add(wake);
      work.then(
        (value) => {
          this.waiters.delete(wake);
          resolve(value);
        },
        (err: unknown) => {
          this.waiters.delete(wake);
          reject(err);
        },
      );
    });
  }
}
