// The brain's HTTP API, under the service root (NGINX serves it at /api/brain/). Reads are open to
// viewers and to services (the console backend); the breaker reset needs an operator; allocation
// overrides and phase registration need an admin. Handlers only translate: the work is in the adapters.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { AuditActor } from "../../shared/audit/index.js";
import { ProblemDetailsSchema } from "../../shared/contracts/index.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { sweepFigures } from "../domain/index.js";
import { ActionRefused, clearAllocationOverride, registerPhase, resetBreaker, setAllocationOverride } from "../adapters/operator-actions.js";
import type { Brain } from "../adapters/brain.js";
import { allocationOf, equityUsd } from "../state/brain-state.js";
import { NO_HELD_CAUSES, type HeldCauses } from "../state/dependency-causes.js";
import { listDecisions } from "./decision-query.js";
import {
  AllocationViewSchema,
  BreakerViewSchema,
  DecisionPageSchema,
  DecisionQuerySchema,
  OverrideSetBodySchema,
  OverrideViewSchema,
  PhaseRegisterBodySchema,
  PhaseViewSchema,
  ReasonBodySchema,
  BreakerResetBodySchema,
  StatusViewSchema,
  TradingStateViewSchema,
  TreasuryViewSchema,
} from "./schemas.js";
import { allocationView, breakerView, phasesView, riskView, tradingStateView } from "./views.js";

const READ = { auth: { role: "viewer" as const, service: true } };
const OPERATOR = { auth: { role: "operator" as const } };
const ADMIN = { auth: { role: "admin" as const } };
const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema };
const tags = ["brain"];

const actorOf = (request: FastifyRequest): AuditActor => {
  const p = request.principal;
  if (p === null) throw new Error("brain routes that change state run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

/** Runs an operator action, turning its refusal into the matching problem answer. */
async function act<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (!(err instanceof ActionRefused)) throw err;
    const type = err.status === 400 ? PROBLEM_TYPES.validation : err.status === 404 ? PROBLEM_TYPES.notFound : "urn:titan:problem:conflict";
    throw new HttpProblem(err.status, err.message, { type, ...(err.status === 400 ? { errors: err.problems.map((message) => ({ path: "/body", message })) } : {}) });
  }
}

/** `heldCauses`: the dependency watch's causes, shown in the trading state with the persisted ones. */
export async function brainRoutes(parent: FastifyInstance, brain: Brain, heldCauses: HeldCauses = NO_HELD_CAUSES): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const now = (): number => brain.clock.nowMs();

  app.get("/status", { config: READ, schema: { tags, summary: "Everything the console shows about the brain", response: { 200: StatusViewSchema, ...problems } } }, async () => {
    const state = brain.state;
    const nowMs = now();
    const priceHistoryPoints = Object.fromEntries([...brain.settings.symbols].map((s) => [s, brain.prices.points(s)]));
    return {
      tsMs: nowMs,
      instanceId: brain.ctx.instanceId,
      stateVersion: state.version,
      tradingState: tradingStateView(state, nowMs, heldCauses()),
      breaker: breakerView(state, nowMs, brain.params),
      equity: { equityUsd: equityUsd(state), startOfDayEquityUsd: state.startOfDay?.equityUsd ?? null, accounts: { ...state.accounts } },
      allocation: allocationView(state, nowMs, brain.params),
      positions: Object.values(state.positions),
      risk: riskView(state, brain.prices.history(), brain.latestPrice, brain.params),
      priceHistoryPoints,
    };
  });

  app.get(
    "/decisions",
    { config: READ, schema: { tags, summary: "Decisions, newest first, paged and filtered", querystring: DecisionQuerySchema, response: { 200: DecisionPageSchema, ...problems } } },
    async (request) => listDecisions(brain.db, request.query),
  );

  app.get("/allocation", { config: READ, schema: { tags, summary: "Capital allocation across phases", response: { 200: AllocationViewSchema, ...problems } } }, async () =>
    allocationView(brain.state, now(), brain.params),
  );

  app.get("/trading-state", { config: READ, schema: { tags, summary: "The trading state and its causes", response: { 200: TradingStateViewSchema, ...problems } } }, async () =>
    tradingStateView(brain.state, now(), heldCauses()),
  );

  app.get("/breaker", { config: READ, schema: { tags, summary: "The circuit breaker", response: { 200: BreakerViewSchema, ...problems } } }, async () =>
    breakerView(brain.state, now(), brain.params),
  );

  app.post(
    "/breaker/reset",
    {
      config: OPERATOR,
      schema: {
        tags,
        summary: "Reset a HARD trip (operator; reason required; audited); falsePositive marks the trip as one that should not have happened",
        body: BreakerResetBodySchema,
        response: { 200: BreakerViewSchema, 409: ProblemDetailsSchema, ...problems },
      },
    },
    async (request) => {
      await act(() => resetBreaker(brain, actorOf(request), request.body.reason, request.body.falsePositive === true));
      return breakerView(brain.state, now(), brain.params);
    },
  );

  app.post(
    "/override",
    {
      config: ADMIN,
      schema: { tags, summary: "Set the allocation weights by hand for up to 24 h (admin; audited)", body: OverrideSetBodySchema, response: { 201: OverrideViewSchema, 409: ProblemDetailsSchema, ...problems } },
    },
    async (request, reply) => {
      const set = await act(() => setAllocationOverride(brain, actorOf(request), request.body));
      return reply.code(201).send({ ...set, weights: { ...set.weights } });
    },
  );

  app.delete(
    "/override",
    {
      config: ADMIN,
      // The reason travels in the query: a DELETE body is dropped by many clients and proxies.
      schema: { tags, summary: "End the active override (admin; audited)", querystring: ReasonBodySchema, response: { 200: OverrideViewSchema, 404: ProblemDetailsSchema, ...problems } },
    },
    async (request) => {
      const cleared = await act(() => clearAllocationOverride(brain, actorOf(request), request.query.reason));
      return { ...cleared, weights: { ...cleared.weights } };
    },
  );

  app.get("/phases", { config: READ, schema: { tags, summary: "Phases, their registration, weight and performance", response: { 200: Type.Object({ phases: Type.Array(PhaseViewSchema) }), ...problems } } }, async () => {
    const { rows } = await brain.db.query<{ phase: number; registered_at_ms: number }>("brain_phases_list", "SELECT phase, registered_at_ms FROM phases");
    return { phases: phasesView(brain.state, new Map(rows.map((r) => [r.phase, r.registered_at_ms])), now(), brain.params) };
  });

  app.post(
    "/phases",
    { config: ADMIN, schema: { tags, summary: "Register a phase (admin; audited)", body: PhaseRegisterBodySchema, response: { 201: PhaseViewSchema, 409: ProblemDetailsSchema, ...problems } } },
    async (request, reply) => {
      await act(() => registerPhase(brain, actorOf(request), request.body.phase, request.body.reason));
      const view = phasesView(brain.state, new Map([[request.body.phase, now()]]), now(), brain.params).find((p) => p.phase === request.body.phase);
      if (view === undefined) throw new Error(`phase ${request.body.phase} has no view`);
      return reply.code(201).send(view);
    },
  );

  app.get("/treasury", { config: READ, schema: { tags, summary: "Treasury: high watermark, sweep figures, transfers", response: { 200: TreasuryViewSchema, ...problems } } }, async () => {
    const state = brain.state;
    const equity = equityUsd(state);
    const futures = state.accounts.futures;
    const { rows } = await brain.db.query<Record<string, unknown>>(
      "brain_treasury_list",
      `SELECT transfer_id AS "transferId", command_id AS "commandId", trigger, venue, asset, amount_usd AS "amountUsd", from_account AS "fromAccount",
              to_account AS "toAccount", equity_usd AS "equityUsd", futures_balance_usd AS "futuresBalanceUsd", target_usd AS "targetUsd", ts_ms AS "tsMs"
         FROM treasury_operations ORDER BY ts_ms DESC LIMIT 50`,
    );
    return {
      highWatermarkUsd: state.treasury.highWatermarkUsd,
      lastCheckDayStartMs: state.treasury.lastCheckDayStartMs,
      sweepNow: equity === null || futures === undefined ? null : sweepFigures(equity, futures.walletBalanceUsd, allocationOf(state, brain.params, now()).weights, brain.params),
      operations: rows as never,
    };
  });
}
