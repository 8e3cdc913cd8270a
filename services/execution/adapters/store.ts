// Execution's PostgreSQL adapter: the shadow state (orders, fills, positions), order commands, trading
// causes and named state values (the paper venue's books: paper-books-store.ts). Plain statements; every
// caller passes the transaction it writes in, so a state change and the messages announcing it commit together.

import type { OrderCommand } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { isEnqueuedInTransaction } from "../../shared/messaging/index.js";
import type { Position } from "../domain/matching/index.js";
import type { OrderPlan } from "../domain/pre-trade.js";
import type { ShadowOrder } from "../domain/shadow-state.js";
import type { CauseRecord } from "../domain/trading-state.js";

interface OrderRow {
  client_order_id: string;
  venue_order_id: string | null;
  symbol: string;
  side: ShadowOrder["side"];
  order_type: ShadowOrder["orderType"];
  reduce_only: boolean;
  status: ShadowOrder["status"];
  order_qty: number;
  filled_qty: number;
  avg_fill_price_usd: number | null;
  limit_price_usd: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

const orderFromRow = (r: OrderRow): ShadowOrder => ({
  clientOrderId: r.client_order_id,
  venueOrderId: r.venue_order_id,
  symbol: r.symbol,
  side: r.side,
  orderType: r.order_type,
  reduceOnly: r.reduce_only,
  status: r.status,
  orderQty: r.order_qty,
  filledQty: r.filled_qty,
  avgFillPriceUsd: r.avg_fill_price_usd,
  limitPriceUsd: r.limit_price_usd,
  createdTsMs: r.created_at_ms,
  updatedTsMs: r.updated_at_ms,
});

const ORDER_COLUMNS = "client_order_id, venue_order_id, symbol, side, order_type, reduce_only, status, order_qty, filled_qty, avg_fill_price_usd, limit_price_usd, created_at_ms, updated_at_ms";

export interface LoadedShadow {
  readonly positions: Position[];
  readonly orders: ShadowOrder[];
  readonly fillIds: string[];
}

/** What the service restores on start: every position, open and recent orders, recent fill ids. */
export async function loadShadow(q: Queryable, recentSinceMs: number, maxFillIds = 20_000): Promise<LoadedShadow> {
  const positions = await q.query<{
    symbol: string;
    side: Position["side"];
    qty: number;
    avg_entry_price_usd: number | null;
    realised_pnl_usd: number;
    leverage: number;
    created_at_ms: number;
    updated_at_ms: number;
  }>("execution_load_positions", "SELECT symbol, side, qty, avg_entry_price_usd, realised_pnl_usd, leverage, created_at_ms, updated_at_ms FROM positions");
  const orders = await q.query<OrderRow>(
    "execution_load_orders",
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ('new', 'partially-filled') OR updated_at_ms >= $1`,
    [recentSinceMs],
  );
  const fills = await q.query<{ fill_id: string }>("execution_load_fill_ids", "SELECT fill_id FROM fills ORDER BY venue_ts_ms DESC LIMIT $1", [maxFillIds]);
  return {
    positions: positions.rows.map((r) => ({
      symbol: r.symbol,
      side: r.side,
      qty: r.qty,
      avgEntryPriceUsd: r.avg_entry_price_usd,
      realisedPnlUsd: r.realised_pnl_usd,
      stopLossPriceUsd: null,
      takeProfitPriceUsd: null,
      leverage: r.leverage,
      createdTsMs: r.created_at_ms,
      updatedTsMs: r.updated_at_ms,
    })),
    orders: orders.rows.map(orderFromRow),
    fillIds: fills.rows.map((r) => r.fill_id),
  };
}

export async function loadOrder(q: Queryable, clientOrderId: string): Promise<ShadowOrder | null> {
  const { rows } = await q.query<OrderRow>("execution_load_order", `SELECT ${ORDER_COLUMNS} FROM orders WHERE client_order_id = $1`, [clientOrderId]);
  return rows[0] ? orderFromRow(rows[0]) : null;
}

export async function listOrders(q: Queryable, opts: { openOnly: boolean; limit: number }): Promise<ShadowOrder[]> {
  const where = opts.openOnly ? "WHERE status IN ('new', 'partially-filled')" : "";
  const { rows } = await q.query<OrderRow>("execution_list_orders", `SELECT ${ORDER_COLUMNS} FROM orders ${where} ORDER BY updated_at_ms DESC LIMIT $1`, [opts.limit]);
  return rows.map(orderFromRow);
}

export interface FillRow {
  readonly fillId: string;
  readonly reportId: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string | null;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
  readonly liquidity: "maker" | "taker";
  readonly source: "stream" | "poll";
  readonly venueTsMs: number;
  readonly recordedAtMs: number;
}

/**
 * Records a fill: `inserted` is false when it was recorded before (the second copy is harmless). A new
 * fill also stamps the first-fill time of the command behind its order, in the same statement;
 * `firstFillCommandTsMs` is that command's time when this was its first fill, else null.
 */
export async function insertFill(tx: Queryable, f: FillRow): Promise<{ inserted: boolean; firstFillCommandTsMs: number | null }> {
  const { rows } = await tx.query<{ inserted: boolean; command_ts_ms: number | null }>(
    "execution_insert_fill",
    `WITH fill AS (
       INSERT INTO fills (fill_id, report_id, client_order_id, venue_order_id, symbol, side, qty, price_usd, fee_usd, liquidity, source, venue_ts_ms, recorded_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (fill_id) DO NOTHING
       RETURNING client_order_id
     ), first AS (
       UPDATE order_commands SET first_fill_at_ms = $13
        WHERE client_order_id IN (SELECT client_order_id FROM fill) AND first_fill_at_ms IS NULL
       RETURNING command_ts_ms
     )
     SELECT EXISTS (SELECT 1 FROM fill) AS inserted, (SELECT command_ts_ms FROM first LIMIT 1) AS command_ts_ms`,
    [f.fillId, f.reportId, f.clientOrderId, f.venueOrderId, f.symbol, f.side, f.qty, f.priceUsd, f.feeUsd, f.liquidity, f.source, f.venueTsMs, f.recordedAtMs],
  );
  return { inserted: rows[0]?.inserted === true, firstFillCommandTsMs: rows[0]?.command_ts_ms ?? null };
}

/** Which of these message ids are already in this service's outbox, in one statement (lower-case ids). */
export async function publishedAmong(tx: Queryable, messageIds: readonly string[]): Promise<Set<string>> {
  const found = new Set(messageIds.filter((id) => isEnqueuedInTransaction(tx, id)).map((id) => id.toLowerCase()));
  const rest = messageIds.filter((id) => !found.has(id.toLowerCase()));
  if (rest.length === 0) return found;
  const { rows } = await tx.query<{ id: string }>("execution_outbox_has_any", "SELECT id::text AS id FROM outbox WHERE id = ANY($1::uuid[])", [rest]);
  for (const r of rows) found.add(r.id.toLowerCase());
  return found;
}

// ── named values ─────────────────────────────────────────────────────────────────────────────────

export async function getMeta<T>(q: Queryable, key: string): Promise<T | null> {
  const { rows } = await q.query<{ value: T }>("execution_get_meta", "SELECT value FROM state_meta WHERE key = $1", [key]);
  return rows[0]?.value ?? null;
}

export async function setMeta(tx: Queryable, key: string, value: unknown, nowMs: number): Promise<void> {
  await tx.query(
    "execution_set_meta",
    "INSERT INTO state_meta (key, value, updated_at_ms) VALUES ($1, $2::jsonb, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at_ms = EXCLUDED.updated_at_ms",
    [key, JSON.stringify(value), nowMs],
  );
}

// ── order commands ───────────────────────────────────────────────────────────────────────────────

export interface CommandRow {
  readonly commandId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly status: "pending" | "submitted" | "refused" | "cancelled";
  readonly plan: OrderPlan | null;
  readonly command: OrderCommand;
  readonly submitAttempts: number;
  readonly lastAttemptAtMs: number | null;
  readonly venueOrderId: string | null;
  readonly commandTsMs: number;
  readonly receivedAtMs: number;
  readonly ackedAtMs: number | null;
  readonly firstFillAtMs: number | null;
  readonly refusalReason: string | null;
  readonly refusalDetail: string | null;
}

interface CommandDbRow {
  command_id: string;
  client_order_id: string;
  symbol: string;
  status: CommandRow["status"];
  plan: OrderPlan | null;
  command: OrderCommand;
  submit_attempts: number;
  last_attempt_at_ms: number | null;
  venue_order_id: string | null;
  command_ts_ms: number;
  received_at_ms: number;
  acked_at_ms: number | null;
  first_fill_at_ms: number | null;
  refusal_reason: string | null;
  refusal_detail: string | null;
}

const commandFromRow = (r: CommandDbRow): CommandRow => ({
  commandId: r.command_id,
  clientOrderId: r.client_order_id,
  symbol: r.symbol,
  status: r.status,
  plan: r.plan,
  command: r.command,
  submitAttempts: r.submit_attempts,
  lastAttemptAtMs: r.last_attempt_at_ms,
  venueOrderId: r.venue_order_id,
  commandTsMs: r.command_ts_ms,
  receivedAtMs: r.received_at_ms,
  ackedAtMs: r.acked_at_ms,
  firstFillAtMs: r.first_fill_at_ms,
  refusalReason: r.refusal_reason,
  refusalDetail: r.refusal_detail,
});

const COMMAND_COLUMNS =
  "command_id, client_order_id, symbol, status, plan, command, submit_attempts, last_attempt_at_ms, venue_order_id, command_ts_ms, received_at_ms, acked_at_ms, first_fill_at_ms, refusal_reason, refusal_detail";

export async function findCommand(q: Queryable, commandId: string, clientOrderId: string): Promise<CommandRow | null> {
  const { rows } = await q.query<CommandDbRow>(
    "execution_find_command",
    `SELECT ${COMMAND_COLUMNS} FROM order_commands WHERE command_id = $1 OR client_order_id = $2 LIMIT 1`,
    [commandId, clientOrderId],
  );
  return rows[0] ? commandFromRow(rows[0]) : null;
}

export async function commandByClientId(q: Queryable, clientOrderId: string): Promise<CommandRow | null> {
  const { rows } = await q.query<CommandDbRow>("execution_command_by_client_id", `SELECT ${COMMAND_COLUMNS} FROM order_commands WHERE client_order_id = $1`, [clientOrderId]);
  return rows[0] ? commandFromRow(rows[0]) : null;
}

export async function pendingCommands(q: Queryable): Promise<CommandRow[]> {
  const { rows } = await q.query<CommandDbRow>("execution_pending_commands", `SELECT ${COMMAND_COLUMNS} FROM order_commands WHERE status = 'pending' ORDER BY received_at_ms`);
  return rows.map(commandFromRow);
}

export async function recentCommands(q: Queryable, limit: number): Promise<CommandRow[]> {
  const { rows } = await q.query<CommandDbRow>("execution_recent_commands", `SELECT ${COMMAND_COLUMNS} FROM order_commands ORDER BY received_at_ms DESC LIMIT $1`, [limit]);
  return rows.map(commandFromRow);
}

export interface NewCommand {
  readonly command: OrderCommand;
  readonly messageId: string;
  readonly symbol: string;
  readonly status: "pending" | "refused";
  readonly plan: OrderPlan | null;
  readonly refusalReason?: string;
  readonly refusalDetail?: string;
  readonly receivedAtMs: number;
}

export async function insertCommand(tx: Queryable, c: NewCommand): Promise<void> {
  await tx.query(
    "execution_insert_command",
    `INSERT INTO order_commands (command_id, client_order_id, signal_id, message_id, symbol, status, plan, command, refusal_reason, refusal_detail, command_ts_ms, received_at_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12)`,
    [
      c.command.commandId,
      c.command.clientOrderId,
      c.command.signalId,
      c.messageId,
      c.symbol,
      c.status,
      c.plan === null ? null : JSON.stringify(c.plan),
      JSON.stringify(c.command),
      c.refusalReason ?? null,
      c.refusalDetail ?? null,
      c.command.tsMs,
      c.receivedAtMs,
    ],
  );
}

/** One order_commands row as jsonb_to_recordset reads it (insertCommands). */
export interface CommandRecord {
  readonly command_id: string;
  readonly client_order_id: string;
  readonly signal_id: string;
  readonly message_id: string;
  readonly symbol: string;
  readonly status: NewCommand["status"];
  readonly plan: OrderPlan | null;
  readonly command: OrderCommand;
  readonly refusal_reason: string | null;
  readonly refusal_detail: string | null;
  readonly command_ts_ms: number;
  readonly received_at_ms: number;
}

/** JSON turns NaN and ±Infinity into null: refuse them here, with the column's name, not at the NOT NULL. */
const finiteMs = (commandId: string, column: string, value: number): number => {
  if (!Number.isFinite(value)) throw new Error(`order command ${commandId}: ${column} is ${value}, not a finite number`);
  return value;
};

/** The row insertCommand would write for `c`, as one element of insertCommands' JSON array. */
export const commandRecord = (c: NewCommand): CommandRecord => ({
  command_id: c.command.commandId,
  client_order_id: c.command.clientOrderId,
  signal_id: c.command.signalId,
  message_id: c.messageId,
  symbol: c.symbol,
  status: c.status,
  plan: c.plan,
  command: c.command,
  refusal_reason: c.refusalReason ?? null,
  refusal_detail: c.refusalDetail ?? null,
  command_ts_ms: finiteMs(c.command.commandId, "command_ts_ms", c.command.tsMs),
  received_at_ms: finiteMs(c.command.commandId, "received_at_ms", c.receivedAtMs),
});

/**
 * Several commands in one statement. A command whose id or client order id is already in the table is
 * skipped, not an error (ON CONFLICT without a target covers both unique keys); the caller must not
 * pass two commands sharing either key. Returns the ids of the commands written.
 */
export async function insertCommands(tx: Queryable, commands: readonly NewCommand[]): Promise<string[]> {
  if (commands.length === 0) return [];
  const { rows } = await tx.query<{ command_id: string }>(
    "execution_insert_commands",
    `INSERT INTO order_commands (command_id, client_order_id, signal_id, message_id, symbol, status, plan, command, refusal_reason, refusal_detail, command_ts_ms, received_at_ms)
     SELECT command_id, client_order_id, signal_id, message_id, symbol, status, plan, command, refusal_reason, refusal_detail, command_ts_ms, received_at_ms
       FROM jsonb_to_recordset($1::jsonb) AS r(command_id uuid, client_order_id text, signal_id uuid, message_id uuid, symbol text, status text,
         plan jsonb, command jsonb, refusal_reason text, refusal_detail text, command_ts_ms bigint, received_at_ms bigint)
     ON CONFLICT DO NOTHING
     RETURNING command_id::text`,
    [JSON.stringify(commands.map(commandRecord))],
  );
  return rows.map((r) => r.command_id);
}

/** Written (and committed) before a create request leaves, so a restart knows to look first. */
export async function countSubmitAttempt(q: Queryable, commandId: string, plan: OrderPlan, atMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    "execution_command_attempt",
    "UPDATE order_commands SET submit_attempts = submit_attempts + 1, last_attempt_at_ms = $3, plan = $2::jsonb WHERE command_id = $1 AND status = 'pending'",
    [commandId, JSON.stringify(plan), atMs],
  );
  return rowCount === 1;
}

export async function markCommandAcked(q: Queryable, commandId: string, venueOrderId: string, ackedAtMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    "execution_command_acked",
    "UPDATE order_commands SET status = 'submitted', venue_order_id = $2, acked_at_ms = $3 WHERE command_id = $1 AND status = 'pending'",
    [commandId, venueOrderId, ackedAtMs],
  );
  return rowCount === 1;
}

/** Closes a pending command; `onlyUnsent` leaves alone one whose create request may have left. */
export async function markCommandClosed(q: Queryable, commandId: string, status: "refused" | "cancelled", reason: string, detail: string, onlyUnsent = false): Promise<boolean> {
  const { rowCount } = await q.query(
    "execution_command_closed",
    `UPDATE order_commands SET status = $2, refusal_reason = $3, refusal_detail = $4 WHERE command_id = $1 AND status = 'pending'${onlyUnsent ? " AND submit_attempts = 0" : ""}`,
    [commandId, status, reason, detail.slice(0, 1000)],
  );
  return rowCount === 1;
}

// ── trading causes ───────────────────────────────────────────────────────────────────────────────

export async function loadCauses(q: Queryable): Promise<CauseRecord[]> {
  const { rows } = await q.query<{ record: CauseRecord }>("execution_load_causes", "SELECT record FROM trading_causes ORDER BY cause_key");
  return rows.map((r) => r.record);
}

export async function replaceCauses(tx: Queryable, causes: readonly CauseRecord[]): Promise<void> {
  await tx.query("execution_clear_causes", "DELETE FROM trading_causes");
  for (const c of causes) {
    const key = c.cause === "dependency-unavailable" ? `${c.cause}:${c.dependency ?? ""}` : c.cause;
    await tx.query("execution_insert_cause", "INSERT INTO trading_causes (cause_key, record) VALUES ($1, $2::jsonb)", [key, JSON.stringify(c)]);
  }
}
