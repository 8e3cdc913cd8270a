// The market the simulator prints when nobody sets prices: a seeded random walk per symbol, one trade
// per symbol per tick, timed by the injected clock.

import type { BybitSimulatorCore } from "./core.js";
import { normalDraw, seededRandom } from "./ids.js";

export interface RandomWalkOptions {
  readonly seed: number;
  /** Standard deviation of the log return per tick: 0.0005 = 5 bp. */
  readonly volatilityPerTick?: number;
}

export class RandomWalkFeed {
  private readonly random: () => number;
  private readonly volatility: number;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly core: BybitSimulatorCore,
    options: RandomWalkOptions,
  ) {
    this.random = seededRandom(options.seed ^ 0x5eed);
    this.volatility = options.volatilityPerTick ?? 0.0005;
  }

  get running(): boolean {
    return this.cancelTimer !== null;
  }

  /** One step of the walk for every symbol. */
  tick(): void {
    for (const [symbol, instrument] of this.core.instruments) {
      const last = this.core.engine.markets[symbol]?.lastPriceUsd ?? instrument.initialPriceUsd;
      const next = last * Math.exp(this.volatility * normalDraw(this.random));
      const lots = 1 + Math.floor(this.random() * 100);
      this.core.printTrade(symbol, next, lots * instrument.spec.minQty);
    }
  }

  start(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new RangeError("feed interval must be positive");
    this.stop();
    const arm = () => {
      this.cancelTimer = this.core.clock.setTimer(intervalMs, () => {
        this.tick();
        if (this.cancelTimer) arm();
      });
    };
    arm();
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }
}
