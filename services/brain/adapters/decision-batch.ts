// A transaction's decisions, written together just before it commits. The stream consumer hands the
// brain a batch of signals in one inbox transaction; one multi-row INSERT for the batch costs one round
// trip instead of one per signal. The decisions table's unique signal id still decides what is a
// duplicate: a signal decided earlier conflicts in PostgreSQL, a second copy in the same batch here.
import type { Decision, EnvelopeOf, OrderCommand } from "../../shared/contracts/index.js";
import { createCommitGatherer } from "../../shared/db/commit-gatherer.js";
import type { Queryable } from "../../shared/db/database.js";

/** A verdict reached for one signal message, waiting for its transaction's decision INSERT. */
export interface PendingDecision {
  readonly envelope: EnvelopeOf<"signal">;
  readonly decision: Decision;
  /** The command an approval sends; null for a veto or an approval the risk guard stopped. */
  readonly order: OrderCommand | null;
  readonly decidedAtMs: number;
}

/** A pending decision after the INSERT: `inserted` false means its signal was already decided. */
export interface SettledDecision {
  readonly pending: PendingDecision;
  readonly inserted: boolean;
}

/** Acts on a written batch, in the order its decisions were gathered (publishes, rejections, metrics). */
export type SettleDecisions = (tx: Queryable, settled: readonly SettledDecision[]) => Promise<void>;

/** One row of the decisions table, as jsonb_to_recordset reads it. */
export interface DecisionRow {
  readonly decision_id: string;
  readonly signal_id: string;
  readonly message_id: string;
  readonly phase: number;
  readonly symbol: string;
  readonly side: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly detail: string | null;
  readonly requested_notional_usd: number;
  readonly authorised_notional_usd: number | null;
  readonly leverage: number | null;
  readonly client_order_id: string | null;
  readonly command_id: string | null;
  readonly risk: unknown;
  readonly signal: unknown;
  readonly signal_ts_ms: number;
  readonly decided_at_ms: number;
}

const signalKey = (signalId: string): string => signalId.toLowerCase();

/** JSON turns NaN and ±Infinity into null: refuse them here, with the column's name, not at the NOT NULL. */
const finite = <T extends number | null>(decisionId: string, column: string, value: T): T => {
  if (value !== null && !Number.isFinite(value)) throw new Error(`decision ${decisionId}: ${column} is ${value}, not a finite number`);
  return value;
};

/** The decisions table row of a pending decision. */
export const decisionRow = ({ envelope, decision, order, decidedAtMs }: PendingDecision): DecisionRow => {
  const signal = envelope.payload;
  const id = decision.decisionId;
  return {
    decision_id: id,
    signal_id: signal.signalId,
    message_id: envelope.id,
    phase: signal.phase,
    symbol: signal.symbol,
    side: signal.side,
    outcome: decision.outcome,
    reason: decision.outcome === "vetoed" ? decision.reason : null,
    detail: decision.outcome === "vetoed" ? decision.detail : null,
    requested_notional_usd: finite(id, "requested_notional_usd", signal.requestedNotionalUsd),
    authorised_notional_usd: finite(id, "authorised_notional_usd", decision.outcome === "approved" ? decision.authorisedNotionalUsd : null),
    leverage: finite(id, "leverage", decision.outcome === "approved" ? decision.leverage : null),
    client_order_id: order?.clientOrderId ?? null,
    command_id: order?.commandId ?? null,
    risk: decision.risk ?? null,
    signal,
    signal_ts_ms: finite(id, "signal_ts_ms", signal.tsMs),
    decided_at_ms: finite(id, "decided_at_ms", decidedAtMs),
  };
};

/** The first pending decision of each signal id, in gathering order: later copies are duplicates. */
export const firstPerSignal = (batch: readonly PendingDecision[]): PendingDecision[] => {
  const seen = new Set<string>();
  return batch.filter((p) => {
    const key = signalKey(p.envelope.payload.signalId);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Marks each pending decision inserted or not, given the signal ids the INSERT returned. */
export const settle = (batch: readonly PendingDecision[], candidates: readonly PendingDecision[], insertedSignalIds: Iterable<string>): SettledDecision[] => {
  const inserted = new Set([...insertedSignalIds].map(signalKey));
  const written = new Set(candidates.filter((p) => inserted.has(signalKey(p.envelope.payload.signalId))));
  return batch.map((pending) => ({ pending, inserted: written.has(pending) }));
};

/** One statement for the batch; a signal id already in the table is skipped (ON CONFLICT), not an error. */
export async function insertDecisions(tx: Queryable, batch: readonly PendingDecision[]): Promise<SettledDecision[]> {
  const candidates = firstPerSignal(batch);
  if (candidates.length === 0) return [];
  const { rows } = await tx.query<{ signal_id: string }>(
    "brain_decision_insert",
    `INSERT INTO decisions (decision_id, signal_id, message_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd,
       authorised_notional_usd, leverage, client_order_id, command_id, risk, signal, signal_ts_ms, decided_at_ms)
     SELECT decision_id, signal_id, message_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd,
       authorised_notional_usd, leverage, client_order_id, command_id, risk, signal, signal_ts_ms, decided_at_ms
       FROM jsonb_to_recordset($1::jsonb) AS r(decision_id uuid, signal_id uuid, message_id uuid, phase smallint, symbol text, side text,
         outcome text, reason text, detail text, requested_notional_usd double precision, authorised_notional_usd double precision,
         leverage double precision, client_order_id text, command_id uuid, risk jsonb, signal jsonb, signal_ts_ms bigint, decided_at_ms bigint)
     ON CONFLICT (signal_id) DO NOTHING
     RETURNING signal_id::text`,
    [JSON.stringify(candidates.map(decisionRow))],
  );
  return settle(batch, candidates, rows.map((r) => r.signal_id));
}

const gatherDecision = createCommitGatherer<PendingDecision>();

/**
 * Adds `pending` to `tx`'s decisions (`tx` from Database.transaction: the write needs its hooks). The
 * first one registers the before-commit write of them all, which hands the outcomes to `settleBatch`;
 * the messages it publishes are written after it.
 */
export function deferDecision(tx: Queryable, pending: PendingDecision, settleBatch: SettleDecisions): void {
  gatherDecision(tx, pending, async (gathered) => {
    const settled = await insertDecisions(tx, gathered);
    if (settled.length > 0) await settleBatch(tx, settled);
  });
}
