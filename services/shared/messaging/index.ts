// Exactly-once effects over at-least-once delivery: transactional outbox, relay to Redis Streams,
// consumer groups with an inbox, dead letters. See DESIGN.md "Data flow".
import { fileURLToPath } from "node:url";

export { StreamConsumer, type Delivery, type MessageHandler, type StreamConsumerOptions } from "./consumer.js";
export { OutboxRelay, type OutboxRelayOptions } from "./relay.js";
export { OutboxProducer, PUBLISH_LEASE_SECONDS, attachCommittedRowsSink, enqueueInTransaction, isEnqueuedInTransaction, outboxChannel, type CommittedOutboxRow, type CommittedRowsSink, type EnqueueOptions, type OutboxProducerOptions, type Publish } from "./outbox.js";
export { pruneMessagingTables, type RetentionOptions } from "./dead-letter.js";
export { buildDeadLetterEnvelope, encodeEntryFields, parseStreamEntry, MAX_ENVELOPE_CHARS, type ParsedEntry } from "./entry.js";
export { DEFAULT_RETRY_BACKOFF, backoffDelayMs, decideAfterFailure, isTransientError, type BackoffPolicy } from "./retry-policy.js";
export * from "./types.js";

/** Folder of the outbox/inbox/dead-letter migrations, applied into each service's own schema. */
export const messagingMigrationsDir = (): string => fileURLToPath(new URL("./migrations", import.meta.url));

/** Tracking table of those migrations, beside the service's own `schema_migrations`. */
export const MESSAGING_MIGRATIONS_TABLE = "schema_migrations_messaging";
