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
import { allocationOf, equityUsd, openPositions, portfolioSnapshot } from "../state/brain-state.js";
import { withHeldCauses } from "../state/dependency-causes.js";
import { orderGuardProblems } from "../state/order-guard.js";
import type { Brain } from "./brain.js";
import { deferDecision, type PendingDecision, type SettledDecision } from "./decision-batch.js";

/** Crash points for the exactly-once tests (services/shared/faults.ts). */
export const BRAIN_FAULT_POINTS = {
  /** The decision row and its messages are written (before COMMIT, per decided signal), the transaction not yet committed. */
  signalBeforeCommit: "brain.signal.before-commit",
  /** Committed; the relay has not published the decision or the order command yet. */
  signalAfterCommitBeforePublish: "brain.signal.after-commit-before-publish",
} as const;

const NO_DECIDED_IDS: ReadonlySet<string> = new Set();

/** `heldCauses`: the dependency watch's causes in force now; they restrict approval like persisted ones. */
export async function decideSignal(brain: Brain, envelope: EnvelopeOf<"signal">, tx: Queryable, heldCauses: readonly CauseRecord[] = []): Promise<void> {
  const signal = envelope.payload;
  const state = await brain.stateIn(tx, "share");
  const nowMs = brain.clock.nowMs();
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
  if (verdict.kind === "rejected") return reject(brain, envelope, tx, verdict.reason, verdict.detail);

  let decision: Decision = verdict.decision;
  let order: OrderCommand | null = verdict.orderCommand;
  if (decision.outcome === "approved" && order !== null) {
    const problems = orderGuardProblems(order, decision, openPositions(state, brain.latestPrice), equityUsd(state) ?? 0, params);
    if (problems.length > 0) {
      brain.logger.error({ signalId: signal.signalId, problems }, "brain: an approved order broke a risk cap; it is not sent");
      onCommit(tx, () => brain.metrics.ordersOutsideRiskLimitsTotal.inc());
      const { authorisedNotionalUsd: _authorised, leverage: _leverage, outcome: _outcome, ...header } = decision;
      decision = { ...header, outcome: "vetoed", reason: "risk-limit", detail: `post-approval guard: ${problems.join("; ")}`.slice(0, 1_000) };
      order = null;
    }
  }

  deferDecision(tx, { envelope, decision, order, decidedAtMs: nowMs }, (batchTx, settled) => settleDecisions(brain, batchTx, settled));
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

async function announce(brain: Brain, tx: Queryable, { envelope, decision, order }: PendingDecision): Promise<void> {
  const signal = envelope.payload;
  const publish = { source: "brain" as const, clock: brain.clock, correlationId: signal.signalId };
  await publishInTransaction(tx, "decision", decision, { ...publish, id: decision.decisionId, causationId: envelope.id });
  if (order !== null) await publishInTransaction(tx, "order-command", order, { ...publish, id: order.commandId, causationId: decision.decisionId });
  faultPoint(BRAIN_FAULT_POINTS.signalBeforeCommit);

  const outcome = decision.outcome;
  const reason = decision.outcome === "vetoed" ? decision.reason : "approved";
  onCommit(tx, () => {
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
