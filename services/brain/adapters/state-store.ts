// The brain's state in PostgreSQL: one row for what changes with every message, and the phase, override,
// trade and fill tables it is completed from. Every state change locks the row first, so changes are
// serialised, and compares its version with the one in memory: a mismatch (a change that rolled back
// after memory moved, another writer) makes the caller reload before acting.
import type { Queryable } from "../../shared/db/database.js";
import { isPhase, type AllocationOverride, type BrainParameters, type Phase } from "../domain/index.js";
import { INITIAL_BRAIN_STATE, type BrainState } from "../state/brain-state.js";
import type { ClosedTradeRecord } from "../state/fill-ledger.js";

interface StateRow {
  version: number;
  breaker: BrainState["breaker"];
  trading_causes: BrainState["trading"]["causes"];
  trading_sequence: number;
  start_of_day_ms: number | null;
  start_of_day_equity_usd: number | null;
  accounts: BrainState["accounts"];
  ledger: BrainState["ledger"];
  positions: BrainState["positions"];
  treasury: BrainState["treasury"];
  allocation_fingerprint: string | null;
}

const json = (value: unknown): string => JSON.stringify(value);

/** Creates the state row on the first start; a no-op afterwards. */
export async function ensureStateRow(q: Queryable): Promise<void> {
  const s = INITIAL_BRAIN_STATE;
  await q.query(
    "brain_state_init",
    `INSERT INTO state (id, version, breaker, trading_causes, trading_sequence, accounts, ledger, positions, treasury)
     VALUES (1, 0, $1::jsonb, $2::jsonb, 0, '{}'::jsonb, '{}'::jsonb, '{}'::jsonb, $3::jsonb)
     ON CONFLICT (id) DO NOTHING`,
    [json(s.breaker), json(s.trading.causes), json(s.treasury)],
  );
}

/**
 * What identifies a committed state row: its version and the transaction that wrote it (xmin, which a
 * row lock leaves alone). A row this process wrote is recognised by the pair without reading it again.
 */
export interface StoredVersion {
  readonly version: number;
  readonly writtenBy: string;
}

/** Locks the state row for this transaction and returns its version and writer. */
export async function lockState(tx: Queryable, mode: "share" | "update"): Promise<StoredVersion> {
  const lock = mode === "update" ? "FOR UPDATE" : "FOR SHARE";
  const { rows } = await tx.query<{ version: number; xmin: string }>(`brain_state_lock_${mode}`, `SELECT version, xmin::text AS xmin FROM state WHERE id = 1 ${lock}`);
  const row = rows[0];
  if (row === undefined) throw new Error("the brain's state row is missing (ensureStateRow runs at start)");
  return { version: row.version, writtenBy: row.xmin };
}

interface OverrideRow {
  weights: AllocationOverride["weights"];
  set_by: AllocationOverride["setBy"];
  reason: string;
  set_at_ms: number;
  expires_at_ms: number;
}

interface TradeRow {
  trade_id: string;
  phase: number;
  symbol: string;
  side: "long" | "short";
  pnl_usd: number;
  equity_at_open_usd: number;
  opened_at_ms: number;
  closed_at_ms: number;
}

/** The whole state as last committed, with the trades still inside the performance window at `nowMs`. */
export async function loadBrainState(q: Queryable, params: BrainParameters, nowMs: number): Promise<BrainState> {
  const { rows } = await q.query<StateRow>("brain_state_load", "SELECT * FROM state WHERE id = 1");
  const row = rows[0];
  if (row === undefined) throw new Error("the brain's state row is missing (ensureStateRow runs at start)");
  const phases = await q.query<{ phase: number }>("brain_phases_load", "SELECT phase FROM phases ORDER BY phase");
  const override = await q.query<OverrideRow>(
    "brain_override_load",
    "SELECT weights, set_by, reason, set_at_ms, expires_at_ms FROM overrides WHERE ended_at_ms IS NULL",
  );
  const trades = await q.query<TradeRow>(
    "brain_trades_load",
    "SELECT * FROM phase_trades WHERE closed_at_ms > $1 ORDER BY closed_at_ms, trade_id",
    [nowMs - params.performance.sharpeWindowMs],
  );
  // The fills after the futures snapshot are the ones its equity does not hold yet (see onEquitySnapshot).
  const futuresTsMs = row.accounts.futures?.tsMs ?? Number.MIN_SAFE_INTEGER;
  const fillPnl = await q.query<{ ts_ms: number; pnl_usd: number }>(
    "brain_fill_pnl_load",
    "SELECT ts_ms, realised_pnl_usd - fee_usd AS pnl_usd FROM fills WHERE ts_ms > $1 ORDER BY ts_ms, fill_id",
    [futuresTsMs],
  );
  const o = override.rows[0];
  return {
    version: row.version,
    breaker: row.breaker,
    trading: { causes: row.trading_causes },
    tradingSequence: row.trading_sequence,
    startOfDay: row.start_of_day_ms === null || row.start_of_day_equity_usd === null ? null : { dayStartMs: row.start_of_day_ms, equityUsd: row.start_of_day_equity_usd },
    accounts: row.accounts,
    fillPnlSinceSnapshot: fillPnl.rows.map((f) => ({ tsMs: f.ts_ms, pnlUsd: f.pnl_usd })),
    ledger: row.ledger,
    positions: row.positions,
    treasury: row.treasury,
    override: o ? { weights: o.weights, setBy: o.set_by, reason: o.reason, setAtMs: o.set_at_ms, expiresAtMs: o.expires_at_ms } : null,
    registeredPhases: phases.rows.map((r) => r.phase).filter(isPhase),
    performance: { trades: trades.rows.filter((t) => isPhase(t.phase)).map(tradeFromRow) },
    allocationFingerprint: row.allocation_fingerprint,
  };
}

const tradeFromRow = (t: TradeRow): ClosedTradeRecord => ({
  tradeId: t.trade_id,
  phase: t.phase as Phase,
  symbol: t.symbol,
  side: t.side,
  pnlUsd: t.pnl_usd,
  equityAtOpenUsd: t.equity_at_open_usd,
  openedAtMs: t.opened_at_ms,
  closedAtMs: t.closed_at_ms,
});

/**
 * Writes the state row over version `storedVersion` (the one the caller locked; `state.version` may be
 * several changes further) and returns the writing transaction's id, as lockState reports it later.
 */
export async function saveBrainState(tx: Queryable, state: BrainState, storedVersion: number): Promise<string> {
  const result = await tx.query<{ xmin: string }>(
    "brain_state_save",
    `UPDATE state SET version = $1, breaker = $2::jsonb, trading_causes = $3::jsonb, trading_sequence = $4,
       start_of_day_ms = $5, start_of_day_equity_usd = $6, accounts = $7::jsonb,
       ledger = $8::jsonb, positions = $9::jsonb, treasury = $10::jsonb, allocation_fingerprint = $11, updated_at = now()
     WHERE id = 1 AND version = $12
     RETURNING xmin::text AS xmin`,
    [
      state.version,
      json(state.breaker),
      json(state.trading.causes),
      state.tradingSequence,
      state.startOfDay?.dayStartMs ?? null,
      state.startOfDay?.equityUsd ?? null,
      json(state.accounts),
      json(state.ledger),
      json(state.positions),
      json(state.treasury),
      state.allocationFingerprint,
      storedVersion,
    ],
  );
  // The row is locked by this transaction, so only a caller that skipped the version check gets here.
  const row = result.rows[0];
  if (row === undefined) throw new Error(`brain state version ${storedVersion} is not the stored one: reload before changing state`);
  return row.xmin;
}
