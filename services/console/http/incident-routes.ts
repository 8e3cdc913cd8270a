// Incidents: Alertmanager's webhook receiver (critical pages open, join and close incidents), the list
// for on-calls, and the correction of an incident's fault start from evidence (operator, audited).
// A closed incident observes the MTTD and MTTR histograms; so does a correction of a closed one.
import { randomUUID } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import { appendAudit } from "../../shared/audit/index.js";
import type { Clock } from "../../shared/clock.js";
import { Nullable, ProblemDetailsSchema, Uuid } from "../../shared/contracts/index.js";
import type { Database } from "../../shared/db/database.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { ALERTMANAGER_PRINCIPAL_ID, ALERTMANAGER_WEBHOOK_PATH } from "../adapters/alertmanager-auth.js";
import { SERVICE } from "../adapters/console-auth.js";
import { findIncident, listIncidents, lockIncidents, openIncident, saveIncident, type StoredIncident } from "../adapters/incident-store.js";
import type { IncidentMetrics } from "../adapters/incident-metrics.js";
import { applyNotification, correctFaultStart, criticalAlertsOf, detectionSeconds, recoverySeconds } from "../domain/incidents.js";
import { WrittenReason } from "./schemas.js";

export interface IncidentRoutesOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly metrics: IncidentMetrics;
}

const MAX_ALERTS_PER_NOTIFICATION = 1000;
const LIST_LIMIT_DEFAULT = 20;
const LIST_LIMIT_MAX = 500;
const Labels = Type.Record(Type.String(), Type.String());

/** Alertmanager's webhook body, version 4; fields this receiver does not read are allowed through. */
export const AlertmanagerWebhookSchema = Type.Object({
  version: Type.Literal("4"),
  status: Type.Union([Type.Literal("firing"), Type.Literal("resolved")]),
  receiver: Type.Optional(Type.String()),
  groupKey: Type.Optional(Type.String()),
  alerts: Type.Array(
    Type.Object({
      status: Type.Union([Type.Literal("firing"), Type.Literal("resolved")]),
      labels: Labels,
      annotations: Labels,
      startsAt: Type.String({ minLength: 1 }),
      endsAt: Type.String({ minLength: 1 }),
      fingerprint: Type.String({ minLength: 1, maxLength: 128 }),
    }),
    { maxItems: MAX_ALERTS_PER_NOTIFICATION },
  ),
});
export type AlertmanagerWebhook = Static<typeof AlertmanagerWebhookSchema>;

const WebhookResultSchema = Type.Object({ incidentId: Nullable(Uuid), opened: Type.Boolean(), closed: Type.Boolean(), ignored: Type.Integer(), unmatched: Type.Integer() });

const IncidentViewSchema = Type.Object({
  id: Uuid,
  status: Type.Union([Type.Literal("open"), Type.Literal("closed")]),
  firstPageAt: Type.String(),
  faultStartAt: Type.String(),
  faultStartSource: Type.Union([Type.Literal("alerts"), Type.Literal("operator")]),
  faultStartReason: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  detectionSeconds: Type.Number(),
  recoverySeconds: Nullable(Type.Number()),
  alerts: Type.Array(
    Type.Object({ fingerprint: Type.String(), alertname: Type.String(), service: Nullable(Type.String()), startsAt: Type.String(), forSeconds: Nullable(Type.Integer()), resolvedAt: Nullable(Type.String()) }),
  ),
});
export type IncidentView = Static<typeof IncidentViewSchema>;

const iso = (ms: number): string => new Date(ms).toISOString();

export const incidentView = (i: StoredIncident): IncidentView => ({
  id: i.id,
  status: i.closedAtMs === null ? "open" : "closed",
  firstPageAt: iso(i.firstPageAtMs),
  faultStartAt: iso(i.faultStartMs),
  faultStartSource: i.faultStartSource,
  faultStartReason: i.faultStartReason,
  closedAt: i.closedAtMs === null ? null : iso(i.closedAtMs),
  detectionSeconds: detectionSeconds(i),
  recoverySeconds: recoverySeconds(i),
  alerts: i.alerts.map((a) => ({ fingerprint: a.fingerprint, alertname: a.alertname, service: a.service, startsAt: iso(a.startsAtMs), forSeconds: a.forSeconds, resolvedAt: a.resolvedAtMs === null ? null : iso(a.resolvedAtMs) })),
});

const problems = { 400: ProblemDetailsSchema, 401: ProblemDetailsSchema, 403: ProblemDetailsSchema, 404: ProblemDetailsSchema, 409: ProblemDetailsSchema };

export const incidentRoutes = async (parent: FastifyInstance, opts: IncidentRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    ALERTMANAGER_WEBHOOK_PATH,
    {
      // Only Alertmanager's own token reaches the handler as a service; other services are refused there.
      config: { auth: { service: true } },
      schema: { tags: ["incidents"], summary: "Alertmanager webhook (payload version 4): critical pages open, join and close incidents (Alertmanager's bearer token)", body: AlertmanagerWebhookSchema, response: { 200: WebhookResultSchema, ...problems } },
    },
    async (request) => {
      if (request.principal?.id !== ALERTMANAGER_PRINCIPAL_ID) throw new HttpProblem(403, "only Alertmanager, with its webhook token, may send notifications here", { type: PROBLEM_TYPES.forbidden });
      const parsed = criticalAlertsOf(request.body.alerts);
      if (!parsed.ok) throw new HttpProblem(400, parsed.problems.map((p) => `${p.path} ${p.message}`).join("; "), { type: PROBLEM_TYPES.validation, errors: parsed.problems });
      const outcome = await opts.db.transaction(async (tx) => {
        await lockIncidents(tx);
        const result = applyNotification(await openIncident(tx), parsed.alerts, opts.clock.nowMs(), randomUUID);
        if (result.incident !== null) await saveIncident(tx, result.incident);
        return result;
      });
      if (outcome.closed && outcome.incident !== null) opts.metrics.observeClosed(outcome.incident);
      if (outcome.opened || outcome.closed) request.log.info({ incidentId: outcome.incident?.id, opened: outcome.opened, closed: outcome.closed }, outcome.opened ? "incident opened" : "incident closed");
      return { incidentId: outcome.incident?.id ?? null, opened: outcome.opened, closed: outcome.closed, ignored: parsed.ignored, unmatched: outcome.unmatched };
    },
  );

  app.get(
    "/api/incidents",
    {
      config: { auth: { role: "viewer" } },
      schema: { tags: ["incidents"], summary: "Incidents, newest first, with their detection and recovery times", querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX })) }), response: { 200: Type.Object({ incidents: Type.Array(IncidentViewSchema) }), ...problems } },
    },
    async (request) => ({ incidents: (await listIncidents(opts.db, request.query.limit ?? LIST_LIMIT_DEFAULT)).map(incidentView) }),
  );

  app.post(
    "/api/incidents/:incidentId/start",
    {
      config: { auth: { role: "operator" } },
      schema: {
        tags: ["incidents"],
        summary: "Correct an incident's fault start from evidence (operator; reason; audited); a closed incident's MTTD is observed again",
        params: Type.Object({ incidentId: Uuid }),
        body: Type.Object({ at: Type.String({ format: "date-time", description: "when the fault began (ISO 8601 with a zone)" }), reason: WrittenReason }, { additionalProperties: false }),
        response: { 200: IncidentViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal === null) throw new Error("the start correction runs only for authenticated principals");
      const atMs = Date.parse(request.body.at);
      const saved = await opts.db.transaction(async (tx) => {
        await lockIncidents(tx);
        const incident = await findIncident(tx, request.params.incidentId);
        if (incident === null) throw new HttpProblem(404, `no incident ${request.params.incidentId}`, { type: PROBLEM_TYPES.notFound });
        const corrected = correctFaultStart(incident, atMs, opts.clock.nowMs());
        if (!corrected.ok) throw new HttpProblem(400, `at: ${corrected.reason}`, { type: PROBLEM_TYPES.validation, errors: [{ path: "/body/at", message: corrected.reason }] });
        await saveIncident(tx, corrected.incident, request.body.reason);
        await appendAudit(
          tx,
          {
            actor: { kind: principal.kind, id: principal.id, name: principal.name },
            service: SERVICE,
            action: "incident.set-start",
            target: `incident:${incident.id}`,
            reason: request.body.reason,
            before: { faultStartAt: iso(incident.faultStartMs), source: incident.faultStartSource, detectionSeconds: detectionSeconds(incident) },
            after: { faultStartAt: iso(corrected.incident.faultStartMs), source: "operator", detectionSeconds: detectionSeconds(corrected.incident) },
          },
          opts.clock,
        );
        return { ...corrected.incident, faultStartReason: request.body.reason };
      });
      if (saved.closedAtMs !== null) opts.metrics.observeClosed(saved);
      return incidentView(saved);
    },
  );
};
