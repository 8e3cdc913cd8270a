// Pure translation between envelopes and Redis stream entries, and the dead-letter envelope.
import type { ServiceName } from "../../../ops/services.js";
import {
  DEAD_LETTER_TYPE,
  ENTRY_ENVELOPE_FIELD,
  ENTRY_ID_FIELD,
  isUuid,
  type DeadLetterPayload,
  type Envelope,
  type MessageValidator,
} from "./types.js";

/** An envelope longer than this (JSON characters) is refused as malformed: nothing on the bus comes near it. */
export const MAX_ENVELOPE_CHARS = 1024 * 1024;
/** How much of a dead message's raw text travels in the dead-letter envelope (contracts allow 1 MiB; PostgreSQL keeps it all). */
export const DEAD_LETTER_RAW_CHARS = 1_000_000;

/** Fields for XADD: the id for cheap dedupe, then the envelope as one JSON field. */
export const encodeEntryFields = (envelope: Envelope, envelopeJson: string = JSON.stringify(envelope)): string[] => [
  ENTRY_ID_FIELD,
  envelope.id,
  ENTRY_ENVELOPE_FIELD,
  envelopeJson,
];

/** A flat [field, value, …] list as a record; a repeated field keeps its first value. */
export const fieldsToRecord = (fields: readonly string[]): Record<string, string> => {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i] as string;
    if (!(key in record)) record[key] = fields[i + 1] as string;
  }
  return record;
};

export type ParsedEntry =
  | { readonly kind: "message"; readonly envelope: Envelope }
  | { readonly kind: "malformed"; readonly reason: string; readonly messageId: string | null; readonly messageType: string | null; readonly raw: string }
  /** The entry was deleted or trimmed while pending: nothing left to process. */
  | { readonly kind: "gone" };

export const parseStreamEntry = (fields: readonly string[] | null, validate: MessageValidator): ParsedEntry => {
  if (fields === null) return { kind: "gone" };
  const record = fieldsToRecord(fields);
  const idField = record[ENTRY_ID_FIELD];
  const envelopeText = record[ENTRY_ENVELOPE_FIELD];
  const idFromField = isUuid(idField) ? idField.toLowerCase() : null;
  // Without an envelope field, the whole entry is what a person will need to see.
  const raw = envelopeText ?? JSON.stringify(record);
  const malformed = (reason: string, messageId: string | null = idFromField, messageType: string | null = null) =>
    ({ kind: "malformed" as const, reason, messageId, messageType, raw });
  if (envelopeText === undefined) return malformed(`entry has no '${ENTRY_ENVELOPE_FIELD}' field`);
  if (envelopeText.length > MAX_ENVELOPE_CHARS) return malformed(`envelope is ${envelopeText.length} characters, over the ${MAX_ENVELOPE_CHARS} limit`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(envelopeText);
  } catch (err) {
    return malformed(`envelope is not valid JSON: ${(err as Error).message}`);
  }
  const { id: decodedId, type: decodedType } = (typeof decoded === "object" && decoded !== null ? decoded : {}) as { id?: unknown; type?: unknown };
  const messageId = idFromField ?? (isUuid(decodedId) ? decodedId.toLowerCase() : null);
  const messageType = typeof decodedType === "string" && decodedType.length > 0 && decodedType.length <= 100 ? decodedType : null;
  const result = validate(decoded);
  if (!result.ok) return malformed(result.reason || "rejected by the validator", messageId, messageType);
  if (idField !== undefined && idField.toLowerCase() !== result.envelope.id.toLowerCase()) {
    return malformed(`entry id field ${idField} does not match envelope id ${result.envelope.id}`, messageId, messageType);
  }
  return { kind: "message", envelope: result.envelope };
};

const truncate = (text: string, maxChars: number): string =>
  text.length <= maxChars ? text : `${text.slice(0, maxChars)}…[truncated ${text.length - maxChars} characters]`;

export interface DeadLetterEnvelopeArgs {
  readonly id: string;
  readonly source: ServiceName;
  readonly payload: DeadLetterPayload;
  /** Carried over from the dead message, when it had one, so its trace stays together. */
  readonly correlationId?: string;
}

export const buildDeadLetterEnvelope = (args: DeadLetterEnvelopeArgs): Envelope => ({
  id: args.id,
  type: DEAD_LETTER_TYPE,
  version: 1,
  source: args.source,
  tsMs: args.payload.deadLetteredAtMs,
  ...(args.correlationId !== undefined ? { correlationId: args.correlationId } : {}),
  ...(args.payload.messageId !== undefined ? { causationId: args.payload.messageId } : {}),
  payload: { ...args.payload, raw: truncate(args.payload.raw, DEAD_LETTER_RAW_CHARS) },
});

/** Stream names are Redis keys: printable, no spaces, short. */
export const streamNameProblem = (stream: unknown): string | null => {
  if (typeof stream !== "string" || stream.length === 0) return "stream name must be a non-empty string";
  if (stream.length > 200) return `stream name is ${stream.length} characters, over 200`;
  if (!/^[\x21-\x7e]+$/.test(stream)) return `stream name ${JSON.stringify(stream)} must be printable ASCII without spaces`;
  return null;
};
