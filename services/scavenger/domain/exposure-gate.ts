// The two whitelisted limits that are about the book rather than one trap: no new signal while
// maxOpenPositions positions are open, nor after the UTC day's realised loss reached maxDailyLossPercent
// of the allocation. The live service tells the core its open positions and closed trades; the
// backtester does the same from its simulated fills, so both stop proposing at the same point.

import { DAY_MS } from "./daily-range.js";
import type { ScavengerParameters } from "./scavenger-parameters.js";

export type ExposureBlock = "max-open-positions" | "max-daily-loss";

export class ExposureGate {
  private openPositions = 0;
  private day = Number.NaN;
  private pnlPercentToday = 0;

  setOpenPositions(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`open positions must be a non-negative integer, got ${count}`);
    this.openPositions = count;
  }

  /** A closed trade's realised result, percent of the allocation (−1.5 = lost 1.5 %). */
  recordClosedTrade(pnlPercentOfAllocation: number, closedTsMs: number): void {
    if (!Number.isFinite(pnlPercentOfAllocation) || !Number.isFinite(closedTsMs)) throw new RangeError("a closed trade needs a finite result and time");
    const day = Math.floor(closedTsMs / DAY_MS);
    if (day < this.day) return; // a late report for an earlier day no longer limits today
    if (day > this.day || Number.isNaN(this.day)) {
      this.day = day;
      this.pnlPercentToday = 0;
    }
    this.pnlPercentToday += pnlPercentOfAllocation;
  }

  blockAt(tsMs: number, params: ScavengerParameters): ExposureBlock | null {
    if (this.openPositions >= params.maxOpenPositions) return "max-open-positions";
    if (Math.floor(tsMs / DAY_MS) === this.day && -this.pnlPercentToday >= params.maxDailyLossPercent) return "max-daily-loss";
    return null;
  }

  snapshot(): { openPositions: number; realisedPnlPercentToday: number } {
    return { openPositions: this.openPositions, realisedPnlPercentToday: this.pnlPercentToday };
  }
}
