import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  base32,
  CLIENT_ORDER_ID_MAX_LENGTH,
  DEFAULT_CLIENT_ORDER_ID_PREFIX,
  deriveClientOrderId,
  isValidClientOrderId,
} from "./client-order-id.js";

const legs = fc.constantFrom("entry", "tp1", "tp2", "sl", "flatten", "reduce-1");
const prefixes = fc.stringMatching(/^[A-Za-z0-9_-]{0,4}$/);

describe("deriveClientOrderId", () => {
  it("is deterministic: the same signal and leg always give the same id", () => {
    fc.assert(
      fc.property(fc.uuid(), legs, prefixes, (signalId, leg, prefix) => {
        expect(deriveClientOrderId(signalId, leg, prefix)).toBe(deriveClientOrderId(signalId, leg, prefix));
      }),
    );
  });

  it("always fits Bybit's orderLinkId: at most 36 characters of [A-Za-z0-9_-]", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), prefixes, (signalId, leg, prefix) => {
        const id = deriveClientOrderId(signalId, leg, prefix);
        expect(id.length).toBeLessThanOrEqual(CLIENT_ORDER_ID_MAX_LENGTH);
        expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(isValidClientOrderId(id)).toBe(true);
        expect(id.startsWith(prefix)).toBe(true);
        expect(id.length).toBe(prefix.length + 32);
      }),
    );
  });

  it("gives distinct legs of one signal distinct ids, and distinct signals distinct ids", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b, legA, legB) => {
        fc.pre(legA !== legB);
        expect(deriveClientOrderId(a, legA)).not.toBe(deriveClientOrderId(a, legB));
        fc.pre(a !== b);
        expect(deriveClientOrderId(a, legA)).not.toBe(deriveClientOrderId(b, legA));
      }),
    );
  });

  it("is the prefix plus the first 32 characters of base32(sha256(signalId:leg))", () => {
    const signalId = "6f1c2b9e-0d3a-4c1e-9a7b-2f4e5d6c7b8a";
    const digest = createHash("sha256").update(`${signalId}:entry`).digest();
    expect(deriveClientOrderId(signalId, "entry")).toBe(DEFAULT_CLIENT_ORDER_ID_PREFIX + base32(digest).slice(0, 32));
  });

  it("refuses an empty signal id or leg and a prefix that would break the length or charset", () => {
    expect(() => deriveClientOrderId("", "entry")).toThrow(/signalId/);
    expect(() => deriveClientOrderId("s", "")).toThrow(/leg/);
    expect(() => deriveClientOrderId("s", "entry", "titan")).toThrow(/prefix/);
    expect(() => deriveClientOrderId("s", "entry", "t:")).toThrow(/prefix/);
  });
});

describe("base32", () => {
  it("matches the RFC 4648 test vectors (without padding)", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [input, output] of vectors) expect(base32(Buffer.from(input))).toBe(output);
  });
});
