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
  let result: ReturnType<MessageValidator>;
  try {
    result = validate(decoded);
  } catch (err) {
    // A validator that throws (a stack overflow on deep nesting) must not stall the stream: refuse the entry.
    return malformed(`the validator failed on the envelope: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, messageId, messageType);
  }
  if (!result.ok) return malformed(result.reason || "rejected by the validator", messageId, messageType);
  if (idField !== undefined && idField.toLowerCase() !== result.envelope.id.toLowerCase()) {
    return malformed(`entry id field ${idField} does not match envelope id ${result.envelope.id}`, messageId, messageType);
  }
  return { kind: "message", envelope: result.envelope };
};

// PostgreSQL stores no U+0000 (text, jsonb) and no lone UTF-16 surrogate (jsonb); a dead letter must
// be recordable whatever the entry held, or the consumer would retry it forever and read nothing else.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what is looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` with U+0000 and lone surrogates written out as `\u0000`, `\ud800`: readable, and storable. */
export const storableText = (text: string): string =>
  text.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** The dead letter's text fields made storable (see storableText). */
export const storableDeadLetterPayload = (p: DeadLetterPayload): DeadLetterPayload => ({
  ...p,
  reason: storableText(p.reason),
  raw: storableText(p.raw),
  ...(p.messageType !== undefined ? { messageType: storableText(p.messageType) } : {}),
});

/** Room for the raw text in the dead-letter envelope's JSON, the rest of the envelope being small. */
const DEAD_LETTER_RAW_JSON_CHARS = MAX_ENVELOPE_CHARS - 32 * 1024;

/**
 * Cuts `text` to `maxChars`, and further while its JSON form (escapes make it up to six times longer)
 * would push the envelope past MAX_ENVELOPE_CHARS, which the outbox refuses. Never splits a surrogate pair.
 */
const truncate = (text: string, maxChars: number): string => {
  let kept = Math.min(text.length, maxChars);
  for (;;) {
    if (kept < text.length && /[\ud800-\udbff]/.test(text.charAt(kept - 1))) kept -= 1;
    const cut = kept >= text.length ? text : `${text.slice(0, kept)}…[truncated ${text.length - kept} characters]`;
    const jsonChars = JSON.stringify(cut).length;
    if (jsonChars <= DEAD_LETTER_RAW_JSON_CHARS) return cut;
    kept = Math.max(0, Math.floor((kept * DEAD_LETTER_RAW_JSON_CHARS) / jsonChars) - 64);
  }
};

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
