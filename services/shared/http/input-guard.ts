// What a request may not carry whatever its route's schema says, refused before validation with the
// place named. PostgreSQL stores no U+0000 (text, jsonb) and no lone UTF-16 surrogate (jsonb): such
// text would fail at its first write, a 500 after the handler began. And JSON nested deeper than
// MAX_INPUT_DEPTH: JSON.parse takes 100,000 levels, but copies, validators and JSON.stringify recurse
// and overflow the stack a few thousand levels down (an untyped field such as the scavenger's
// `parameters` reaches them). No body of Titan's nests a tenth as deep.
import type { FastifyInstance } from "fastify";
import { findInputProblem } from "../input-problems.js";
import { HttpProblem, PROBLEM_TYPES } from "./problem.js";

export { MAX_INPUT_DEPTH, findInputProblem, type InputProblem } from "../input-problems.js";

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
