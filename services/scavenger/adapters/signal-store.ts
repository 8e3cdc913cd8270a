// Hands a signal to the brain: one transaction records it in scavenger.signals and writes the `signal`
// message to the outbox. The signal id is deterministic, so the row's primary key turns a replay (or
// a second instance that saw the same burst) into a no-op instead of a second message; the envelope id
// is the signal id too, so even a duplicate that slipped past would collapse in the brain's inbox.
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { Signal } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";

export interface StoredSignal {
  readonly message: Signal;
  readonly configVersion: number;
}

/** True when the signal was new and is now on its way to the brain; false when it was already sent. */
export const publishSignal = (db: Database, signal: StoredSignal, opts: { clock: Clock; instanceId: string }): Promise<boolean> =>
  db.transaction(async (tx) => {
    const m = signal.message;
    const inserted = await tx.query(
      "scavenger_signal_insert",
      `INSERT INTO signals (signal_id, symbol, trap_type, side, config_version, trigger_price_usd, requested_notional_usd, signal_at, payload, published_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10)
       ON CONFLICT (signal_id) DO NOTHING`,
      [m.signalId, m.symbol, m.trapType, m.side, signal.configVersion, m.triggerPriceUsd, m.requestedNotionalUsd, new Date(m.tsMs).toISOString(), JSON.stringify(m), opts.instanceId],
    );
    if (inserted.rowCount === 0) return false;
    await publishInTransaction(tx, "signal", m, { source: "scavenger", clock: opts.clock, id: m.signalId, correlationId: m.signalId });
    return true;
  });

export interface SignalRow {
  readonly signalId: string;
  readonly symbol: string;
  readonly trapType: string;
  readonly side: string;
  readonly configVersion: number;
  readonly requestedNotionalUsd: number;
  readonly signalAtMs: number;
}

/** The latest signals, newest first (status and tests). */
export const recentSignals = async (db: Database, limit = 20): Promise<SignalRow[]> => {
  const { rows } = await db.query<{ signal_id: string; symbol: string; trap_type: string; side: string; config_version: number; requested_notional_usd: number; signal_at: Date }>(
    "scavenger_signal_recent",
    "SELECT signal_id::text AS signal_id, symbol, trap_type, side, config_version, requested_notional_usd, signal_at FROM signals ORDER BY signal_at DESC, created_at DESC LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({
    signalId: r.signal_id,
    symbol: r.symbol,
    trapType: r.trap_type,
    side: r.side,
    configVersion: r.config_version,
    requestedNotionalUsd: r.requested_notional_usd,
    signalAtMs: r.signal_at.getTime(),
  }));
};
