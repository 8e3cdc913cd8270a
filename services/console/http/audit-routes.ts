// The audit log as the console shows it (newest first, paged backwards) and its verification: the
// whole hash chain walked, the first row that is not the one written named, and the head returned so
// it can be compared with a copy kept elsewhere (a deleted tail is only seen that way).
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { verifyAuditChain } from "../../shared/audit/index.js";
import type { Queryable } from "../../shared/db/database.js";
import { AuditQuerySchema, AuditVerdictSchema, type AuditVerdictView } from "./schemas.js";

interface AuditRow {
  seq: number;
  id: string;
  at: Date;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  service: string;
  action: string;
  target: string;
  reason: string | null;
  before: unknown;
  after: unknown;
  hash: Buffer;
}

export const auditPage = async (db: Queryable, q: { beforeSeq?: number; limit?: number; action?: string }) => {
  const { rows } = await db.query<AuditRow>(
    "console_audit_page",
    `SELECT seq, id, at, actor_kind, actor_id, actor_name, service, action, target, reason, before, after, hash FROM audit.events
     WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::text IS NULL OR action LIKE $2 || '%') ORDER BY seq DESC LIMIT $3`,
    [q.beforeSeq ?? null, q.action ?? null, q.limit ?? 100],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    eventId: r.id,
    atMs: r.at.getTime(),
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    service: r.service,
    action: r.action,
    target: r.target,
    reason: r.reason,
    before: r.before,
    after: r.after,
    hash: r.hash.toString("hex"),
  }));
};

export const auditVerdict = async (db: Queryable): Promise<AuditVerdictView> => {
  const verdict = await verifyAuditChain(db);
  const { rows } = await db.query<{ seq: number; hash: Buffer }>("console_audit_head", "SELECT seq, hash FROM audit.events ORDER BY seq DESC LIMIT 1");
  const head = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash.toString("hex") } : null;
  if (verdict.ok) return { ok: true, rows: verdict.rows, head };
  const { rows: counted } = await db.query<{ n: number }>("console_audit_count", "SELECT count(*)::int AS n FROM audit.events");
  return { ok: false, rows: counted[0]?.n ?? 0, head, problem: { seq: verdict.seq, kind: verdict.problem, detail: verdict.detail } };
};

export const auditRoutes = async (parent: FastifyInstance, opts: { db: Queryable }): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    "/api/audit",
    { config: { auth: { role: "operator" } }, schema: { tags: ["audit"], summary: "Audit events, newest first (operator)", querystring: AuditQuerySchema } },
    async (request) => {
      const events = await auditPage(opts.db, request.query);
      const last = events.at(-1);
      return { events, nextBeforeSeq: events.length === (request.query.limit ?? 100) && last ? last.seq : null };
    },
  );
  app.get(
    "/api/audit/verify",
    { config: { auth: { role: "admin" } }, schema: { tags: ["audit"], summary: "Walk the whole hash chain and report the first row that is not the one written (admin)", response: { 200: AuditVerdictSchema } } },
    async () => auditVerdict(opts.db),
  );
};
