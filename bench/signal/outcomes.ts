// What became of each signal, from the services' own records: the scavenger outbox (relayed to the bus),
// the brain's decision, execution's order command (received, acknowledged by the venue, or refused).
// Every timestamp is a service's wall clock on this one machine, in milliseconds.
import type pg from "pg";
import { ratePerSecond, summariseLatencies, type LatencySummary } from "../lib/stats.js";

export interface SignalOutcomeRow {
  readonly signalId: string;
  readonly signalTsMs: number;
  /** When the scavenger's relay marked the signal published to the bus (null: not yet, or the row is gone). */
  readonly relayedAtMs: number | null;
  readonly decidedAtMs: number | null;
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly receivedAtMs: number | null;
  readonly ackedAtMs: number | null;
  readonly commandStatus: string | null;
  readonly refusalReason: string | null;
  /** The brain refused the input itself (duplicate, unknown symbol, invalid). */
  readonly rejectedReason: string | null;
}

export const OUTCOME_SQL = `
SELECT s.id::text AS signal_id,
       d.signal_ts_ms, d.decided_at_ms, d.outcome, d.reason,
       (extract(epoch FROM o.published_at) * 1000)::float8 AS relayed_at_ms,
       c.received_at_ms, c.acked_at_ms, c.status AS command_status, c.refusal_reason,
       r.reason AS rejected_reason
  FROM unnest($1::uuid[]) AS s(id)
  LEFT JOIN brain.decisions d ON d.signal_id = s.id
  LEFT JOIN scavenger.outbox o ON o.id = s.id
  LEFT JOIN execution.order_commands c ON c.signal_id = s.id
  LEFT JOIN LATERAL (SELECT reason FROM brain.signal_rejections WHERE signal_id = s.id LIMIT 1) r ON true`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export const readOutcomes = async (pool: pg.Pool, signalIds: readonly string[]): Promise<SignalOutcomeRow[]> => {
  const { rows } = await pool.query(OUTCOME_SQL, [signalIds]);
  return rows.map((r: Record<string, unknown>) => ({
    signalId: String(r.signal_id),
    signalTsMs: num(r.signal_ts_ms) ?? Number.NaN,
    relayedAtMs: num(r.relayed_at_ms),
    decidedAtMs: num(r.decided_at_ms),
    outcome: (r.outcome as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    receivedAtMs: num(r.received_at_ms),
    ackedAtMs: num(r.acked_at_ms),
    commandStatus: (r.command_status as string | null) ?? null,
    refusalReason: (r.refusal_reason as string | null) ?? null,
    rejectedReason: (r.rejected_reason as string | null) ?? null,
  }));
};

/** Decided (or rejected) and, when approved, its command settled: acknowledged, refused or cancelled. */
export const isSettled = (r: SignalOutcomeRow): boolean => {
  if (r.rejectedReason !== null && r.decidedAtMs === null) return true;
  if (r.decidedAtMs === null) return false;
  if (r.outcome !== "approved") return true;
  return r.ackedAtMs !== null || r.commandStatus === "refused" || r.commandStatus === "cancelled";
};

export interface SignalRunSummary {
  readonly offered: number;
  readonly decided: number;
  readonly approved: number;
  readonly acked: number;
  readonly unsettled: number;
  /** Vetoes, rejections and refusals by reason ("vetoed:stale", "refused:price-out-of-band"…). */
  readonly notSubmitted: Readonly<Record<string, number>>;
  /** signal tsMs → order acknowledged by the venue, for every acknowledged signal. */
  readonly signalToAck?: LatencySummary;
  /** The hops: tsMs → relayed to the bus, → decided by the brain, → received by execution, → acknowledged. */
  readonly hops: {
    readonly scavengerRelay?: LatencySummary;
    readonly busToDecision?: LatencySummary;
    readonly decisionToExecution?: LatencySummary;
    readonly executionToAck?: LatencySummary;
    /** signal tsMs → decision, for every decided signal (the brain's own KPI figure). */
    readonly signalToDecision?: LatencySummary;
  };
  /** Decisions per second from the first signal to the last decision. */
  readonly decisionsPerSecond: number;
  /** Venue acknowledgements per second from the first signal to the last acknowledgement. */
  readonly acksPerSecond: number;
  /** Per-signal latencies to the acknowledgement, in seconds (for the histogram). */
  readonly ackLatenciesSeconds: readonly number[];
}

const seconds = (from: number | null, to: number | null): number | null => (from === null || to === null ? null : Math.max(0, to - from) / 1000);
const present = (values: Array<number | null>): number[] => values.filter((v): v is number => v !== null);

export const summariseSignalRun = (rows: readonly SignalOutcomeRow[]): SignalRunSummary => {
  const notSubmitted: Record<string, number> = {};
  const bump = (key: string): void => void (notSubmitted[key] = (notSubmitted[key] ?? 0) + 1);
  for (const r of rows) {
    if (r.decidedAtMs === null) bump(r.rejectedReason !== null ? `rejected:${r.rejectedReason}` : "undecided");
    else if (r.outcome !== "approved") bump(`${r.outcome ?? "?"}:${r.reason ?? "?"}`);
    else if (r.ackedAtMs === null) bump(r.commandStatus === null ? "approved, not yet at execution" : `${r.commandStatus}:${r.refusalReason ?? "?"}`);
  }
  const acked = rows.filter((r) => r.ackedAtMs !== null);
  const decided = rows.filter((r) => r.decidedAtMs !== null);
  const ackLatenciesSeconds = present(acked.map((r) => seconds(r.signalTsMs, r.ackedAtMs)));
  const firstTsMs = Math.min(...rows.map((r) => r.signalTsMs).filter(Number.isFinite));
  const lastDecidedMs = Math.max(...present(decided.map((r) => r.decidedAtMs)));
  const lastAckedMs = Math.max(...present(acked.map((r) => r.ackedAtMs)));
  const withOpt = <K extends string>(key: K, s: LatencySummary | undefined): Partial<Record<K, LatencySummary>> => (s ? ({ [key]: s } as Record<K, LatencySummary>) : {});
  return {
    offered: rows.length,
    decided: decided.length,
    approved: rows.filter((r) => r.outcome === "approved").length,
    acked: acked.length,
    unsettled: rows.filter((r) => !isSettled(r)).length,
    notSubmitted,
    ...withOpt("signalToAck", summariseLatencies(ackLatenciesSeconds)),
    hops: {
      ...withOpt("scavengerRelay", summariseLatencies(present(acked.map((r) => seconds(r.signalTsMs, r.relayedAtMs))))),
      ...withOpt("busToDecision", summariseLatencies(present(acked.map((r) => seconds(r.relayedAtMs, r.decidedAtMs))))),
      ...withOpt("decisionToExecution", summariseLatencies(present(acked.map((r) => seconds(r.decidedAtMs, r.receivedAtMs))))),
      ...withOpt("executionToAck", summariseLatencies(present(acked.map((r) => seconds(r.receivedAtMs, r.ackedAtMs))))),
      ...withOpt("signalToDecision", summariseLatencies(present(decided.map((r) => seconds(r.signalTsMs, r.decidedAtMs))))),
    },
    decisionsPerSecond: decided.length > 0 ? ratePerSecond(decided.length, lastDecidedMs - firstTsMs) : 0,
    acksPerSecond: acked.length > 0 ? ratePerSecond(acked.length, lastAckedMs - firstTsMs) : 0,
    ackLatenciesSeconds,
  };
};

/**
 * What a run says about the path: nothing at the venue because the brain vetoed every signal (a backlog
 * past the freshness window, the phase's allocation used up) is an overloaded path, not a broken one.
 */
export const runVerdict = (s: Pick<SignalRunSummary, "acked" | "notSubmitted">): "measured" | "saturated" | "broken" => {
  if (s.acked > 0) return "measured";
  const all = Object.entries(s.notSubmitted);
  return all.length > 0 && all.every(([reason]) => reason.startsWith("vetoed:")) ? "saturated" : "broken";
};
