// The AI Quant API: proposals (list, show, the equity plot, approve, reject) and runs (start one, watch
// it). A plugin with no process of its own: the ai-quant API process mounts it today, the console can
// mount it later. Reads need a viewer; approving, rejecting and starting a run need an operator and are
// audited (approval also by the scavenger, which is called with the operator's own credential).
import { randomUUID } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { recordAudit, type AuditActor } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import { ProblemDetailsSchema } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { getProposal, listProposals, type ProposalSummary } from "../adapters/proposal-store.js";
import type { RunLauncher } from "../adapters/run-launcher.js";
import { getRun, listRuns, startRun } from "../adapters/run-store.js";
import type { ScavengerConfigClient } from "../adapters/scavenger-client.js";
import { ApprovalError, approveProposal, rejectProposal } from "../approval.js";
import { resolvePeriod } from "../domain/period.js";
import { runInProgress } from "../job.js";
import {
  DecisionRequestSchema,
  DecisionResponseSchema,
  ProposalDetailSchema,
  ProposalListQuerySchema,
  ProposalListSchema,
  ProposalParamsSchema,
  RunListSchema,
  RunParamsSchema,
  RunRequestSchema,
  RunSchema,
  RunStartedSchema,
} from "./schemas.js";

export interface QuantRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly scavenger: ScavengerConfigClient;
  readonly launcher: RunLauncher;
  /** The credential approval calls the scavenger with; by default the caller's own bearer token. */
  readonly credentialFor?: (request: FastifyRequest) => string | null;
}

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema, 502: ProblemDetailsSchema };
const operator = { auth: { role: "operator" as const } };
const tags = ["ai-quant"];

const actorOf = (request: FastifyRequest): AuditActor => {
  const p = request.principal;
  if (p === null) throw new Error("operator routes run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

const callersBearer = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
};

const asProblem = (err: unknown): unknown =>
  err instanceof ApprovalError ? new HttpProblem(err.status, err.message, err.status === 404 ? { type: PROBLEM_TYPES.notFound } : {}) : err;

const summaryBody = (s: ProposalSummary) => ({ ...s, changes: s.changes.map((c) => ({ ...c })) });

export const quantRoutes = async (parent: FastifyInstance, opts: QuantRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock } = opts;
  const credentialFor = opts.credentialFor ?? callersBearer;

  app.get(
    "/proposals",
    { schema: { tags, summary: "Proposals, newest first", querystring: ProposalListQuerySchema, response: { 200: ProposalListSchema, ...problems } } },
    async (request) => ({
      proposals: (await listProposals(db, { limit: request.query.limit ?? 50, ...(request.query.status ? { status: request.query.status } : {}) })).map(summaryBody),
    }),
  );

  app.get(
    "/proposals/:proposalId",
    { schema: { tags, summary: "One proposal with everything the optimiser decided", params: ProposalParamsSchema, response: { 200: ProposalDetailSchema, ...problems } } },
    async (request) => {
      const stored = await getProposal(db, request.params.proposalId);
      if (!stored) throw new HttpProblem(404, `proposal ${request.params.proposalId} does not exist`, { type: PROBLEM_TYPES.notFound });
      const { content, contentJson: _json, equitySvg: _svg, ...summary } = stored;
      return { ...summaryBody(summary), content, equitySvgPath: `proposals/${stored.proposalId}/equity.svg` };
    },
  );

  app.get(
    "/proposals/:proposalId/equity.svg",
    { schema: { tags, summary: "The equity-curve plot, current against proposed (SVG)", params: ProposalParamsSchema } },
    async (request, reply) => {
      const stored = await getProposal(db, request.params.proposalId);
      if (!stored) throw new HttpProblem(404, `proposal ${request.params.proposalId} does not exist`, { type: PROBLEM_TYPES.notFound });
      return reply.type("image/svg+xml; charset=utf-8").header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'").send(stored.equitySvg);
    },
  );

  app.post(
    "/proposals/:proposalId/approve",
    {
      config: operator,
      schema: {
        tags,
        summary: "Approve: the scavenger creates and activates the proposed version (applied without a restart)",
        params: ProposalParamsSchema,
        body: DecisionRequestSchema,
        response: { 200: DecisionResponseSchema, ...problems },
      },
    },
    async (request) => {
      const credential = credentialFor(request);
      if (credential === null) throw new HttpProblem(403, "approval calls the scavenger on the operator's behalf and needs a bearer token");
      try {
        const approval = await approveProposal({ db, clock, scavenger: opts.scavenger }, request.params.proposalId, actorOf(request), request.body.reason, credential);
        return { proposalId: approval.proposal.proposalId, status: approval.proposal.status, configVersion: approval.configVersion, previousVersion: approval.previousVersion };
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  app.post(
    "/proposals/:proposalId/reject",
    { config: operator, schema: { tags, summary: "Reject a pending proposal", params: ProposalParamsSchema, body: DecisionRequestSchema, response: { 200: DecisionResponseSchema, ...problems } } },
    async (request) => {
      try {
        const rejected = await rejectProposal({ db, clock }, request.params.proposalId, actorOf(request), request.body.reason);
        return { proposalId: rejected.proposalId, status: rejected.status, configVersion: null, previousVersion: null };
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  app.get("/runs", { schema: { tags, summary: "Recent runs of the job, newest first", response: { 200: RunListSchema, ...problems } } }, async () => ({ runs: await listRuns(db, 50) }));

  app.get("/runs/:runId", { schema: { tags, summary: "One run, with its progress while it works", params: RunParamsSchema, response: { 200: RunSchema, ...problems } } }, async (request) => {
    const run = await getRun(db, request.params.runId);
    if (!run) throw new HttpProblem(404, `run ${request.params.runId} does not exist`, { type: PROBLEM_TYPES.notFound });
    return run;
  });

  app.post(
    "/runs",
    { config: operator, schema: { tags, summary: "Start a run of the job now (the nightly one, by hand)", body: RunRequestSchema, response: { 202: RunStartedSchema, ...problems } } },
    async (request, reply) => {
      const { from, to, seed, reason } = request.body;
      try {
        resolvePeriod(clock.nowMs(), from, to);
      } catch (err) {
        throw new HttpProblem(400, (err as Error).message, { type: PROBLEM_TYPES.validation });
      }
      if (await runInProgress(db)) throw new HttpProblem(409, "an AI Quant run is already in progress: watch it with GET /runs");
      const runId = randomUUID();
      const options = { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(seed !== undefined ? { seed } : {}) };
      const actor = actorOf(request);
      await startRun(db, { id: runId, trigger: "manual", startedMs: clock.nowMs(), requestedBy: actor, options });
      await recordAudit(db, { actor, service: "ai-quant", action: "quant.run", target: `quant-run:${runId}`, reason, before: null, after: options }, clock);
      opts.launcher.launch(runId, options);
      return reply.code(202).send({ runId });
    },
  );
};
