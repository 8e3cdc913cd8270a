// The emergency controls and the AI Quant decisions. A control needs its role, the typed confirmation,
// a reason and a fresh second-factor code; it is then sent to the service that owns the effect with the
// operator's own delegated authority (that service checks the role again and audits it too), and its
// outcome, whatever it is, lands in the console's audit log with the operator as the actor.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { recordAudit, type AuditActor } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import { ProblemDetailsSchema } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { SERVICE, userActor, type ConsoleAuth } from "../adapters/console-auth.js";
import { UpstreamUnavailable, type UpstreamAnswer } from "../adapters/upstream.js";
import { CONTROLS, CONTROL_ACTIONS, confirmationMatches, upstreamCallFor, type ControlAction } from "../domain/controls.js";
import { relayFailure, requireMfaSession, upstreamFor, type UpstreamTargets } from "./guards.js";
import { ControlRequestSchema, ControlResultSchema, ProposalParamsSchema, ReasonOnlySchema } from "./schemas.js";

export interface ControlRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly auth: ConsoleAuth;
  readonly targets: UpstreamTargets;
}

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema, 502: ProblemDetailsSchema, 503: ProblemDetailsSchema };
const WEIGHT_SUM_TOLERANCE = 0.001;

const targetOf = (action: ControlAction, symbol: string | undefined): string =>
  action === "breaker-reset" ? "breaker:brain" : action.startsWith("allocation") ? "allocation:brain" : `trading:${symbol ?? "all"}`;

const actorOf = (request: FastifyRequest): AuditActor => {
  const p = request.principal;
  if (p === null) throw new Error("control routes run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

/** Every problem of a control's action-specific fields, as field errors. */
const actionProblems = (action: ControlAction, body: { weights?: Record<1 | 2 | 3, number>; hours?: number }): Array<{ path: string; message: string }> => {
  if (action !== "allocation-override") return [];
  const out: Array<{ path: string; message: string }> = [];
  if (body.weights === undefined) out.push({ path: "/body/weights", message: "is required: the weight of each phase" });
  else {
    const sum = body.weights[1] + body.weights[2] + body.weights[3];
    if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) out.push({ path: "/body/weights", message: `must add up to 1 (they add up to ${sum.toFixed(4)})` });
  }
  if (body.hours === undefined) out.push({ path: "/body/hours", message: "is required: how long the override lasts" });
  return out;
};

export const controlRoutes = async (parent: FastifyInstance, opts: ControlRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  /** Sends the call, audits its outcome either way, and answers as the owning service did. */
  const relayAudited = async (actor: AuditActor, audit: { action: string; target: string; reason: string; details: Record<string, unknown> }, send: () => Promise<UpstreamAnswer>, service: string) => {
    let answer: UpstreamAnswer | null = null;
    let failure: string | null = null;
    try {
      answer = await send();
    } catch (err) {
      failure = err instanceof UpstreamUnavailable ? err.message : (err as Error).message;
    }
    const outcome = answer === null ? "unreachable" : answer.status < 300 ? "done" : answer.status < 500 ? "refused" : "failed";
    await recordAudit(
      opts.db,
      { actor, service: SERVICE, action: audit.action, target: audit.target, reason: audit.reason, after: { ...audit.details, outcome, status: answer?.status ?? null, result: answer?.body ?? failure } },
      opts.clock,
    );
    if (answer === null) throw new HttpProblem(502, failure ?? `${service} did not answer`, { type: PROBLEM_TYPES.unavailable });
    if (answer.status >= 300) throw relayFailure(service, answer);
    return answer;
  };

  for (const action of CONTROL_ACTIONS) {
    const spec = CONTROLS[action];
    app.post(
      `/api/controls/${action}`,
      {
        config: { auth: { role: spec.role } },
        schema: { tags: ["controls"], summary: `${spec.title} (${spec.role}; typed confirmation "${spec.confirmation}", reason and a fresh TOTP code)`, body: ControlRequestSchema, response: { 200: ControlResultSchema, 202: ControlResultSchema, ...problems } },
      },
      async (request, reply) => {
        const ctx = requireMfaSession(request, spec.title);
        const body = request.body;
        const errors = [...(confirmationMatches(action, body.confirmation) ? [] : [{ path: "/body/confirmation", message: `must be exactly "${spec.confirmation}"` }]), ...actionProblems(action, body)];
        if (errors.length > 0) throw new HttpProblem(400, errors.map((e) => `${e.path} ${e.message}`).join("; "), { type: PROBLEM_TYPES.validation, errors });
        const stepUp = await opts.auth.stepUp(ctx, body.totpCode, action);
        if (!stepUp.ok) throw new HttpProblem(403, `second-factor check failed: ${stepUp.reason}`, { type: PROBLEM_TYPES.forbidden });
        const call = upstreamCallFor(action, { reason: body.reason, ...(body.symbol ? { symbol: body.symbol } : {}), ...(body.falsePositive !== undefined ? { falsePositive: body.falsePositive } : {}), ...(body.weights ? { weights: body.weights } : {}), ...(body.hours !== undefined ? { hours: body.hours } : {}) });
        const upstream = upstreamFor(opts.targets, request);
        const answer = await relayAudited(
          userActor(ctx.user),
          { action: spec.auditAction, target: targetOf(action, body.symbol), reason: body.reason, details: { stepUp: true, delegateTokenId: ctx.session.delegateTokenId, call: { service: call.service, method: call.method, path: call.path.split("?")[0] } } },
          () => upstream(call.service, { method: call.method, path: call.path, ...(call.body ? { body: call.body } : {}), ...(call.waitSeconds ? { timeoutMs: (call.waitSeconds + 10) * 1000 } : {}) }),
          call.service,
        );
        return reply.code(answer.status === 202 ? 202 : 200).send({ action, status: answer.status, result: answer.body });
      },
    );
  }

  for (const decision of ["approve", "reject"] as const) {
    app.post(
      `/api/proposals/:proposalId/${decision}`,
      { config: { auth: { role: "operator" } }, schema: { tags: ["proposals"], summary: `${decision === "approve" ? "Approve" : "Reject"} an AI Quant proposal (operator; reason; audited)`, params: ProposalParamsSchema, body: ReasonOnlySchema, response: { 200: Type.Unknown(), ...problems } } },
      async (request) => {
        const upstream = upstreamFor(opts.targets, request);
        const { proposalId } = request.params;
        const answer = await relayAudited(
          actorOf(request),
          { action: `proposal.${decision}`, target: `proposal:${proposalId}`, reason: request.body.reason, details: {} },
          () => upstream("quant", { method: "POST", path: `/proposals/${proposalId}/${decision}`, body: { reason: request.body.reason }, timeoutMs: opts.targets.timeoutMs * 3 }),
          "ai-quant",
        );
        return answer.body;
      },
    );
  }
};
