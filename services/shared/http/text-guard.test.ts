import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUnstorableText } from "./text-guard.js";

describe("findUnstorableText", () => {
  it("names the first string or key holding U+0000 or a lone surrogate, as a JSON pointer", () => {
    expect(findUnstorableText({ reason: "a\u0000b" }, "/body")).toBe("/body/reason");
    expect(findUnstorableText({ list: ["ok", { "a/b": "x\ud800" }] }, "/body")).toBe("/body/list/1/a~1b");
    expect(findUnstorableText({ reason: "\udc00" }, "/body")).toBe("/body/reason");
    expect(findUnstorableText({ "k\u0000": 1 }, "/querystring")).toBe("/querystring/k\u0000");
    expect(findUnstorableText("\u0000", "/params")).toBe("/params");
  });

  it("lets every other text through: emoji (surrogate pairs), right-to-left marks, other control characters", () => {
    expect(findUnstorableText({ a: "🔥\u202e\u0001\ufeff", b: ["\ud83d\ude00"] }, "/body")).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!/\\u0000|\\ud[89ab]|\\ud[c-f]/i.test(JSON.stringify(value)));
        expect(findUnstorableText(value, "/body")).toBeNull();
      }),
    );
  });

  it("walks 100,000 levels of nesting without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}"\\u0000"${"]".repeat(100_000)}`) as unknown;
    expect(findUnstorableText(deep, "/body")).toMatch(/^\/body(\/0)+$/);
  });
});
