// What operators change through the API: reset the HARD breaker, set or clear a manual allocation,
// register a phase. Each is one transaction holding the state change, its rows, its outgoing messages
// and its audit event (who, why, before, after). A refusal changes nothing and says why.
import { randomUUID } from "node:crypto";
import { appendAudit, type AuditActor } from "../../shared/audit/index.js";
import { activeOverride, type AllocationOverride, type Phase, type Principal } from "../domain/index.js";
import { onBreakerReset, onOverrideClear, onOverrideSet, type Step } from "../state/transitions.js";
import type { Brain } from "./brain.js";
import { auditTx } from "./step-writer.js";

/** A refused action: 400 for a bad request, 404 for nothing to act on, 409 for the wrong moment. */
export class ActionRefused extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly problems: readonly string[],
  ) {
    super(problems.join("; "));
    this.name = "ActionRefused";
  }
}

const principalOf = (actor: AuditActor): Principal => ({ kind: actor.kind, id: actor.id });
const requireReason = (reason: string): string => {
  const trimmed = reason.trim();
  if (trimmed === "") throw new ActionRefused(400, ["reason: must say why (it goes to the audit log)"]);
  return trimmed;
};
const refusedOr = (step: Step, status: 400 | 404 | 409): Step => {
  if (step.refused !== undefined) throw new ActionRefused(status, step.refused);
  return step;
};

export async function resetBreaker(brain: Brain, actor: AuditActor, rawReason: string, falsePositive = false): Promise<Step> {
  const reason = requireReason(rawReason);
  const step = await brain.changeAlone(
    (state, c) => onBreakerReset(state, principalOf(actor), reason, c),
    async (tx, before, next) =>
      void (await appendAudit(
        auditTx(tx),
        { actor, service: "brain", action: "breaker.reset", target: "breaker:HARD", reason, before: { hard: before.breaker.hard, figures: before.breaker.figures }, after: { hard: next.state.breaker.hard, falsePositive } },
        brain.clock,
      )),
  );
  const result = refusedOr(step, 409);
  if (falsePositive) brain.metrics.breakerFalsePositivesTotal.inc();
  return result;
}

export interface OverrideInput {
  readonly weights: Readonly<Record<string, unknown>>;
  readonly hours: number;
  readonly reason: string;
}

export async function setAllocationOverride(brain: Brain, actor: AuditActor, input: OverrideInput): Promise<AllocationOverride> {
  const reason = requireReason(input.reason);
  const current = activeOverride(brain.state.override, brain.clock.nowMs());
  if (current !== null) throw new ActionRefused(409, [`an override set by ${current.setBy.id} is active until ${new Date(current.expiresAtMs).toISOString()}: clear it first`]);
  const durationMs = Math.round(input.hours * 3_600_000);
  const step = await brain.changeAlone(
    (state, c) => onOverrideSet(state, { weights: input.weights, setBy: principalOf(actor), reason, durationMs }, c),
    async (tx, before, next) => {
      const set = next.state.override as AllocationOverride;
      await tx.query(
        "brain_override_insert",
        "INSERT INTO overrides (id, weights, set_by, reason, set_at_ms, expires_at_ms) VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, $6)",
        [randomUUID(), JSON.stringify(set.weights), JSON.stringify(set.setBy), set.reason, set.setAtMs, set.expiresAtMs],
      );
      await appendAudit(auditTx(tx), { actor, service: "brain", action: "override.set", target: "override:allocation", reason, before: before.override, after: set }, brain.clock);
    },
  );
  // Another override may have been set between the check above and the lock: the domain says so.
  return refusedOr(step, step.refused?.some((p) => p.includes("is active")) ? 409 : 400).state.override as AllocationOverride;
}

export async function clearAllocationOverride(brain: Brain, actor: AuditActor, rawReason: string): Promise<AllocationOverride> {
  const reason = requireReason(rawReason);
  if (activeOverride(brain.state.override, brain.clock.nowMs()) === null) throw new ActionRefused(404, ["no override is active"]);
  let cleared: AllocationOverride | null = null;
  const step = await brain.changeAlone(
    (state, c) => onOverrideClear(state, principalOf(actor), reason, c),
    async (tx, before) => {
      cleared = before.override;
      await appendAudit(auditTx(tx), { actor, service: "brain", action: "override.clear", target: "override:allocation", reason, before: before.override, after: null }, brain.clock);
    },
  );
  refusedOr(step, 404);
  return cleared as unknown as AllocationOverride;
}

export async function registerPhase(brain: Brain, actor: AuditActor, phase: Phase, rawReason: string): Promise<Step> {
  const reason = requireReason(rawReason);
  return refusedOr(await brain.registerPhase(phase, actor, reason), 409);
}
