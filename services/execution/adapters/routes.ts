// Execution's HTTP API (behind the entry point at /api/execution/): what it holds — positions, orders,
// reconciliation, trading state — for viewers, and the emergency controls for operators. Handlers only
// translate: the work is in Controls, the Reconciler and the keepers.

import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { MarketSymbol, Reason } from "../../shared/contracts/index.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { shadowPositionSnapshot } from "./shadow-book.js";
import type { ExecutionParts } from "./wiring.js";
import { ControlError, type Requester } from "./controls.js";
import { listOrders } from "./store.js";
import { TradingStateError } from "./trading-state-keeper.js";

const operator = { auth: { role: "operator" as const } };
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const ScopedBody = Type.Object({ reason: Reason, symbol: Type.Optional(MarketSymbol) }, { additionalProperties: false });
const FlattenBody = Type.Object(
  {
    reason: Reason,
    /** Flatten closes every position at market: the caller must say so. */
    confirm: Type.Literal(true),
    symbol: Type.Optional(MarketSymbol),
    /** How long to wait for the venue to confirm flat before answering 202 (default: the flatten timeout). */
    waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600 })),
  },
  { additionalProperties: false },
);

const requester = (request: FastifyRequest): Requester => {
  const p = request.principal;
  if (p === null) throw new HttpProblem(401, "this route needs a bearer token", { type: PROBLEM_TYPES.unauthenticated });
  return { principal: { kind: p.kind, id: p.id }, actor: { kind: p.kind, id: p.id, name: p.name } };
};

const asProblem = (err: unknown): never => {
  if (err instanceof ControlError) throw new HttpProblem(err.status, err.message, { type: err.status === 404 ? PROBLEM_TYPES.notFound : "urn:titan:problem:conflict" });
  if (err instanceof TradingStateError) throw new HttpProblem(409, err.message, { type: "urn:titan:problem:conflict" });
  throw err;
};

export async function executionRoutes(parent: FastifyInstance, parts: () => ExecutionParts): Promise<void> {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ["execution"];

  app.get("/positions", { schema: { tags, summary: "Shadow positions (built from execution reports) with the venue's last view" } }, async () => {
    const p = parts();
    const now = p.clock.nowMs();
    return { venue: p.venueName, positions: p.shadow.positions().map((pos) => shadowPositionSnapshot(p.venueName, pos, p.prices.last(pos.symbol), now)) };
  });

  app.get(
    "/orders",
    { schema: { tags, summary: "Open orders of the shadow state, recent orders and recent commands", querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }) } },
    async (request) => {
      const p = parts();
      const limit = request.query.limit ?? 50;
      return { venue: p.venueName, open: p.shadow.openOrders(), recent: await listOrders(p.db, { openOnly: false, limit }), commands: await p.orders.recent(limit) };
    },
  );

  app.get("/reconciliation", { schema: { tags, summary: "The last reconciliation and the mismatch tally" } }, async () => parts().reconciler.status());

  app.get("/trading-state", { schema: { tags, summary: "The trading state as enforced: execution's own causes and the brain's" } }, async () => {
    const p = parts();
    const view = p.keeper.view();
    return { ...view, brainHeartbeatAgeSeconds: Math.round(p.watchdog.brainSilenceMs() / 1000) };
  });

  app.get(
    "/controls/:runId",
    { schema: { tags, summary: "A flatten or cancel-all run", params: Type.Object({ runId: Type.String({ format: "uuid" }) }) } },
    async (request) => {
      const run = await parts().controls.get(request.params.runId);
      if (!run) throw new HttpProblem(404, `no control run ${request.params.runId}`, { type: PROBLEM_TYPES.notFound });
      return run;
    },
  );

  app.post("/halt", { config: operator, schema: { tags, summary: "Halt trading (operator); only risk-reducing orders pass", body: ReasonBody } }, async (request) => {
    const p = parts();
    await p.controls.halt(requester(request), request.body.reason).catch(asProblem);
    return p.keeper.view();
  });

  app.post("/resume", { config: operator, schema: { tags, summary: "Clear the operator halt and, after a clean reconciliation, the reconciliation halt", body: ReasonBody } }, async (request) => {
    const p = parts();
    const { cleared } = await p.controls.resume(requester(request), request.body.reason).catch(asProblem);
    return { cleared, ...p.keeper.view() };
  });

  app.post("/cancel-all", { config: operator, schema: { tags, summary: "Cancel every open order (or one symbol's) and wait until the venue confirms", body: ScopedBody } }, async (request, reply) => {
    const p = parts();
    const runId = p.controls.newRunId();
    const symbol = request.body.symbol ? p.instruments.resolve(request.body.symbol) : null;
    await p.controls.begin("cancel-all", runId, symbol, requester(request), request.body.reason).catch(asProblem);
    const run = await p.controls.wait(runId, p.settings.flattenTimeoutMs);
    if (run.status === "failed") throw new HttpProblem(502, `cancel-all ${runId} failed: ${run.detail ?? "unknown reason"}`);
    return reply.code(run.status === "running" ? 202 : 200).send(run);
  });

  app.post("/flatten", { config: operator, schema: { tags, summary: "Flatten all: halt, cancel every order, close every position reduce-only at market until the venue confirms flat", body: FlattenBody } }, async (request, reply) => {
    const p = parts();
    const runId = p.controls.newRunId();
    const symbol = request.body.symbol ? p.instruments.resolve(request.body.symbol) : null;
    await p.controls.begin("flatten", runId, symbol, requester(request), request.body.reason).catch(asProblem);
    const run = await p.controls.wait(runId, (request.body.waitSeconds ?? p.settings.flattenTimeoutMs / 1000) * 1000);
    if (run.status === "failed") throw new HttpProblem(502, `flatten ${runId} did not reach flat: ${run.detail ?? "unknown reason"}`);
    const seconds = run.finishedAtMs === null ? null : (run.finishedAtMs - run.startedAtMs) / 1000;
    return reply.code(run.status === "running" ? 202 : 200).send({ ...run, seconds });
  });

  app.post("/reconcile", { config: operator, schema: { tags, summary: "Run a reconciliation now and answer with its result" } }, async () => {
    const p = parts();
    const run = await p.reconciler.runNow();
    return { run, status: p.reconciler.status() };
  });
}
