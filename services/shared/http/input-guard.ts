// What a request may not carry whatever its route's schema says, refused before validation with the
// place named. PostgreSQL stores no U+0000 (text, jsonb) and no lone UTF-16 surrogate (jsonb): such
// text would fail at its first write, a 500 after the handler began. And JSON nested deeper than
// MAX_INPUT_DEPTH: JSON.parse takes 100,000 levels, but copies, validators and JSON.stringify recurse
// and overflow the stack a few thousand levels down (an untyped field such as the scavenger's
// `parameters` reaches them). No body of Titan's nests a tenth as deep.
import type { FastifyInstance } from "fastify";
import { HttpProblem, PROBLEM_TYPES } from "./problem.js";

export const MAX_INPUT_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string): boolean => text.includes("\u0000") || LONE_SURROGATE.test(text);

const pointerPart = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

export interface InputProblem {
  /** JSON pointer of the place, under `root`. */
  readonly path: string;
  readonly message: string;
}

/** The first thing in `value` a request may not carry, or null. Iterative: it must not overflow where the others would. */
export const findInputProblem = (value: unknown, root: string): InputProblem | null => {
  const stack: Array<readonly [unknown, string, number]> = [[value, root, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path, depth] = next;
    if (typeof node === "string") {
      if (unstorable(node)) return { path, message: "must not contain U+0000 or a lone surrogate" };
    } else if (node !== null && typeof node === "object") {
      if (depth >= MAX_INPUT_DEPTH) return { path, message: `is nested deeper than ${MAX_INPUT_DEPTH} levels` };
      for (const [key, child] of Object.entries(node)) {
        const childPath = `${path}/${pointerPart(key)}`;
        if (unstorable(key)) return { path: childPath, message: "must not contain U+0000 or a lone surrogate in its name" };
        stack.push([child, childPath, depth + 1]);
      }
    }
  }
  return null;
};

export const installInputGuard = (app: FastifyInstance): void => {
  app.addHook("preValidation", async (request) => {
    for (const [part, value] of [["body", request.body], ["querystring", request.query], ["params", request.params]] as const) {
      const problem = findInputProblem(value, `/${part}`);
      if (problem !== null) {
        throw new HttpProblem(400, `${problem.path} ${problem.message}`, { type: PROBLEM_TYPES.validation, title: "Invalid request", errors: [problem] });
      }
    }
  });
};
