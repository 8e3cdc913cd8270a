// Closed trades of the scavenger's own signals. A `trade-closed` whose signal the scavenger did not
// send (another phase's, a flatten order's) is not its outcome and is ignored. Recorded in the inbox
// transaction that consumed the message, so a redelivery is a no-op. Strategies hear of outcomes only
// from the table (OutcomeFeed), so every instance counts each trade once, whichever consumed it.
import type { TradeClosed } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { TRAP_TYPES, type TradeOutcome, type TrapType } from "../domain/index.js";

export interface RecordedOutcome extends TradeOutcome {
  readonly tradeId: string;
  readonly signalId: string;
}

/**
 * Records the trade as an outcome of its signal's trap type; null when the signal is not ours or the
 * trade was already recorded. `allocationUsd` is the allocation the result is measured against.
 */
export async function recordOutcome(tx: Queryable, trade: TradeClosed, allocationUsd: number): Promise<RecordedOutcome | null> {
  if (trade.signalId === null || !(allocationUsd > 0)) return null;
  const { rows } = await tx.query<{ trap_type: string; config_version: number }>(
    "scavenger_outcome_signal",
    "SELECT trap_type, config_version FROM signals WHERE signal_id = $1",
    [trade.signalId],
  );
  const signal = rows[0];
  if (!signal || !(TRAP_TYPES as readonly string[]).includes(signal.trap_type)) return null;
  const pnlPercentOfAllocation = (trade.realisedPnlUsd / allocationUsd) * 100;
  const inserted = await tx.query(
    "scavenger_outcome_insert",
    `INSERT INTO trade_outcomes (trade_id, signal_id, trap_type, symbol, config_version, realised_pnl_usd, allocation_usd, pnl_percent_of_allocation, closed_at_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (trade_id) DO NOTHING`,
    [trade.tradeId, trade.signalId, signal.trap_type, trade.symbol, signal.config_version, trade.realisedPnlUsd, allocationUsd, pnlPercentOfAllocation, trade.closedTsMs],
  );
  if ((inserted.rowCount ?? 0) === 0) return null;
  return { tradeId: trade.tradeId, signalId: trade.signalId, trapType: signal.trap_type as TrapType, pnlPercentOfAllocation, closedTsMs: trade.closedTsMs };
}

/** Outcomes recorded after `afterSeq`, oldest first, with the last one's sequence number. */
export async function outcomesAfter(q: Queryable, afterSeq: number): Promise<{ outcomes: TradeOutcome[]; lastSeq: number }> {
  const { rows } = await q.query<{ seq: number; trap_type: string; pnl_percent_of_allocation: number; closed_at_ms: number }>(
    "scavenger_outcomes_after",
    "SELECT seq, trap_type, pnl_percent_of_allocation, closed_at_ms FROM trade_outcomes WHERE seq > $1 ORDER BY seq",
    [afterSeq],
  );
  return {
    outcomes: rows.map((r) => ({ trapType: r.trap_type as TrapType, pnlPercentOfAllocation: r.pnl_percent_of_allocation, closedTsMs: r.closed_at_ms })),
    lastSeq: rows.at(-1)?.seq ?? afterSeq,
  };
}

/** Feeds a strategy every recorded outcome exactly once; one read at a time, a burst of calls folds into it. */
export class OutcomeFeed {
  private lastSeq = 0;
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly q: Queryable,
    private readonly record: (outcome: TradeOutcome) => void,
  ) {}

  /** Reads what is new; resolves with how many outcomes were fed by this call's read. */
  refresh(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let fed = 0;
      try {
        do {
          this.again = false;
          const { outcomes, lastSeq } = await outcomesAfter(this.q, this.lastSeq);
          for (const outcome of outcomes) this.record(outcome);
          this.lastSeq = lastSeq;
          fed += outcomes.length;
        } while (this.again);
        return fed;
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
