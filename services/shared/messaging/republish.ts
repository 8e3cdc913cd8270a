// After Redis loses data (restored from a snapshot, or come back empty), the entries it held that a
// consumer had not read yet are gone, but PostgreSQL still has every message in its outbox. Marking
// the rows published since a point unpublished again hands them back to the relays, which publish
// them as they publish anything; consumers' inboxes drop the copies they had already handled.
// Outbox rows are kept after publishing until the brain's pruning (TITAN_BRAIN_MESSAGING_RETENTION)
// deletes them with the inbox rows of the same age; the other services never prune. A window longer
// than that retention is refused: a copy whose inbox row was pruned would run its effect twice.
import { SERVICES, type ServiceName } from "../../../ops/services.js";
import { appendAudit, type AuditActor } from "../audit/index.js";
import type { Clock } from "../clock.js";
import type { Database, Queryable } from "../db/database.js";
import { outboxChannel } from "./outbox.js";

/**
 * Republish from this long before the point Redis was restored to. A relay stamps `published_at` at
 * the start of its claim transaction and XADDs within its Redis timeout (5 s) after, and the host
 * that took the snapshot may run its clock apart from PostgreSQL's: a minute covers both with room.
 * Copies of messages Redis did keep cost only an inbox lookup each.
 */
export const REPUBLISH_MARGIN_SECONDS = 60;

/** The start of the window to republish for a Redis restored to `restoredToMs`. */
export const republishSinceMs = (restoredToMs: number, marginSeconds: number = REPUBLISH_MARGIN_SECONDS): number => {
  if (!Number.isFinite(restoredToMs)) throw new RangeError(`republishSinceMs: ${restoredToMs} is not a time`);
  if (!(Number.isFinite(marginSeconds) && marginSeconds >= 0)) throw new RangeError(`republish margin must be zero or more seconds, got ${marginSeconds}`);
  return restoredToMs - marginSeconds * 1000;
};

export interface RepublishWindow {
  readonly sinceMs: number;
  readonly nowMs: number;
  /** The inbox retention: no window may reach further back (undefined: not checked). */
  readonly maxWindowMs?: number;
}

/** Why the window cannot be republished, or null when it can. */
export const republishWindowProblem = (w: RepublishWindow): string | null => {
  if (!Number.isFinite(w.sinceMs)) return "the start of the window is not a time";
  if (w.sinceMs > w.nowMs) return `the window starts in the future (${new Date(w.sinceMs).toISOString()})`;
  if (w.maxWindowMs !== undefined && w.nowMs - w.sinceMs > w.maxWindowMs) {
    const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
    return (
      `the window reaches back ${hours(w.nowMs - w.sinceMs)}, past the inbox retention of ${hours(w.maxWindowMs)}: ` +
      "inbox rows that old may be pruned, and a consumer would apply their messages again"
    );
  }
  return null;
};

/** What one schema's outbox holds (or held) in the window. */
export interface RepublishedSchema {
  readonly schema: string;
  readonly rows: number;
  /** Rows per stream. */
  readonly streams: Readonly<Record<string, number>>;
  /** The highest outbox seq in the window: the copies are out once nothing at or below it is unpublished. */
  readonly maxSeq: number | null;
  /** An audit event was recorded with the change (the schema is a service's and the audit log exists). */
  readonly audited: boolean;
}

export interface RepublishAudit {
  readonly actor: AuditActor;
  readonly reason: string;
  readonly clock: Clock;
}

export interface RepublishOptions {
  readonly sinceMs: number;
  readonly nowMs: number;
  /** Schemas to republish; every schema holding an outbox by default. */
  readonly schemas?: readonly string[];
  /** Refuse windows longer than this (the inbox retention); undefined skips the check (--force). */
  readonly maxWindowMs?: number;
  /** Record each schema's republish in the audit log, in the same transaction. */
  readonly audit?: RepublishAudit;
}

const quoted = (schema: string): string => {
  outboxChannel(schema); // throws on a name that is not a plain lower-case identifier
  return `"${schema}"`;
};

/** Schemas with a messaging outbox (the migrations create one in each service's schema). */
export const outboxSchemas = async (db: Queryable): Promise<string[]> => {
  const { rows } = await db.query<{ schema: string }>(
    "messaging_outbox_schemas",
    "SELECT table_schema AS schema FROM information_schema.columns WHERE table_name = 'outbox' AND column_name = 'published_at' ORDER BY 1",
  );
  return rows.map((r) => r.schema);
};

const resolveSchemas = async (db: Queryable, wanted: readonly string[] | undefined): Promise<string[]> => {
  const present = await outboxSchemas(db);
  if (wanted === undefined) return present;
  const missing = wanted.filter((s) => !present.includes(s));
  if (missing.length > 0) throw new Error(`no outbox in schema ${missing.join(", ")}; schemas with one: ${present.join(", ") || "(none)"}`);
  return [...new Set(wanted)];
};

const summarise = (schema: string, rows: ReadonlyArray<{ stream: string; n: number; max_seq: number | null }>, audited: boolean): RepublishedSchema => {
  const streams = Object.fromEntries(rows.map((r) => [r.stream, r.n]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  const maxSeqs = rows.map((r) => r.max_seq).filter((s): s is number => s !== null);
  return { schema, rows: rows.reduce((sum, r) => sum + r.n, 0), streams, maxSeq: maxSeqs.length > 0 ? Math.max(...maxSeqs) : null, audited };
};

const checkWindow = (opts: RepublishOptions): void => {
  const problem = republishWindowProblem(opts);
  if (problem !== null) throw new Error(`cannot republish from ${new Date(opts.sinceMs).toISOString()}: ${problem}`);
};

/** Counts what `republishSince` would hand back to the relays; changes nothing. */
export const countRepublishable = async (db: Queryable, opts: RepublishOptions): Promise<RepublishedSchema[]> => {
  checkWindow(opts);
  const result: RepublishedSchema[] = [];
  for (const schema of await resolveSchemas(db, opts.schemas)) {
    const { rows } = await db.query<{ stream: string; n: number; max_seq: number | null }>(
      "messaging_republish_count",
      `SELECT stream, count(*)::int AS n, max(seq) AS max_seq FROM ${quoted(schema)}.outbox WHERE published_at >= to_timestamp($1::float8 / 1000) GROUP BY stream`,
      [opts.sinceMs],
    );
    result.push(summarise(schema, rows, false));
  }
  return result;
};

const serviceOfSchema = (schema: string): ServiceName | undefined => (Object.values(SERVICES).find((s) => s.schema === schema)?.name as ServiceName | undefined);

/**
 * Marks every outbox row published at or after `sinceMs` unpublished, one transaction per schema, and
 * wakes that schema's relays (NOTIFY, delivered at commit). Rows keep their `seq`, so each stream
 * receives its copies in the order they were first enqueued.
 */
export const republishSince = async (db: Database, opts: RepublishOptions): Promise<RepublishedSchema[]> => {
  checkWindow(opts);
  const auditable = opts.audit !== undefined && (await db.query<{ ok: boolean }>("messaging_republish_audit_exists", "SELECT to_regclass('audit.events') IS NOT NULL AS ok")).rows[0]?.ok === true;
  const result: RepublishedSchema[] = [];
  for (const schema of await resolveSchemas(db, opts.schemas)) {
    result.push(
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ stream: string; n: number; max_seq: number | null }>(
          "messaging_republish_mark",
          `WITH marked AS (
             UPDATE ${quoted(schema)}.outbox SET published_at = NULL, leased_until = NULL
              WHERE published_at >= to_timestamp($1::float8 / 1000)
             RETURNING stream, seq
           )
           SELECT stream, count(*)::int AS n, max(seq) AS max_seq FROM marked GROUP BY stream`,
          [opts.sinceMs],
        );
        await tx.query("messaging_republish_notify", "SELECT pg_notify($1, '')", [outboxChannel(schema)]);
        const service = serviceOfSchema(schema);
        const audit = opts.audit;
        // An operator's change to a service's data is audited; a schema with nothing in the window changed nothing.
        const summary = summarise(schema, rows, auditable && service !== undefined && rows.length > 0);
        if (summary.audited && audit && service) {
          await appendAudit(
            tx,
            {
              actor: audit.actor,
              service,
              action: "bus.republish",
              target: `outbox:${schema}`,
              reason: audit.reason,
              after: { since: new Date(opts.sinceMs).toISOString(), rows: summary.rows, streams: summary.streams },
            },
            audit.clock,
          );
        }
        return summary;
      }),
    );
  }
  return result;
};

/** Rows of the republished windows that no relay has published again yet. */
export const republishBacklog = async (db: Queryable, republished: readonly RepublishedSchema[]): Promise<number> => {
  let backlog = 0;
  for (const r of republished) {
    if (r.maxSeq === null) continue;
    const { rows } = await db.query<{ n: number }>(
      "messaging_republish_backlog",
      `SELECT count(*)::int AS n FROM ${quoted(r.schema)}.outbox WHERE published_at IS NULL AND seq <= $1`,
      [r.maxSeq],
    );
    backlog += rows[0]?.n ?? 0;
  }
  return backlog;
};

/** A progress line at most this often while the relays catch up. */
const PROGRESS_EVERY_MS = 2_000;

export interface RepublishDrain {
  /** Seconds until every republished row was published again; null when the deadline passed first. */
  readonly seconds: number | null;
  /** Rows still waiting for a relay at the end. */
  readonly remaining: number;
}

/**
 * Waits until the relays have published every republished row again, or `timeoutMs` passes (a schema
 * whose service is not running keeps its rows until it starts: not an error, but it is reported).
 */
export const waitUntilRepublished = async (
  db: Queryable,
  republished: readonly RepublishedSchema[],
  opts: { readonly timeoutMs: number; readonly clock: Clock; readonly progress?: (line: string) => void; readonly pollMs?: number },
): Promise<RepublishDrain> => {
  const startedMs = opts.clock.monotonicMs();
  let saidAtMs = Number.NEGATIVE_INFINITY;
  for (;;) {
    const remaining = await republishBacklog(db, republished);
    const elapsedMs = opts.clock.monotonicMs() - startedMs;
    if (remaining === 0) return { seconds: elapsedMs / 1000, remaining };
    if (elapsedMs >= opts.timeoutMs) return { seconds: null, remaining };
    if (elapsedMs - saidAtMs >= PROGRESS_EVERY_MS) {
      opts.progress?.(`${remaining} republished messages waiting for their relays`);
      saidAtMs = elapsedMs;
    }
    await opts.clock.sleep(opts.pollMs ?? 250);
  }
};
