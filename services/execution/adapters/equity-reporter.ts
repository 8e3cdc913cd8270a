// Equity snapshots, marked to market by the venue, with the start-of-day equity (00:00 UTC) the brain's
// daily drawdown is measured from. Published through the outbox on every reconciliation cycle and after
// a flatten.

import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { EquitySnapshot } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import type { ReportVenue } from "../domain/reports.js";
import type { VenueBalance } from "../domain/venue-types.js";
import { getMeta, setMeta } from "./store.js";

const DAY_MS = 86_400_000;

interface StartOfDay {
  readonly dayStartMs: number;
  readonly equityUsd: number;
}

/** The snapshot for `balance`, and the start of day it implies (a new UTC day starts from this equity). */
export function equitySnapshot(venue: ReportVenue, balance: VenueBalance, held: StartOfDay | null, nowMs: number): { snapshot: EquitySnapshot; startOfDay: StartOfDay } {
  const dayStartMs = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const startOfDay = held && held.dayStartMs === dayStartMs ? held : { dayStartMs, equityUsd: balance.equityUsd };
  const drawdown = startOfDay.equityUsd > 0 ? Math.min(1, Math.max(0, (startOfDay.equityUsd - balance.equityUsd) / startOfDay.equityUsd)) : 0;
  return {
    snapshot: {
      version: 1,
      venue,
      account: "futures",
      equityUsd: balance.equityUsd,
      walletBalanceUsd: balance.walletBalanceUsd,
      availableBalanceUsd: balance.availableBalanceUsd,
      unrealisedPnlUsd: balance.unrealisedPnlUsd,
      startOfDayEquityUsd: startOfDay.equityUsd,
      dailyDrawdownFraction: drawdown,
      venueTsMs: Math.max(0, Math.floor(balance.tsMs)),
      tsMs: nowMs,
    },
    startOfDay,
  };
}

export class EquityReporter {
  private last: EquitySnapshot | null = null;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly venue: ReportVenue,
  ) {}

  latest(): EquitySnapshot | null {
    return this.last;
  }

  async publish(balance: VenueBalance): Promise<EquitySnapshot> {
    const nowMs = this.clock.nowMs();
    const held = await getMeta<StartOfDay>(this.db, "start_of_day");
    const { snapshot, startOfDay } = equitySnapshot(this.venue, balance, held, nowMs);
    await this.db.transaction(async (tx) => {
      if (held?.dayStartMs !== startOfDay.dayStartMs) await setMeta(tx, "start_of_day", startOfDay, nowMs);
      await publishInTransaction(tx, "equity-snapshot", snapshot, { source: "execution", clock: this.clock });
    });
    this.last = snapshot;
    return snapshot;
  }
}
