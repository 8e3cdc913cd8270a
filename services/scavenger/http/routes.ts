// The scavenger's HTTP API. Paths are the service's own; the entry point serves them under
// /api/scavenger/. Reads need a viewer; creating and activating parameter versions need an operator,
// and each such change is audited in the transaction that makes it (config-store.ts).
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditActor } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import { ProblemDetailsSchema } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import {
  ConfigVersionError,
  activateConfigVersion,
  createConfigVersion,
  getConfigVersion,
  listConfigVersions,
  loadActiveConfig,
  type ConfigVersionDetail,
} from "../adapters/config-store.js";
import { recentSignals } from "../adapters/signal-store.js";
import type { ScavengerEngine } from "../engine.js";
import { parameterProblemsAsErrors } from "./problems.js";
import {
  ActivateConfigVersionRequestSchema,
  ActivationResponseSchema,
  ConfigVersionDetailSchema,
  ConfigVersionListSchema,
  CreateConfigVersionRequestSchema,
  StatusResponseSchema,
  TrapsResponseSchema,
  VersionParamsSchema,
  type StatusResponse,
} from "./schemas.js";

export interface ScavengerRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly engine: ScavengerEngine;
  readonly instanceId: string;
  readonly reader: () => { phase: StatusResponse["marketData"]["reader"]; entriesRead: number };
  readonly listening: () => boolean;
}

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema };
const operator = { auth: { role: "operator" as const } };
const tags = ["scavenger"];

const actorOf = (request: FastifyRequest): AuditActor => {
  const p = request.principal;
  if (p === null) throw new Error("operator routes run only for authenticated principals");
  return { kind: p.kind, id: p.id, name: p.name };
};

/** A refused configuration write as problem+json; every parameter problem is listed. */
const asProblem = (err: unknown): unknown => {
  if (!(err instanceof ConfigVersionError)) return err;
  if (err.status === 400) return new HttpProblem(400, err.message, { type: PROBLEM_TYPES.validation, title: "Invalid parameters", errors: parameterProblemsAsErrors(err.problems) });
  if (err.status === 404) return new HttpProblem(404, err.message, { type: PROBLEM_TYPES.notFound });
  return new HttpProblem(409, err.problems.length > 0 ? `${err.message}: ${err.problems.join("; ")}` : err.message);
};

const detailBody = (d: ConfigVersionDetail) => ({ ...d });

export const scavengerRoutes = async (parent: FastifyInstance, opts: ScavengerRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, clock, engine } = opts;

  app.get("/traps", { schema: { tags, summary: "Armed traps with their distance to the trigger, nearest first", response: { 200: TrapsResponseSchema, ...problems } } }, async () => {
    const traps = engine.traps().sort((a, b) => Math.abs(a.distanceToTriggerPercent ?? Infinity) - Math.abs(b.distanceToTriggerPercent ?? Infinity));
    return { tsMs: Math.floor(clock.nowMs()), configVersion: engine.applied?.version ?? null, lastRecomputeTsMs: engine.lastRecomputation?.tsMs ?? null, traps };
  });

  app.get("/status", { schema: { tags, summary: "What this instance runs and sees", response: { 200: StatusResponseSchema, ...problems } } }, async () => {
    const s = engine.snapshot();
    const reader = opts.reader();
    return {
      service: "scavenger" as const,
      instanceId: opts.instanceId,
      tsMs: Math.floor(clock.nowMs()),
      config: { appliedVersion: s.config?.version ?? null, activationSeq: s.config?.activationSeq ?? null, appliedAtMs: s.config?.appliedAtMs ?? null, listening: opts.listening() },
      strategy: {
        symbols: s.strategy.symbols,
        armedTraps: s.strategy.armedTraps,
        signals: s.strategy.signals,
        lastRecomputeTsMs: s.strategy.lastRecomputeTsMs,
        triggered: s.strategy.triggered,
        suppressed: s.strategy.suppressed,
        top: s.strategy.top.map((t) => ({ symbol: t.symbol, score: t.quality.score, atrPercent: Number.isFinite(t.atrPercent) ? t.atrPercent : 0, volume24hUsd: t.volume24hUsd, traps: t.traps })),
      },
      allocation: s.allocation,
      outcomes: engine.strategy.outcomes(),
      marketData: { reader: reader.phase, entriesRead: reader.entriesRead, ...s.marketData },
      signals: { ...s.signals, recent: await recentSignals(db, 10) },
    };
  });

  app.get("/config/versions", { schema: { tags, summary: "Every parameter version, oldest first", response: { 200: ConfigVersionListSchema, ...problems } } }, async () => {
    const versions = await listConfigVersions(db);
    return { activeVersion: versions.find((v) => v.active)?.version ?? null, appliedVersion: engine.applied?.version ?? null, versions };
  });

  app.get("/config/active", { schema: { tags, summary: "The active parameter version, in full", response: { 200: ConfigVersionDetailSchema, ...problems } } }, async () => {
    const active = await loadActiveConfig(db);
    const detail = active ? await getConfigVersion(db, active.version) : null;
    if (!detail) throw new HttpProblem(404, "no parameter version is active yet", { type: PROBLEM_TYPES.notFound });
    return detailBody(detail);
  });

  app.get(
    "/config/versions/:version",
    { schema: { tags, summary: "One parameter version, in full", params: VersionParamsSchema, response: { 200: ConfigVersionDetailSchema, ...problems } } },
    async (request) => {
      const detail = await getConfigVersion(db, request.params.version).catch((err: unknown) => Promise.reject(asProblem(err)));
      if (!detail) throw new HttpProblem(404, `config version ${request.params.version} does not exist`, { type: PROBLEM_TYPES.notFound });
      return detailBody(detail);
    },
  );

  app.post(
    "/config/versions",
    {
      config: operator,
      schema: { tags, summary: "Create a parameter version (inactive until activated)", body: CreateConfigVersionRequestSchema, response: { 201: ConfigVersionDetailSchema, ...problems } },
    },
    async (request, reply) => {
      try {
        const created = await createConfigVersion(db, request.body, { actor: actorOf(request), clock });
        return reply.code(201).send(detailBody(created));
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  app.post(
    "/config/versions/:version/activate",
    {
      config: operator,
      schema: {
        tags,
        summary: "Activate a version; an older one than the active is recorded as a rollback. Applied at once, without a restart",
        params: VersionParamsSchema,
        body: ActivateConfigVersionRequestSchema,
        response: { 200: ActivationResponseSchema, ...problems },
      },
    },
    async (request) => {
      try {
        const activation = await activateConfigVersion(db, request.params.version, request.body.reason, { actor: actorOf(request), clock });
        // This instance applies it now; the others hear the NOTIFY sent on commit.
        engine.applyConfig(activation);
        engine.countConfigChange(engine.applied?.version === activation.version ? "applied" : "failed");
        return {
          version: activation.version,
          previousVersion: activation.previousVersion,
          action: activation.action,
          activationSeq: activation.activationSeq,
          appliedVersion: engine.applied?.version ?? null,
        };
      } catch (err) {
        const problem = asProblem(err);
        engine.countConfigChange(problem instanceof HttpProblem && problem.statusCode < 500 ? "refused" : "failed");
        throw problem;
      }
    },
  );
};
