// Deciding a signal, inside the inbox transaction of the message that carried it: the decision row
// (unique per signal id), the decision message and, for an approval, the order command all commit
// together, or none does. A redelivered message is absorbed by the inbox, a second copy of a decided
// signal by the decision's unique key; either way no second order command can exist.
import { publishInTransaction } from "../../shared/bus.js";
import type { Decision, EnvelopeOf, OrderCommand } from "../../shared/contracts/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { faultPoint } from "../../shared/faults.js";
import { approveSignal, effectiveState, performanceModifiers, type CauseRecord, type RejectReason } from "../domain/index.js";
import { allocationOf, equityUsd, openPositions, portfolioSnapshot } from "../state/brain-state.js";
import { withHeldCauses } from "../state/dependency-causes.js";
import { orderGuardProblems } from "../state/order-guard.js";
import type { Brain } from "./brain.js";
import { onCommit } from "../../shared/db/database.js";

/** Crash points for the exactly-once tests (services/shared/faults.ts). */
export const BRAIN_FAULT_POINTS = {
  /** The decision and its messages are written, the transaction not yet committed. */
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
  // Duplicates are caught by the decisions table's unique key below, not by a set held in memory.
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

  const inserted = await tx.query(
    "brain_decision_insert",
    `INSERT INTO decisions (decision_id, signal_id, message_id, phase, symbol, side, outcome, reason, detail, requested_notional_usd,
       authorised_notional_usd, leverage, client_order_id, command_id, risk, signal, signal_ts_ms, decided_at_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb, $17, $18)
     ON CONFLICT (signal_id) DO NOTHING`,
    [
      decision.decisionId,
      signal.signalId,
      envelope.id,
      signal.phase,
      signal.symbol,
      signal.side,
      decision.outcome,
      decision.outcome === "vetoed" ? decision.reason : null,
      decision.outcome === "vetoed" ? decision.detail : null,
      signal.requestedNotionalUsd,
      decision.outcome === "approved" ? decision.authorisedNotionalUsd : null,
      decision.outcome === "approved" ? decision.leverage : null,
      order?.clientOrderId ?? null,
      order?.commandId ?? null,
      decision.risk === undefined ? null : JSON.stringify(decision.risk),
      JSON.stringify(signal),
      signal.tsMs,
      nowMs,
    ],
  );
  if (inserted.rowCount === 0) return reject(brain, envelope, tx, "duplicate", `signal ${signal.signalId} was already decided`);

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
