import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CanonicalJsonError, canonicalJson } from "./canonical-json.js";

const shuffledKeys = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return value.map((v) => shuffledKeys(v, seed));
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const rotated = keys.map((_, i) => keys[(i + seed) % keys.length] as string).reverse();
    return Object.fromEntries(rotated.map((k) => [k, shuffledKeys((value as Record<string, unknown>)[k], seed)]));
  }
  return value;
};

describe("canonical JSON", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: "x" } })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
  });

  it("sorts keys by UTF-16 code units, as RFC 8785 does", () => {
    expect(canonicalJson({ "é": 1, z: 2, A: 3, "10": 4, "9": 5 })).toBe('{"10":4,"9":5,"A":3,"z":2,"é":1}');
  });

  it("writes numbers as ECMAScript does: shortest round trip, -0 as 0", () => {
    expect(canonicalJson([1, 1.5, -0, 1e21, 1e-7, 0.1])).toBe("[1,1.5,0,1e+21,1e-7,0.1]");
  });

  it("drops undefined object members, as JSON.stringify and jsonb do", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it("refuses what is not JSON, naming where it is", () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/\$\.a\[1\]: NaN/);
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson([undefined])).toThrow(/undefined/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });

  it("gives the same text whatever the key order, and parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(7), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffledKeys(value, seed))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});
