// One fuzz case for a consumed stream: the fields of a Redis stream entry, made from a valid envelope of
// the stream's message type (generated from MESSAGES' schema) and then broken at the entry, the
// envelope header or the payload — or left valid, with whatever extreme values the schema allows.
import fc from "fast-check";
import { SERVICE_NAMES } from "../../../ops/services.js";
import { contractValidator } from "../../../services/shared/bus.js";
import { EnvelopeHeaderSchema, MESSAGE_REGISTRY, type MessageType } from "../../../services/shared/contracts/index.js";
import { ENTRY_ENVELOPE_FIELD, ENTRY_ID_FIELD, parseStreamEntry } from "../../../services/shared/messaging/index.js";
import { EDGE_STRINGS, invalidJsonText, largeJsonText, mutateValue, renderJson } from "./hostile.js";
import { validValue, type JsonSchema } from "./schema-arbitrary.js";

export type BusCaseKind = "entry" | "header" | "payload" | "valid";

export interface BusCase {
  readonly kind: BusCaseKind;
  /** XADD's field/value list. */
  readonly fields: readonly string[];
  /** What the consumers' own parser makes of it: a message to act on, or one to refuse. */
  readonly valid: boolean;
  /** The envelope id the entry carries, when it has a usable one. */
  readonly messageId: string | null;
}

const SCHEMA_OPTIONS = { maxStringLength: 24, maxItems: 4 };

/** A valid envelope of `type` with a schema-generated payload. */
export const validEnvelope = (type: MessageType, payload: fc.Arbitrary<unknown> = validValue(MESSAGE_REGISTRY[type].schema as JsonSchema, SCHEMA_OPTIONS)): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      id: fc.uuid(),
      type: fc.constant(type),
      version: fc.constant(MESSAGE_REGISTRY[type].version),
      source: fc.constantFrom(...SERVICE_NAMES),
      tsMs: fc.oneof(fc.constant(Date.now()), fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((s) => s * 1_000)),
      correlationId: fc.string({ minLength: 1, maxLength: 40 }),
      payload,
    },
    { requiredKeys: ["id", "type", "version", "source", "tsMs", "payload"] },
  );

const entryFields = (envelopeText: string, idField: string | null, extra: readonly string[] = []): string[] => [
  ...(idField === null ? [] : [ENTRY_ID_FIELD, idField]),
  ENTRY_ENVELOPE_FIELD,
  envelopeText,
  ...extra,
];

/** Junk at the entry level: fields missing, repeated or unexpected, an envelope that is not JSON. */
const entryJunk = (type: MessageType): fc.Arbitrary<string[]> =>
  fc.oneof(
    validEnvelope(type).map((e) => [ENTRY_ID_FIELD, String(e.id)]), // no envelope field
    fc.tuple(fc.string({ unit: "binary", maxLength: 20 }), fc.string({ unit: "binary", maxLength: 200 })).map(([k, v]) => [k || "x", v]),
    invalidJsonText.map((text) => entryFields(text, null)),
    fc.tuple(validEnvelope(type), fc.uuid()).map(([e, other]) => entryFields(JSON.stringify(e), other)), // id field names another message
    fc.tuple(validEnvelope(type), fc.constantFrom(...EDGE_STRINGS)).map(([e, id]) => entryFields(JSON.stringify(e), id)),
    fc.constantFrom("[]", "null", "1", "\"env\"", "true").map((text) => entryFields(text, null)),
    largeJsonText.map((text) => entryFields(text, null)),
  );


export const busCase = (type: MessageType): fc.Arbitrary<BusCase> => {
  const payloadSchema = MESSAGE_REGISTRY[type].schema as JsonSchema;
  const payload = validValue(payloadSchema, SCHEMA_OPTIONS);
  const header = validEnvelope(type).chain((e) => mutateValue(EnvelopeHeaderSchema as JsonSchema, fc.constant(e)));
  const brokenPayload = validEnvelope(type, mutateValue(payloadSchema, payload));
  const shaped = (kind: BusCaseKind, envelope: fc.Arbitrary<unknown>): fc.Arbitrary<{ kind: BusCaseKind; fields: string[] }> =>
    fc.tuple(envelope, largeJsonText, fc.boolean()).map(([e, large, withId]) => {
      const id = e !== null && typeof e === "object" && typeof (e as { id?: unknown }).id === "string" ? (e as { id: string }).id : null;
      return { kind, fields: entryFields(renderJson(e, large), withId ? id : null) };
    });
  return fc
    .oneof(
      { weight: 2, arbitrary: entryJunk(type).map((fields) => ({ kind: "entry" as const, fields })) },
      { weight: 3, arbitrary: shaped("header", header) },
      { weight: 5, arbitrary: shaped("payload", brokenPayload) },
      { weight: 2, arbitrary: shaped("valid", validEnvelope(type)) },
    )
    .map(({ kind, fields }) => {
      let parsed: ReturnType<typeof parseStreamEntry>;
      try {
        parsed = parseStreamEntry(fields, contractValidator);
      } catch {
        // The parser itself failed on this entry: certainly not a message to act on.
        return { kind, fields, valid: false, messageId: null };
      }
      const messageId = parsed.kind === "message" ? parsed.envelope.id : parsed.kind === "malformed" ? parsed.messageId : null;
      return { kind, fields, valid: parsed.kind === "message", messageId };
    });
};

/**
 * A valid heartbeat of a service nobody watches (the console's): each consumer reads and acknowledges
 * it without an effect, which shows the consumer is still alive after the fuzzing.
 */
export const probeFields = (id: string): string[] =>
  entryFields(JSON.stringify({ id, type: "heartbeat", version: 1, source: "console", tsMs: Date.now(), payload: { version: 1, service: "console", instanceId: "fuzz-probe", sequence: 0, startedAtMs: 0, tsMs: Date.now() } }), id);
