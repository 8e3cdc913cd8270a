// Decisions, newest first, a page at a time: keyset paging on (decided_at_ms, decision_id), so a page
// never repeats or skips a row while new decisions arrive.
import type { Queryable } from "../../shared/db/database.js";
import type { DecisionQuery, DecisionView } from "./schemas.js";

interface DecisionRow {
  decision_id: string;
  signal_id: string;
  phase: number;
  symbol: string;
  side: "long" | "short";
  outcome: "approved" | "vetoed";
  reason: string | null;
  detail: string | null;
  requested_notional_usd: number;
  authorised_notional_usd: number | null;
  leverage: number | null;
  client_order_id: string | null;
  command_id: string | null;
  risk: unknown;
  signal_ts_ms: number;
  decided_at_ms: number;
}

export const cursorOf = (d: Pick<DecisionView, "decidedAtMs" | "decisionId">): string => `${d.decidedAtMs}_${d.decisionId}`;

export async function listDecisions(q: Queryable, query: DecisionQuery): Promise<{ decisions: DecisionView[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (query.outcome !== undefined) add("outcome = ?", query.outcome);
  if (query.reason !== undefined) add("reason = ?", query.reason);
  if (query.symbol !== undefined) add("symbol = ?", query.symbol);
  if (query.phase !== undefined) add("phase = ?", query.phase);
  if (query.fromMs !== undefined) add("decided_at_ms >= ?", query.fromMs);
  if (query.toMs !== undefined) add("decided_at_ms < ?", query.toMs);
  if (query.cursor !== undefined) {
    const [ms, id] = query.cursor.split("_");
    params.push(Number(ms), id);
    where.push(`(decided_at_ms, decision_id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(query.limit + 1);
  const { rows } = await q.query<DecisionRow>(
    "brain_decisions_list",
    `SELECT decision_id, signal_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd, authorised_notional_usd,
            leverage, client_order_id, command_id, risk, signal_ts_ms, decided_at_ms
       FROM decisions ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY decided_at_ms DESC, decision_id DESC LIMIT $${params.length}`,
    params,
  );
  const decisions = rows.slice(0, query.limit).map(view);
  const last = decisions[decisions.length - 1];
  return { decisions, nextCursor: rows.length > query.limit && last !== undefined ? cursorOf(last) : null };
}

const view = (r: DecisionRow): DecisionView => ({
  decisionId: r.decision_id,
  signalId: r.signal_id,
  phase: r.phase as DecisionView["phase"],
  symbol: r.symbol,
  side: r.side,
  outcome: r.outcome,
  reason: r.reason,
  detail: r.detail,
  requestedNotionalUsd: r.requested_notional_usd,
  authorisedNotionalUsd: r.authorised_notional_usd,
  leverage: r.leverage,
  clientOrderId: r.client_order_id,
  commandId: r.command_id,
  risk: r.risk ?? null,
  signalTsMs: r.signal_ts_ms,
  decidedAtMs: r.decided_at_ms,
});
