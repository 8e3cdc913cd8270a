// Deciding a signal, inside the inbox transaction of the message that carried it: the decision row
// (unique per signal id), the decision message and, for an approval, the order command all commit
// together, or none does. A redelivered message is absorbed by the inbox, a second copy of a decided
// signal by the decision's unique key; either way no second order command can exist. The rows of a
// consumer batch are written in one statement just before COMMIT (decision-batch.ts).
import { publishInTransaction } from "../../shared/bus.js";
import type { Decision, EnvelopeOf, OrderCommand } from "../../shared/contracts/index.js";
import { onCommit, type Queryable } from "../../shared/db/database.js";
import { faultPoint } from "../../shared/faults.js";
import { approveSignal, effectiveState, performanceModifiers, type CauseRecord, type RejectReason } from "../domain/index.js";
import { allocationOf, equityUsd, openPositions, portfolioSnapshot, type BrainState } from "../state/brain-state.js";
import { withHeldCauses } from "../state/dependency-causes.js";
import { orderGuardProblems } from "../state/order-guard.js";
import type { Brain } from "./brain.js";
import { deferDecision, type PendingDecision, type SettledDecision } from "./decision-batch.js";
import type { StoredVersion } from "./state-store.js";

/** Crash points for the exactly-once tests (services/shared/faults.ts). */
export const BRAIN_FAULT_POINTS = {
  /** The decision row and its messages are written (before COMMIT, per decided signal), the transaction not yet committed. */
  signalBeforeCommit: "brain.signal.before-commit",
  /** Committed; the relay has not published the decision or the order command yet. */
  signalAfterCommitBeforePublish: "brain.signal.after-commit-before-publish",
} as const;

const NO_DECIDED_IDS: ReadonlySet<string> = new Set();

/** What deciding a pending decision again needs besides the state: the causes held when it was first decided. */
interface DecidedWith {
  readonly heldCauses: readonly CauseRecord[];
  /** The post-approval guard's findings, when it turned an approval into a veto (logged and counted at commit). */
  readonly guardProblems: readonly string[];
}

const decidedWith = new WeakMap<PendingDecision, DecidedWith>();

type Verdict = { readonly kind: "pending"; readonly pending: PendingDecision } | { readonly kind: "rejected"; readonly reason: RejectReason; readonly detail: string };

/** The decision for `envelope` on `state` at `nowMs`: pure apart from reading the brain's prices and settings. */
function decide(brain: Brain, envelope: EnvelopeOf<"signal">, state: BrainState, nowMs: number, heldCauses: readonly CauseRecord[]): Verdict {
  const signal = envelope.payload;
  const params = brain.params;
  // Duplicates are caught by the decisions table's unique key when the batch is written, not by a set held in memory.
  const verdict = approveSignal({
    signal,
    nowMs,
    params,
    portfolio: portfolioSnapshot(state, brain.latestPrice),
    breaker: state.breaker,
    tradingState: effectiveState(withHeldCauses(state.trading, heldCauses), nowMs),
    allocation: allocationOf(state, params, nowMs),
    performanceModifiers: performanceModifiers(state.performance, nowMs, params),
    knownSymbols: brain.settings.symbols,
    prices: brain.prices.history(),
    decidedSignalIds: NO_DECIDED_IDS,
  });
  if (verdict.kind === "rejected") return verdict;

  let decision: Decision = verdict.decision;
  let order: OrderCommand | null = verdict.orderCommand;
  let guardProblems: string[] = [];
  if (decision.outcome === "approved" && order !== null) {
    guardProblems = orderGuardProblems(order, decision, openPositions(state, brain.latestPrice), equityUsd(state) ?? 0, params);
    if (guardProblems.length > 0) {
      const { authorisedNotionalUsd: _authorised, leverage: _leverage, outcome: _outcome, ...header } = decision;
      decision = { ...header, outcome: "vetoed", reason: "risk-limit", detail: `post-approval guard: ${guardProblems.join("; ")}`.slice(0, 1_000) };
      order = null;
    }
  }
  const pending: PendingDecision = { envelope, decision, order, decidedAtMs: nowMs };
  decidedWith.set(pending, { heldCauses, guardProblems });
  return { kind: "pending", pending };
}

/** `heldCauses`: the dependency watch's causes in force now; they restrict approval like persisted ones. */
export async function decideSignal(brain: Brain, envelope: EnvelopeOf<"signal">, tx: Queryable, heldCauses: readonly CauseRecord[] = []): Promise<void> {
  // No statement here: the decisions' INSERT locks the state row and checks this state's version (decision-batch.ts).
  const state = brain.decisionState(tx);
  const verdict = decide(brain, envelope, state, brain.clock.nowMs(), heldCauses);
  if (verdict.kind === "rejected") return reject(brain, envelope, tx, verdict.reason, verdict.detail);
  deferDecision(
    tx,
    verdict.pending,
    state.version,
    (batch, stored) => redecide(brain, tx, batch, stored),
    (batchTx, settled) => settleDecisions(brain, batchTx, settled),
  );
}

/** The state moved between deciding and locking: the batch decided again, at the same times, on the state the lock holds. */
async function redecide(brain: Brain, tx: Queryable, batch: readonly PendingDecision[], stored: StoredVersion): Promise<PendingDecision[]> {
  const state = await brain.lockedState(tx, stored);
  brain.logger.debug({ signals: batch.length, version: stored.version }, "brain: the state moved while a batch was decided; deciding it again");
  return batch.map((p) => {
    const verdict = decide(brain, p.envelope, state, p.decidedAtMs, decidedWith.get(p)?.heldCauses ?? []);
    // Rejections depend on the signal alone, never on the state: a first verdict of "pending" stays one.
    if (verdict.kind === "rejected") throw new Error(`signal ${p.envelope.payload.signalId}: rejected (${verdict.reason}) when decided again`);
    return verdict.pending;
  });
}

/**
 * Runs once the transaction's decisions are written, in the order the signals came: a decision that
 * went in is announced (decision, then its order command), one whose signal was already decided is a
 * duplicate and publishes nothing.
 */
async function settleDecisions(brain: Brain, tx: Queryable, settled: readonly SettledDecision[]): Promise<void> {
  for (const { pending, inserted } of settled) {
    const signalId = pending.envelope.payload.signalId;
    if (inserted) await announce(brain, tx, pending);
    else await reject(brain, pending.envelope, tx, "duplicate", `signal ${signalId} was already decided`);
  }
}

async function announce(brain: Brain, tx: Queryable, pending: PendingDecision): Promise<void> {
  const { envelope, decision, order } = pending;
  const signal = envelope.payload;
  const publish = { source: "brain" as const, clock: brain.clock, correlationId: signal.signalId };
  await publishInTransaction(tx, "decision", decision, { ...publish, id: decision.decisionId, causationId: envelope.id });
  if (order !== null) await publishInTransaction(tx, "order-command", order, { ...publish, id: order.commandId, causationId: decision.decisionId });
  faultPoint(BRAIN_FAULT_POINTS.signalBeforeCommit);

  const outcome = decision.outcome;
  const reason = decision.outcome === "vetoed" ? decision.reason : "approved";
  const guardProblems = decidedWith.get(pending)?.guardProblems ?? [];
  if (guardProblems.length > 0) {
    brain.logger.error({ signalId: signal.signalId, problems: guardProblems }, "brain: an approved order broke a risk cap; it is not sent");
    onCommit(tx, () => brain.metrics.ordersOutsideRiskLimitsTotal.inc());
  }
  onCommit(tx, () => {
    // The decision row is committed and never changes: its order's fills need no lookup for their phase.
    if (order !== null) brain.orderPhases.remember(order.clientOrderId, signal.phase);
    faultPoint(BRAIN_FAULT_POINTS.signalAfterCommitBeforePublish);
    brain.metrics.decisionsTotal.inc({ outcome, reason });
    brain.metrics.signalProcessingSeconds.observe({ outcome }, Math.max(0, brain.clock.nowMs() - signal.tsMs) / 1_000);
  });
}

/** Bad or repeated input: recorded and counted, and nothing else changes. */
async function reject(brain: Brain, envelope: EnvelopeOf<"signal">, tx: Queryable, reason: RejectReason, detail: string): Promise<void> {
  const signal = envelope.payload;
  await tx.query(
    "brain_signal_rejection_insert",
    `INSERT INTO signal_rejections (message_id, signal_id, symbol, phase, reason, detail, rejected_at_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
    [envelope.id, signal.signalId, signal.symbol, signal.phase, reason, detail.slice(0, 2_000), brain.clock.nowMs()],
  );
  brain.logger.warn({ signalId: signal.signalId, messageId: envelope.id, reason, detail }, "brain: signal rejected");
  onCommit(tx, () => brain.metrics.decisionsTotal.inc({ outcome: "rejected", reason }));
}
