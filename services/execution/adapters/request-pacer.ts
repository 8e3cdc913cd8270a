// Paces venue requests under the published limits with headroom (domain/rate-limit.ts): every request
// counts against the overall budget, order creations also against their symbol family's. Waiting
// happens here, on the injected clock, before the request leaves; the use ratio is a metric.

import type { Gauge } from "prom-client";
import type { Clock } from "../../shared/clock.js";
import { EMPTY_WINDOW, record, useRatio, waitMs, type RateRule, type RateWindow } from "../domain/rate-limit.js";

export interface PacerLimits {
  readonly overall: RateRule;
  readonly createPerFamily: RateRule;
}

export class RequestPacer {
  private overall: RateWindow = EMPTY_WINDOW;
  private readonly creates = new Map<string, RateWindow>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly limits: PacerLimits,
    private readonly clock: Clock,
    private readonly useRatioGauge?: Gauge<"bucket">,
  ) {
    this.useRatioGauge?.set({ bucket: "overall" }, 0); // the series exists before the first request
  }

  /** Resolves when one more request of this kind may go; requests leave in the order they asked. */
  acquire(kind: "create" | "other", family = "linear"): Promise<void> {
    const turn = this.chain.then(() => this.waitTurn(kind, family));
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async waitTurn(kind: "create" | "other", family: string): Promise<void> {
    for (;;) {
      const now = this.clock.nowMs();
      const createWindow = this.creates.get(family) ?? EMPTY_WINDOW;
      const wait = Math.max(waitMs(this.overall, this.limits.overall, now), kind === "create" ? waitMs(createWindow, this.limits.createPerFamily, now) : 0);
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
      this.overall = record(this.overall, this.limits.overall, now);
      if (kind === "create") this.creates.set(family, record(createWindow, this.limits.createPerFamily, now));
      this.report(now, family);
      return;
    }
  }

  private report(now: number, family: string): void {
    if (!this.useRatioGauge) return;
    this.useRatioGauge.set({ bucket: "overall" }, useRatio(this.overall, this.limits.overall, now));
    this.useRatioGauge.set({ bucket: `create:${family}` }, useRatio(this.creates.get(family) ?? EMPTY_WINDOW, this.limits.createPerFamily, now));
  }
}
