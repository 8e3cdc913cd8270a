// A transaction's decisions, written together just before it commits. The stream consumer hands the
// brain a batch of signals in one inbox transaction; one multi-row INSERT for the batch costs one round
// trip instead of one per signal. The decisions table's unique signal id still decides what is a
// duplicate: a signal decided earlier conflicts in PostgreSQL, a second copy in the same batch here.
//
// The same statement takes the share lock on the state row that keeps state changes out until the
// decisions commit, and writes them only if the row still has the version they were decided on: the
// lock costs no statement of its own. When the state moved in between, nothing is written and the batch
// is decided again on the state the lock found (which it then holds), exactly as if it had been locked
// before deciding.
import type { Decision, EnvelopeOf, OrderCommand } from "../../shared/contracts/index.js";
import { createCommitGatherer } from "../../shared/db/commit-gatherer.js";
import type { Queryable } from "../../shared/db/database.js";
import type { StoredVersion } from "./state-store.js";

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

/** Decides a batch again, on the state at `stored` (the version the INSERT's lock found, now held). */
export type Redecide = (batch: readonly PendingDecision[], stored: StoredVersion) => Promise<PendingDecision[]>;

/** The INSERT's answer: the batch written (each marked inserted or a duplicate), or nothing written because the state moved. */
export type InsertOutcome = { readonly kind: "written"; readonly settled: SettledDecision[] } | { readonly kind: "state-moved"; readonly stored: StoredVersion };

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

/**
 * One statement for the batch: locks the state row (FOR SHARE) and, if its version is `decidedOnVersion`,
 * inserts the decisions; a signal id already in the table is skipped (ON CONFLICT), not an error.
 */
export async function insertDecisions(tx: Queryable, batch: readonly PendingDecision[], decidedOnVersion: number): Promise<InsertOutcome> {
  const candidates = firstPerSignal(batch);
  const { rows } = await tx.query<{ version: number; xmin: string; signal_id: string | null }>(
    "brain_decision_insert",
    `WITH locked AS (SELECT version, xmin::text AS xmin FROM state WHERE id = 1 FOR SHARE),
     written AS (
       INSERT INTO decisions (decision_id, signal_id, message_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd,
         authorised_notional_usd, leverage, client_order_id, command_id, risk, signal, signal_ts_ms, decided_at_ms)
       SELECT decision_id, signal_id, message_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd,
         authorised_notional_usd, leverage, client_order_id, command_id, risk, signal, signal_ts_ms, decided_at_ms
         FROM jsonb_to_recordset($1::jsonb) AS r(decision_id uuid, signal_id uuid, message_id uuid, phase smallint, symbol text, side text,
           outcome text, reason text, detail text, requested_notional_usd double precision, authorised_notional_usd double precision,
           leverage double precision, client_order_id text, command_id uuid, risk jsonb, signal jsonb, signal_ts_ms bigint, decided_at_ms bigint)
        WHERE (SELECT version FROM locked) = $2
       ON CONFLICT (signal_id) DO NOTHING
       RETURNING signal_id::text AS signal_id)
     SELECT locked.version, locked.xmin, written.signal_id FROM locked LEFT JOIN written ON true`,
    [JSON.stringify(candidates.map(decisionRow)), decidedOnVersion],
  );
  const first = rows[0];
  if (first === undefined) throw new Error("the brain's state row is missing (ensureStateRow runs at start)");
  if (first.version !== decidedOnVersion) return { kind: "state-moved", stored: { version: first.version, writtenBy: first.xmin } };
  return { kind: "written", settled: settle(batch, candidates, rows.flatMap((r) => (r.signal_id === null ? [] : [r.signal_id]))) };
}

const gatherDecision = createCommitGatherer<PendingDecision>();

/**
 * Adds `pending`, decided on state version `decidedOnVersion`, to `tx`'s decisions (`tx` from
 * Database.transaction: the write needs its hooks). The first one registers the before-commit write of
 * them all (every decision of a transaction is made on the same state), which hands the outcomes to
 * `settleBatch`; the messages it publishes are written after it.
 */
export function deferDecision(tx: Queryable, pending: PendingDecision, decidedOnVersion: number, redecide: Redecide, settleBatch: SettleDecisions): void {
  gatherDecision(tx, pending, async (gathered) => {
    let outcome = await insertDecisions(tx, gathered, decidedOnVersion);
    if (outcome.kind === "state-moved") {
      const stored = outcome.stored;
      outcome = await insertDecisions(tx, await redecide(gathered, stored), stored.version);
      // The first INSERT left the row locked at that version: nobody else can have moved it.
      if (outcome.kind === "state-moved") throw new Error(`brain state moved from version ${stored.version} to ${outcome.stored.version} under a share lock`);
    }
    if (outcome.settled.length > 0) await settleBatch(tx, outcome.settled);
  });
}
