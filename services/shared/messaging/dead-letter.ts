// Recording a dead letter: one transaction writes the `dead_letters` row (PostgreSQL keeps every dead
// letter even if Redis is wiped), marks the message handled in the inbox, and enqueues the
// dead-letter envelope in the outbox, so the stream copy is published exactly like any message.
import type { Queryable } from "../db/database.js";
import { enqueueInTransaction } from "./outbox.js";
import type { DeadLetter, Envelope } from "./types.js";

/** Reasons are for people reading a dead letter: keep them readable and bounded. */
export const MAX_REASON_CHARS = 2_000;

export const describeError = (err: unknown): string => {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `thrown value: ${String(err)}`;
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
};

/**
 * Writes the dead letter unless this entry was already dead-lettered by this group (a crash between
 * that commit and the XACK). Returns false when it was.
 */
export const recordDeadLetter = async (tx: Queryable, deadLetter: DeadLetter, envelope: Envelope, deadLetterStream: string): Promise<boolean> => {
  const { payload: p, reasonClass } = deadLetter;
  const inserted = await tx.query(
    "messaging_dead_letter_insert",
    `INSERT INTO dead_letters
       (id, consumer_group, consumer, stream, entry_id, message_id, message_type, reason_class, reason, attempts, raw, dead_lettered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12::float8 / 1000))
     ON CONFLICT (consumer_group, stream, entry_id) DO NOTHING`,
    [envelope.id, p.group, p.consumer, p.originalStream, p.originalEntryId, p.messageId ?? null, p.messageType ?? null, reasonClass, p.reason.slice(0, MAX_REASON_CHARS), p.attempts, p.raw, p.deadLetteredAtMs],
  );
  if (inserted.rowCount === 0) return false;
  // A well-formed message that failed is handled, as far as this group goes: a redelivered copy
  // (a relay republishing after a crash) must not run the handler again.
  if (p.messageId !== undefined && reasonClass !== "malformed") {
    await tx.query(
      "messaging_inbox_dead_lettered",
      "INSERT INTO inbox (consumer_group, message_id, stream, outcome) VALUES ($1, $2, $3, 'dead-lettered') ON CONFLICT DO NOTHING",
      [p.group, p.messageId, p.originalStream],
    );
  }
  await enqueueInTransaction(tx, envelope, deadLetterStream);
  return true;
};

export interface RetentionOptions {
  /** Published outbox rows and inbox rows older than this are deleted. */
  readonly keepMs: number;
}

/**
 * Deletes published outbox rows and inbox rows past retention. The inbox must outlive any redelivery
 * (a week by default is far beyond any pending entry's life); dead letters are never pruned here.
 */
export const pruneMessagingTables = async (q: Queryable, opts: RetentionOptions): Promise<{ outbox: number; inbox: number }> => {
  if (!(Number.isFinite(opts.keepMs) && opts.keepMs >= 60_000)) throw new RangeError("pruneMessagingTables: keepMs must be at least a minute");
  const seconds = opts.keepMs / 1000;
  const outbox = await q.query("messaging_outbox_prune", "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)", [seconds]);
  const inbox = await q.query("messaging_inbox_prune", "DELETE FROM inbox WHERE processed_at < now() - make_interval(secs => $1)", [seconds]);
  return { outbox: outbox.rowCount ?? 0, inbox: inbox.rowCount ?? 0 };
};
