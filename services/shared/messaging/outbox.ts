// The producing side of the transactional outbox: a message is a row written in the same
// transaction as the state change it announces, so both happen or neither does. The relay publishes it.
import type pg from "pg";
import { beforeCommit, isHookedTransaction, onCommit, transactionPool, type Database, type Queryable } from "../db/database.js";
import { faultPoint } from "../faults.js";
import { MAX_ENVELOPE_CHARS, streamNameProblem } from "./entry.js";
import { guardCheckedOutClient } from "./pg-guard.js";
import { InvalidMessageError, MESSAGING_FAULT_POINTS, isUuid, type Envelope, type MessageValidator, type StreamResolver } from "./types.js";

/** NOTIFY channel of a schema's outbox (channels are per database, schemas share one). */
export const outboxChannel = (schema: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unsafe schema name for an outbox channel: ${schema}`);
  return `titan_outbox_${schema}`;
};

export interface EnqueueOptions {
  /** Contracts' validator: an envelope it rejects is refused before anything is written. */
  readonly validate?: MessageValidator;
  /**
   * A message with a deterministic id that may already be in the outbox (derived again from the same
   * facts, e.g. after a restart): written only if no row has its id, and then not published again. Without
   * it, an id already there fails the transaction.
   */
  readonly skipIfPresent?: boolean;
}

/** An outbox row as written: what a relay needs to publish it. */
export interface CommittedOutboxRow {
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly json: string;
}

/** A row waiting for its transaction's commit, and whether an existing row with its id is expected. */
interface GatheredRow extends CommittedOutboxRow {
  readonly skipIfPresent: boolean;
}

/** A relay in this process, publishing rows the moment a transaction on its pool commits them. */
export interface CommittedRowsSink {
  publishCommitted(rows: readonly CommittedOutboxRow[]): void;
}

const sinks = new WeakMap<pg.Pool, CommittedRowsSink>();

/**
 * Makes `sink` the publisher of rows committed through `pool` in this process (one per pool; a second
 * is ignored). Such rows are written leased to it and without NOTIFY: the sink sends them at once, and
 * any relay's poll takes over what it leaves once the lease runs out. Returns the detach function.
 */
export const attachCommittedRowsSink = (pool: pg.Pool, sink: CommittedRowsSink): (() => void) => {
  if (sinks.has(pool)) return () => undefined;
  sinks.set(pool, sink);
  return () => {
    if (sinks.get(pool) === sink) sinks.delete(pool);
  };
};

/** Messages a transaction enqueued, written together just before it commits. */
const pendingByTransaction = new WeakMap<Queryable, Map<string, GatheredRow>>();

/** True when `messageId` is already in `tx`'s outbox: written, or waiting for the commit to be written. */
export const isEnqueuedInTransaction = (tx: Queryable, messageId: string): boolean => pendingByTransaction.get(tx)?.has(messageId.toLowerCase()) ?? false;

/** How long rows handed to this process's relay are its alone; past it, any relay's claim takes them. */
export const PUBLISH_LEASE_SECONDS = 5;

/**
 * Rows for any relay (NOTIFY wakes them), or leased to this process's relay (no NOTIFY: it is handed
 * them). Returns the rows written: a row whose id is already there is skipped when it allows that, and
 * fails the transaction otherwise.
 */
const insertRows = async (tx: Queryable, rows: readonly GatheredRow[], leased: boolean): Promise<GatheredRow[]> => {
  const { rows: written } = await tx.query<{ id: string }>(
    `${rows.length === 1 ? "messaging_outbox_enqueue" : "messaging_outbox_enqueue_batch"}${leased ? "_leased" : ""}`,
    leased
      ? `INSERT INTO outbox (id, stream, type, envelope, leased_until)
         SELECT id, stream, type, envelope::jsonb, now() + make_interval(secs => $5)
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS m(id, stream, type, envelope)
         ON CONFLICT (id) DO NOTHING
         RETURNING id::text AS id`
      : // PostgreSQL delivers one notification per channel and payload per transaction, however many rows.
        `WITH queued AS (
           INSERT INTO outbox (id, stream, type, envelope)
           SELECT id, stream, type, envelope::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS m(id, stream, type, envelope)
           ON CONFLICT (id) DO NOTHING
           RETURNING id
         )
         SELECT id::text AS id, pg_notify('titan_outbox_' || current_schema(), '') FROM queued`,
    [rows.map((r) => r.id), rows.map((r) => r.stream), rows.map((r) => r.type), rows.map((r) => r.json), ...(leased ? [PUBLISH_LEASE_SECONDS] : [])],
  );
  if (written.length === rows.length) return [...rows];
  const writtenIds = new Set(written.map((r) => r.id));
  const present = rows.filter((r) => !writtenIds.has(r.id));
  const unexpected = present.find((r) => !r.skipIfPresent);
  if (unexpected) throw new InvalidMessageError(`message ${unexpected.id} is already in the outbox`);
  return rows.filter((r) => writtenIds.has(r.id));
};

/**
 * Writes `envelope` to the outbox of the schema `tx` works in, to be published to `stream`, and
 * notifies the relay, which PostgreSQL delivers only if and when the transaction commits. In a
 * transaction of Database.transaction the rows are gathered and inserted in one statement just before
 * COMMIT (a batch of messages costs one round trip, not one each); the order of enqueueing is kept.
 */
export const enqueueInTransaction = async (tx: Queryable, envelope: Envelope, stream: string, opts: EnqueueOptions = {}): Promise<void> => {
  const streamProblem = streamNameProblem(stream);
  if (streamProblem !== null) throw new InvalidMessageError(streamProblem);
  let checked = envelope;
  if (opts.validate) {
    const result = opts.validate(envelope);
    if (!result.ok) throw new InvalidMessageError(result.reason);
    checked = result.envelope;
  }
  if (!isUuid(checked.id)) throw new InvalidMessageError(`envelope id ${JSON.stringify(checked.id)} is not a UUID`);
  if (typeof checked.type !== "string" || checked.type.length === 0) throw new InvalidMessageError("envelope type must be a non-empty string");
  const json = JSON.stringify(checked);
  if (json.length > MAX_ENVELOPE_CHARS) throw new InvalidMessageError(`envelope is ${json.length} characters, over the ${MAX_ENVELOPE_CHARS} limit`);
  const row: GatheredRow = { id: checked.id.toLowerCase(), stream, type: checked.type, json, skipIfPresent: opts.skipIfPresent === true };
  if (!isHookedTransaction(tx)) {
    await insertRows(tx, [row], false);
    return;
  }
  let pending = pendingByTransaction.get(tx);
  if (pending === undefined) {
    const rows = new Map<string, GatheredRow>();
    pending = rows;
    pendingByTransaction.set(tx, rows);
    beforeCommit(tx, async () => {
      // Written: a later enqueue in the same transaction starts a new gathering.
      pendingByTransaction.delete(tx);
      if (rows.size === 0) return;
      const pool = transactionPool(tx);
      const sink = pool === undefined ? undefined : sinks.get(pool);
      const written = await insertRows(tx, [...rows.values()], sink !== undefined);
      if (sink !== undefined && written.length > 0) onCommit(tx, () => sink.publishCommitted(written.map(({ id, stream: s, type, json: j }) => ({ id, stream: s, type, json: j }))));
    });
  }
  // The same id twice in one transaction would fail at COMMIT on the primary key; fail here, where it happens.
  if (pending.has(row.id)) {
    if (row.skipIfPresent) return;
    throw new InvalidMessageError(`message ${row.id} is already in this transaction's outbox`);
  }
  pending.set(row.id, row);
};

/** Enqueues in the transaction at hand; the stream defaults to the producer's resolver. */
export type Publish = (envelope: Envelope, stream?: string) => Promise<void>;

export interface OutboxProducerOptions {
  readonly db: Database;
  readonly resolveStream: StreamResolver;
  readonly validate?: MessageValidator;
  /** Called after each commit that enqueued something (e.g. a same-process relay's `wake`). */
  readonly afterCommit?: () => void;
}

/** Runs state changes and the messages they emit as one transaction. */
export class OutboxProducer {
  constructor(private readonly opts: OutboxProducerOptions) {}

  async transaction<T>(fn: (tx: Queryable, publish: Publish) => Promise<T>): Promise<T> {
    let enqueued = 0;
    const result = await this.opts.db.transaction((tx) => {
      guardCheckedOutClient(tx.client);
      return fn(tx, async (envelope, stream) => {
        const target = stream ?? this.opts.resolveStream(envelope);
        await enqueueInTransaction(tx, envelope, target, this.opts.validate ? { validate: this.opts.validate } : {});
        enqueued += 1;
      });
    });
    // Committed, not yet published: the relay must find these rows even if the process dies here.
    faultPoint(MESSAGING_FAULT_POINTS.producerAfterCommitBeforePublish);
    if (enqueued > 0) this.opts.afterCommit?.();
    return result;
  }
}
