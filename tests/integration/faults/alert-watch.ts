// Watches Prometheus's alerts for the ones a fault must raise: when each first reached `firing` and, once
// the dependency is back, when each left (no longer pending or firing). Polls from before the fault is
// injected, so the time to fire is measured, not bounded by when the test happened to look.
import { waitFor } from "../../../scripts/lib/local-servers.js";

/** An alert a fault must raise: its name and the labels that pick the right series (e.g. `service`). */
export interface ExpectedAlert {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ActiveAlert {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: "pending" | "firing";
  readonly activeAtMs: number;
}

const POLL_EVERY_MS = 250;

/** `TitanServiceDown{service="brain"}`: how an expected alert is named in figures and failures. */
export const describeAlert = (e: ExpectedAlert): string => {
  const labels = Object.entries(e.labels ?? {});
  return labels.length === 0 ? e.name : `${e.name}{${labels.map(([k, v]) => `${k}="${v}"`).join(",")}}`;
};

export const matchesAlert = (e: ExpectedAlert, a: ActiveAlert): boolean => a.name === e.name && Object.entries(e.labels ?? {}).every(([k, v]) => a.labels[k] === v);

export class AlertWatch {
  private readonly firstFiringAtMs = new Map<string, number>();
  private readonly resolvedAtMs = new Map<string, number>();
  private restoredAtMs: number | null = null;
  private latest: ActiveAlert[] = [];
  private lastPollAtMs = 0;
  private lastError: string | null = null;
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    readonly expected: readonly ExpectedAlert[],
    private readonly fetchActive: () => Promise<ActiveAlert[]>,
  ) {
    this.loop = this.run();
  }

  static start(expected: readonly ExpectedAlert[], fetchActive: () => Promise<ActiveAlert[]>): AlertWatch {
    return new AlertWatch(expected, fetchActive);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.poll().catch((err: unknown) => void (this.lastError = (err as Error).message));
      await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
    }
  }

  private async poll(): Promise<void> {
    const active = await this.fetchActive();
    const atMs = Date.now();
    this.latest = active;
    this.lastPollAtMs = atMs;
    this.lastError = null;
    for (const e of this.expected) {
      const key = describeAlert(e);
      const found = active.filter((a) => matchesAlert(e, a));
      if (found.some((a) => a.state === "firing") && !this.firstFiringAtMs.has(key)) this.firstFiringAtMs.set(key, atMs);
      if (this.restoredAtMs === null) continue;
      // A flap after the restore starts the wait for its resolution over.
      if (found.length > 0) this.resolvedAtMs.delete(key);
      else if (!this.resolvedAtMs.has(key)) this.resolvedAtMs.set(key, atMs);
    }
  }

  /** Whether any expected alert is pending or firing in the latest answer. */
  anyActive(): boolean {
    return this.latest.some((a) => this.expected.some((e) => matchesAlert(e, a)));
  }

  private seen(): string {
    const shown = this.latest.map((a) => `${a.name}${JSON.stringify(a.labels)} ${a.state}`).join("; ") || "none";
    return `Prometheus's active alerts at the last poll: ${shown}${this.lastError ? `; last poll failed: ${this.lastError}` : ""}`;
  }

  /**
   * Waits until none of the expected alerts is pending or firing (a fault's baseline): what fired before
   * (an earlier fault's alert not yet resolved, a slow start) must not count as this fault's.
   */
  async quiet(timeoutMs: number): Promise<void> {
    const since = Date.now();
    await waitFor(async () => this.lastPollAtMs > since && !this.anyActive(), timeoutMs, "none of the expected alerts to be active before the fault").catch((err: Error) => {
      throw new Error(`${err.message}; ${this.seen()}`);
    });
    this.firstFiringAtMs.clear();
  }

  /** Whether every expected alert has fired since the baseline. */
  allFired(): boolean {
    return this.expected.every((e) => this.firstFiringAtMs.has(describeAlert(e)));
  }

  /** Waits until every expected alert has fired; returns each one's time to fire from `fromMs`. */
  async firing(fromMs: number, timeoutMs: number): Promise<Map<string, number>> {
    await waitFor(async () => this.allFired(), timeoutMs, `${this.expected.map(describeAlert).join(", ")} to fire`).catch((err: Error) => {
      throw new Error(`${err.message}; ${this.seen()}`);
    });
    return new Map(this.expected.map((e) => [describeAlert(e), this.firstFiringAtMs.get(describeAlert(e))! - fromMs]));
  }

  /** From now on, an expected alert no longer active counts as resolved. */
  restored(atMs: number): void {
    this.restoredAtMs = atMs;
    this.resolvedAtMs.clear();
  }

  /** Waits until every expected alert has resolved since `restored()`; returns each one's time to resolve from then. */
  async resolved(timeoutMs: number): Promise<Map<string, number>> {
    const restoredAtMs = this.restoredAtMs;
    if (restoredAtMs === null) throw new Error("AlertWatch.resolved() before restored()");
    await waitFor(async () => this.expected.every((e) => this.resolvedAtMs.has(describeAlert(e))) && !this.anyActive(), timeoutMs, `${this.expected.map(describeAlert).join(", ")} to resolve`).catch(
      (err: Error) => {
        throw new Error(`${err.message}; ${this.seen()}`);
      },
    );
    return new Map(this.expected.map((e) => [describeAlert(e), this.resolvedAtMs.get(describeAlert(e))! - restoredAtMs]));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
