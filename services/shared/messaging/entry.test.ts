import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_RAW_CHARS, MAX_ENVELOPE_CHARS, buildDeadLetterEnvelope, encodeEntryFields, fieldsToRecord, parseStreamEntry, storableText, streamNameProblem } from "./entry.js";
import { parseAutoClaimReply, parseGroupInfo, parsePendingRange, parseReadGroupReply } from "./redis-replies.js";
import type { Envelope, MessageValidator } from "./types.js";

// A stand-in for contracts' validator: enough structure to tell good from bad.
const validate: MessageValidator = (raw) => {
  const e = raw as Partial<Envelope> | null;
  if (typeof e !== "object" || e === null) return { ok: false, reason: "envelope must be an object" };
  if (typeof e.type !== "string") return { ok: false, reason: "/type: must be a string" };
  if (typeof e.payload !== "object" || e.payload === null) return { ok: false, reason: "/payload: must be an object" };
  return { ok: true, envelope: e as Envelope };
};

const envelope = (over: Partial<Envelope> = {}): Envelope => ({
  id: randomUUID(),
  type: "signal",
  version: 1,
  source: "scavenger",
  tsMs: 1_767_225_600_000,
  payload: { symbol: "BTCUSDT" },
  ...over,
});

describe("stream entries", () => {
  it("round-trip an envelope through the id and env fields", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string({ minLength: 1 }), fc.dictionary(fc.string(), fc.jsonValue()), (id, type, payload) => {
        const e = envelope({ id, type, payload });
        const parsed = parseStreamEntry(encodeEntryFields(e), validate);
        return parsed.kind === "message" && JSON.stringify(parsed.envelope) === JSON.stringify(JSON.parse(JSON.stringify(e)));
      }),
    );
  });

  it("keeps the first value of a repeated field", () => {
    expect(fieldsToRecord(["a", "1", "b", "2", "a", "3", "dangling"])).toEqual({ a: "1", b: "2" });
  });

  it("reports a deleted entry as gone", () => {
    expect(parseStreamEntry(null, validate)).toEqual({ kind: "gone" });
  });

  it("names what is wrong with a malformed entry and keeps its raw text", () => {
    const id = randomUUID();
    expect(parseStreamEntry(["id", id, "x", "1"], validate)).toEqual({
      kind: "malformed",
      reason: "entry has no 'env' field",
      messageId: id,
      messageType: null,
      raw: JSON.stringify({ id, x: "1" }),
    });
    const notJson = parseStreamEntry(["id", id, "env", "{not json"], validate);
    expect(notJson).toMatchObject({ kind: "malformed", messageId: id, raw: "{not json" });
    expect(notJson.kind === "malformed" && notJson.reason).toMatch(/^envelope is not valid JSON: /);
    const invalid = parseStreamEntry(["env", JSON.stringify({ id, type: 7, payload: {} })], validate);
    expect(invalid).toMatchObject({ kind: "malformed", reason: "/type: must be a string", messageId: id, messageType: null });
    const badPayload = parseStreamEntry(["env", JSON.stringify({ id, type: "signal", payload: null })], validate);
    expect(badPayload).toMatchObject({ kind: "malformed", reason: "/payload: must be an object", messageType: "signal" });
    const huge = parseStreamEntry(["env", "x".repeat(MAX_ENVELOPE_CHARS + 1)], validate);
    expect(huge).toMatchObject({ kind: "malformed", messageId: null });
  });

  it("refuses an entry whose id field disagrees with its envelope", () => {
    const e = envelope();
    const other = randomUUID();
    const parsed = parseStreamEntry(["id", other, "env", JSON.stringify(e)], validate);
    expect(parsed).toMatchObject({ kind: "malformed", reason: `entry id field ${other} does not match envelope id ${e.id}` });
  });

  it("refuses an entry its validator throws on (deep nesting overflows a recursive one) instead of throwing", () => {
    const deep = `{"id":"${randomUUID()}","type":"t","payload":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    const recursive: MessageValidator = (raw) => ({ ok: false, reason: JSON.stringify(raw) });
    const parsed = parseStreamEntry(["env", deep], recursive);
    expect(parsed).toMatchObject({ kind: "malformed", messageType: "t", reason: expect.stringMatching(/validator failed.*RangeError/) });
  });

  it("checks stream names", () => {
    expect(streamNameProblem("titan:signals")).toBeNull();
    expect(streamNameProblem("")).toMatch(/non-empty/);
    expect(streamNameProblem("has space")).toMatch(/printable/);
    expect(streamNameProblem("x".repeat(201))).toMatch(/over 200/);
  });
});

describe("buildDeadLetterEnvelope", () => {
  it("points back to the dead message and truncates its raw text", () => {
    const messageId = randomUUID();
    const dl = buildDeadLetterEnvelope({
      id: randomUUID(),
      source: "brain",
      correlationId: "corr-1",
      payload: {
        version: 1,
        originalStream: "titan:signals",
        originalEntryId: "1-0",
        group: "brain",
        consumer: "brain-1",
        messageId,
        messageType: "signal",
        reason: "boom",
        attempts: 5,
        raw: "y".repeat(DEAD_LETTER_RAW_CHARS + 10),
        deadLetteredAtMs: 5,
      },
    });
    expect(dl).toMatchObject({ type: "dead-letter", version: 1, source: "brain", tsMs: 5, causationId: messageId, correlationId: "corr-1" });
    const raw = (dl.payload as { raw: string }).raw;
    expect(raw.startsWith("y".repeat(DEAD_LETTER_RAW_CHARS))).toBe(true);
    expect(raw).toMatch(/truncated 10 characters/);
  });
});

describe("dead letters PostgreSQL can store", () => {
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const deadLetterOf = (raw: string) =>
    buildDeadLetterEnvelope({
      id: randomUUID(),
      source: "brain",
      payload: { version: 1, originalStream: "s", originalEntryId: "1-0", group: "brain", consumer: "c", reason: "r", attempts: 1, raw, deadLetteredAtMs: 1 },
    });

  it("writes U+0000 and lone surrogates out as escapes, and keeps pairs", () => {
    expect(storableText("a\u0000b\ud800c\udfffd🔥")).toBe("a\\u0000b\\ud800c\\udfffd🔥");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 50 }), (text) => {
        const stored = storableText(text);
        expect(stored.includes("\u0000")).toBe(false);
        expect(LONE_SURROGATE.test(stored)).toBe(false);
      }),
    );
  });

  it("keeps the envelope under the outbox's limit however the raw text escapes, without splitting a pair", () => {
    for (const unit of ['"', "\u0001", "🔥"]) {
      const dl = deadLetterOf(unit.repeat(MAX_ENVELOPE_CHARS));
      expect(JSON.stringify(dl).length).toBeLessThanOrEqual(MAX_ENVELOPE_CHARS);
      expect(LONE_SURROGATE.test((dl.payload as { raw: string }).raw)).toBe(false);
      expect((dl.payload as { raw: string }).raw).toMatch(/truncated \d+ characters/);
    }
  });
});

describe("Redis reply readers", () => {
  it("read XREADGROUP, including timeouts and deleted entries", () => {
    expect(parseReadGroupReply(null)).toEqual([]);
    expect(parseReadGroupReply([["s", [["1-0", ["id", "x"]], ["2-0", null]]]])).toEqual([
      { stream: "s", entries: [{ id: "1-0", fields: ["id", "x"] }, { id: "2-0", fields: null }] },
    ]);
    expect(() => parseReadGroupReply("OK")).toThrow(/unexpected XREADGROUP reply/);
  });

  it("read XAUTOCLAIM, XPENDING and XINFO GROUPS", () => {
    expect(parseAutoClaimReply(["0-0", [["1-0", ["a", "b"]]], ["3-0"]])).toEqual({ cursor: "0-0", entries: [{ id: "1-0", fields: ["a", "b"] }], deletedIds: ["3-0"] });
    expect(parsePendingRange([["1-0", "c1", 12, 3]])).toEqual([{ id: "1-0", consumer: "c1", idleMs: 12, deliveryCount: 3 }]);
    const info = [["name", "other", "pending", 1, "lag", 0], ["name", "brain", "consumers", 2, "pending", 4, "lag", 7]];
    expect(parseGroupInfo(info, "brain")).toEqual({ pending: 4, lag: 7 });
    expect(parseGroupInfo([["name", "brain", "pending", 0, "lag", null]], "brain")).toEqual({ pending: 0, lag: null });
    expect(parseGroupInfo(info, "missing")).toBeNull();
  });
});
