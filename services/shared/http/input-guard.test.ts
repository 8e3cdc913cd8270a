import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_INPUT_DEPTH, findInputProblem } from "./input-guard.js";

const pathOf = (value: unknown, root = "/body") => findInputProblem(value, root)?.path ?? null;

describe("findInputProblem", () => {
  it("names the first string or key holding U+0000 or a lone surrogate, as a JSON pointer", () => {
    expect(pathOf({ reason: "a\u0000b" })).toBe("/body/reason");
    expect(pathOf({ list: ["ok", { "a/b": "x\ud800" }] })).toBe("/body/list/1/a~1b");
    expect(pathOf({ reason: "\udc00" })).toBe("/body/reason");
    expect(pathOf({ "k\u0000": 1 }, "/querystring")).toBe("/querystring/k\u0000");
    expect(pathOf("\u0000", "/params")).toBe("/params");
  });

  it("lets every other text through: emoji (surrogate pairs), right-to-left marks, other control characters", () => {
    expect(findInputProblem({ a: "🔥\u202e\u0001\ufeff", b: ["\ud83d\ude00"] }, "/body")).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        fc.pre(!/\\u0000|\\ud[89ab]|\\ud[c-f]/i.test(JSON.stringify(value)));
        expect(findInputProblem(value, "/body")).toBeNull();
      }),
    );
  });

  it(`refuses nesting deeper than ${MAX_INPUT_DEPTH} levels and takes ${MAX_INPUT_DEPTH}`, () => {
    const nested = (levels: number): unknown => JSON.parse(`${"[".repeat(levels)}1${"]".repeat(levels)}`);
    expect(findInputProblem(nested(MAX_INPUT_DEPTH), "/body")).toBeNull();
    expect(findInputProblem(nested(MAX_INPUT_DEPTH + 1), "/body")?.message).toMatch(/nested deeper/);
  });

  it("walks 100,000 levels without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}1${"]".repeat(100_000)}`) as unknown;
    expect(findInputProblem(deep, "/body")?.path).toBe(`/body${"/0".repeat(MAX_INPUT_DEPTH)}`);
  });
});
