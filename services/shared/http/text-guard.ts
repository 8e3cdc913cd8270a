// PostgreSQL stores no U+0000 (text, jsonb) and no lone UTF-16 surrogate (jsonb): a request carrying
// one would fail at its first write (a 500, after the handler began). Refused here instead, before
// validation, naming where it was.
import type { FastifyInstance } from "fastify";
import { HttpProblem, PROBLEM_TYPES } from "./problem.js";

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (text: string): boolean => text.includes("\u0000") || LONE_SURROGATE.test(text);

const pointerPart = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** The JSON pointer of the first string or key PostgreSQL cannot store, or null. Iterative: bodies may nest 100,000 deep. */
export const findUnstorableText = (value: unknown, root: string): string | null => {
  const stack: Array<readonly [unknown, string]> = [[value, root]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, path] = next;
    if (typeof node === "string") {
      if (unstorable(node)) return path;
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        const childPath = `${path}/${pointerPart(key)}`;
        if (unstorable(key)) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return null;
};

export const installTextGuard = (app: FastifyInstance): void => {
  app.addHook("preValidation", async (request) => {
    for (const [part, value] of [["body", request.body], ["querystring", request.query], ["params", request.params]] as const) {
      const at = findUnstorableText(value, `/${part}`);
      if (at !== null) {
        const message = "must not contain U+0000 or a lone surrogate";
        throw new HttpProblem(400, `${at} ${message}: such text cannot be stored`, { type: PROBLEM_TYPES.validation, title: "Invalid request", errors: [{ path: at, message }] });
      }
    }
  });
};
