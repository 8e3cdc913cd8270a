// The shapes messaging works with. The real envelope schema and its validator live in
// services/shared/contracts; this module only needs the envelope's outline and takes the validator
// as a function, so transport and contracts can change independently.
import type { ServiceName } from "../../../ops/services.js";

/** The wire envelope every message travels in (contracts' `Envelope`, outlined). */
export interface Envelope {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly source: ServiceName;
  readonly tsMs: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly payload: object;
}

export type ValidationResult = { readonly ok: true; readonly envelope: Envelope } | { readonly ok: false; readonly reason: string };

/** Checks a decoded message; contracts' `validateEnvelope` is the production one. */
export type MessageValidator = (raw: unknown) => ValidationResult;

/** Which stream an envelope is published to (by its type, usually). */
export type StreamResolver = (envelope: Envelope) => string;

/** Stream entry fields: the message id (cheap dedupe without parsing) and the envelope as JSON. */
export const ENTRY_ID_FIELD = "id";
export const ENTRY_ENVELOPE_FIELD = "env";

export const DEFAULT_DEAD_LETTER_STREAM = "titan:dead-letter";
export const DEAD_LETTER_TYPE = "dead-letter";

/** Why a message was dead-lettered. */
export const DEAD_LETTER_REASON_CLASSES = ["malformed", "handler-failed", "delivery-limit"] as const;
export type DeadLetterReasonClass = (typeof DEAD_LETTER_REASON_CLASSES)[number];

/**
 * Payload of the envelope published to the dead-letter stream: contracts' `DeadLetter` (version 1),
 * outlined here as `Envelope` is.
 */
export interface DeadLetterPayload {
  readonly version: 1;
  readonly originalStream: string;
  /** The Redis entry id (`<ms>-<seq>`). */
  readonly originalEntryId: string;
  readonly group: string;
  readonly consumer: string;
  readonly attempts: number;
  readonly reason: string;
  /** Known only when the entry carried a readable id / type. */
  readonly messageId?: string;
  readonly messageType?: string;
  /** The entry as read: its envelope text, or all its fields as JSON when it had none. */
  readonly raw: string;
  readonly deadLetteredAtMs: number;
}

/** A dead letter as the consumer records it: the payload, and which kind of reason it was. */
export interface DeadLetter {
  readonly payload: DeadLetterPayload;
  readonly reasonClass: DeadLetterReasonClass;
}

/** Structured logging as pino does it: fields first, then the message. */
export interface MessagingLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export const silentLogger: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

/** An envelope or stream name refused before anything was written. */
export class InvalidMessageError extends Error {
  constructor(readonly reason: string) {
    super(`invalid message: ${reason}`);
    this.name = "InvalidMessageError";
  }
}

/** Crash points (services/shared/faults.ts) at the edges where exactly-once could break. */
export const MESSAGING_FAULT_POINTS = {
  consumerAfterReceiveBeforeCommit: "consumer.after-receive-before-commit",
  consumerAfterCommitBeforeAck: "consumer.after-commit-before-ack",
  relayAfterXaddBeforeMarkPublished: "relay.after-xadd-before-mark-published",
  producerAfterCommitBeforePublish: "producer.after-commit-before-publish",
} as const;
