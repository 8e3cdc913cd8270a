// The audit log's adapter: every service appends through appendAudit, inside the transaction of the
// change it records, and anyone can verify the chain. Table names are schema-qualified because each
// service's search_path is its own schema.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { SERVICE_NAMES } from "../../../ops/services.js";
import type { Clock } from "../clock.js";
import type { Database, Queryable } from "../db/database.js";
import { canonicalJson, type JsonValue } from "./canonical-json.js";
import {
  AUDIT_ACTOR_KINDS,
  GENESIS_HASH,
  checkLink,
  classifyBrokenLink,
  hashAuditRecord,
  type AuditActor,
  type AuditRecord,
  type ChainVerdict,
  type ChainedAuditRecord,
} from "./chain.js";

export interface AuditEventInput {
  readonly actor: AuditActor;
  /** The service writing the event (ServiceName). */
  readonly service: string;
  /** What happened, `<area>.<verb>` in lower-case kebab words: `token.create`, `breaker.reset`. */
  readonly action: string;
  /** What it happened to, `<kind>:<id>` with a kebab-case kind: `api-token:3f2a…`, `strategy:scavenger`. */
  readonly target: string;
  /** Why, in the actor's words, when they gave a reason. */
  readonly reason?: string | null;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A connection inside a transaction: the advisory lock only serialises writers until commit. */
export type AuditTransaction = Queryable & { readonly client: pg.PoolClient };

export class AuditInputError extends Error {}

// The contracts' AuditEvent shapes: an action is `<area>.<verb>`, a target `<kind>:<id>`.
const ACTION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const TARGET_PATTERN = /^[a-z][a-z0-9-]{0,63}:.{1,200}$/s;
/** One key for every audit writer in the database: appends are serialised, so the chain never forks. */
const AUDIT_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('titan.audit.events', 0))";

const requireText = (field: string, value: unknown, maxLength: number): string => {
  if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
    throw new AuditInputError(`audit ${field} must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
};

/** The JSON value as it will be stored, so the hash covers exactly what jsonb keeps. */
const normaliseJson = (field: string, value: unknown): JsonValue | null => {
  if (value === undefined || value === null) return null;
  try {
    return JSON.parse(canonicalJson(value)) as JsonValue;
  } catch (err) {
    throw new AuditInputError(`audit ${field}: ${(err as Error).message}`);
  }
};

const validate = (event: AuditEventInput): Omit<AuditRecord, "seq" | "id" | "atMs"> => {
  if (!(AUDIT_ACTOR_KINDS as readonly string[]).includes(event.actor?.kind)) {
    throw new AuditInputError(`audit actor kind must be one of ${AUDIT_ACTOR_KINDS.join(", ")}`);
  }
  const action = requireText("action", event.action, 100);
  if (!ACTION_PATTERN.test(action)) throw new AuditInputError(`audit action ${JSON.stringify(action)} must be <area>.<verb> in lower-case kebab words, e.g. token.create`);
  const target = requireText("target", event.target, 265);
  if (!TARGET_PATTERN.test(target)) throw new AuditInputError(`audit target ${JSON.stringify(target)} must be <kind>:<id>, e.g. api-token:3f2a…`);
  if (!(SERVICE_NAMES as readonly string[]).includes(event.service)) throw new AuditInputError(`audit service must be one of ${SERVICE_NAMES.join(", ")}`);
  const reason = event.reason ?? null;
  return {
    actor: { kind: event.actor.kind, id: requireText("actor id", event.actor.id, 200), name: requireText("actor name", event.actor.name, 200) },
    service: event.service,
    action,
    target,
    reason: reason === null ? null : requireText("reason", reason, 2000),
    before: normaliseJson("before", event.before),
    after: normaliseJson("after", event.after),
  };
};

/**
 * Appends one event inside the caller's transaction: it commits or rolls back with the change it
 * records. Under REPEATABLE READ a stale snapshot would reread an old head; the seq primary key then
 * makes the insert fail instead of forking the chain.
 */
export const appendAudit = async (tx: AuditTransaction, event: AuditEventInput, clock: Clock): Promise<ChainedAuditRecord> => {
  const fields = validate(event);
  await tx.query("audit_lock", AUDIT_LOCK_SQL);
  const head = await tx.query<{ seq: string | number; hash: Buffer }>("audit_head", "SELECT seq, hash FROM audit.events ORDER BY seq DESC LIMIT 1");
  const last = head.rows[0];
  const record: AuditRecord = { seq: last ? Number(last.seq) + 1 : 1, id: randomUUID(), atMs: Math.floor(clock.nowMs()), ...fields };
  const prevHash = last ? last.hash : GENESIS_HASH;
  const hash = hashAuditRecord(prevHash, record);
  await tx.query(
    "audit_insert",
    `INSERT INTO audit.events (seq, id, at, actor_kind, actor_id, actor_name, service, action, target, reason, before, after, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14)`,
    [
      record.seq,
      record.id,
      new Date(record.atMs).toISOString(),
      record.actor.kind,
      record.actor.id,
      record.actor.name,
      record.service,
      record.action,
      record.target,
      record.reason,
      record.before === null ? null : canonicalJson(record.before),
      record.after === null ? null : canonicalJson(record.after),
      prevHash,
      hash,
    ],
  );
  return { ...record, prevHash, hash };
};

/** appendAudit in a transaction of its own, for events that record no other change. */
export const recordAudit = (db: Database, event: AuditEventInput, clock: Clock): Promise<ChainedAuditRecord> =>
  db.transaction((tx) => appendAudit(tx, event, clock));

interface EventRow {
  seq: string | number;
  id: string;
  at: Date;
  actor_kind: AuditActor["kind"];
  actor_id: string;
  actor_name: string;
  service: string;
  action: string;
  target: string;
  reason: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  prev_hash: Buffer;
  hash: Buffer;
}

const SELECT_EVENTS = `SELECT seq, id, at, actor_kind, actor_id, actor_name, service, action, target, reason, before, after, prev_hash, hash
  FROM audit.events`;

const fromRow = (r: EventRow): ChainedAuditRecord => ({
  seq: Number(r.seq),
  id: r.id,
  atMs: r.at.getTime(),
  actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
  service: r.service,
  action: r.action,
  target: r.target,
  reason: r.reason,
  before: r.before,
  after: r.after,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** Events after `afterSeq`, oldest first. */
export const listAuditEvents = async (db: Queryable, opts: { afterSeq?: number; limit?: number } = {}): Promise<ChainedAuditRecord[]> => {
  const { rows } = await db.query<EventRow>("audit_list", `${SELECT_EVENTS} WHERE seq > $1 ORDER BY seq LIMIT $2`, [opts.afterSeq ?? 0, opts.limit ?? 100]);
  return rows.map(fromRow);
};

/**
 * Walks the whole log in seq order, a batch at a time, and reports the first row that is not the one
 * written: edited (content differs from its hash), deleted (a seq is missing, or a row follows a hash
 * no row has) or reordered (a row follows another row's hash). Deleting the newest rows leaves a valid
 * shorter chain: that needs the head recorded elsewhere.
 */
export const verifyAuditChain = async (db: Queryable, opts: { batchSize?: number } = {}): Promise<ChainVerdict> => {
  const batchSize = opts.batchSize ?? 1000;
  let prev: ChainedAuditRecord | null = null;
  let count = 0;
  for (;;) {
    const batch = await listAuditEvents(db, { afterSeq: prev?.seq ?? 0, limit: batchSize });
    for (const row of batch) {
      let finding = checkLink(prev, row);
      if (finding.kind === "broken-link") {
        const holder = await db.query<{ seq: string | number }>("audit_hash_holder", "SELECT seq FROM audit.events WHERE hash = $1", [row.prevHash]);
        const holderSeq = holder.rows[0] ? Number(holder.rows[0].seq) : null;
        finding = classifyBrokenLink(prev, row, holderSeq);
      }
      if (finding.kind === "problem") return { ok: false, seq: finding.seq, problem: finding.problem, detail: finding.detail };
      prev = row;
      count += 1;
    }
    if (batch.length < batchSize) return { ok: true, rows: count };
  }
};
