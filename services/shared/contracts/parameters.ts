// Parameter sets a service acts on (the brain's risk limits, the scavenger's trap settings): a TypeBox
// schema with domain.md's numbers as defaults, read from possibly partial input, every problem at once.
import type { Static, TSchema } from "typebox";
import { Value } from "typebox/value";
import { checkSchema } from "./validation.js";

export type ParametersResult<T> = { readonly ok: true; readonly params: T } | { readonly ok: false; readonly problems: string[] };

/**
 * Fills defaults into `raw` (`undefined` = all defaults), validates it against `schema`, adds the
 * checks between fields, and returns the frozen parameters or every problem, each naming its field.
 */
export function parseParameters<S extends TSchema>(schema: S, raw: unknown, crossFieldProblems: (p: Static<S>) => string[] = () => []): ParametersResult<Static<S>> {
  const input = raw === undefined ? {} : raw;
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { ok: false, problems: ["(root): must be an object"] };
  const withDefaults = Value.Default(schema, Value.Clone(input)) as Static<S>;
  const checked = checkSchema(schema, withDefaults);
  const problems = [...(checked.ok ? [] : checked.issues.map((issue) => `${issue.path}: ${issue.message}`)), ...crossFieldProblems(withDefaults)];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: deepFreeze(withDefaults) };
}

export class ParametersError extends Error {
  constructor(what: string, readonly problems: readonly string[]) {
    super(`invalid ${what} parameters (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.join("\n")}`);
    this.name = "ParametersError";
  }
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
