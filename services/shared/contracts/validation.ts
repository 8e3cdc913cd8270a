// Compiled, cached validators and error reports a person can act on: each issue names the field
// (`payload.entryZone.lowPriceUsd`) and says what was wrong.

import type { Static, TSchema } from "typebox";
import { Compile, type Validator } from "typebox/compile";
import type { TLocalizedValidationError } from "typebox/error";

export interface SchemaIssue {
  /** Dotted path from the checked value's root (`entryZone.lowPriceUsd`, `takeProfits[0].priceUsd`); `(root)` for the value itself. */
  readonly path: string;
  readonly message: string;
}

export type CheckResult<T> = { ok: true; value: T } | { ok: false; issues: SchemaIssue[]; reason: string };

const validators = new WeakMap<TSchema, Validator>();

/** Compiles once per schema object; later calls reuse the JIT-compiled validator. */
export function compiled(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema) as Validator;
    validators.set(schema, validator);
  }
  return validator;
}

export function checkSchema<T extends TSchema>(schema: T, value: unknown, pathPrefix = ""): CheckResult<Static<T>> {
  const validator = compiled(schema);
  if (validator.Check(value)) return { ok: true, value: value as Static<T> };
  const narrowed = narrowUnion(schema, value);
  const issues =
    "issue" in narrowed
      ? [{ path: readablePath(`${pathPrefix}/${narrowed.issue.key}`), message: narrowed.issue.message }]
      : describeErrors(compiled(narrowed.schema).Errors(value), value, pathPrefix);
  return { ok: false, issues, reason: formatIssues(issues) };
}

/**
 * A discriminated union (objects told apart by a const property such as `command`) is checked
 * against the one branch the value names: TypeBox caps the errors it gathers, and the other
 * branches' complaints would crowd out the useful ones.
 */
function narrowUnion(schema: TSchema, value: unknown): { schema: TSchema } | { issue: { key: string; message: string } } {
  const branches = (schema as { anyOf?: unknown }).anyOf;
  if (!Array.isArray(branches) || value === null || typeof value !== "object" || Array.isArray(value)) return { schema };
  const constOf = (branch: unknown, key: string): unknown =>
    ((branch as { properties?: Record<string, { const?: unknown }> }).properties?.[key] ?? {}).const;
  const keys = Object.keys((branches[0] as { properties?: object }).properties ?? {});
  const key = keys.find((k) => {
    const values = branches.map((b: unknown) => constOf(b, k));
    return values.every((v) => v !== undefined) && new Set(values).size === branches.length;
  });
  if (key === undefined) return { schema };
  const given = (value as Record<string, unknown>)[key];
  const match = branches.find((b: unknown) => constOf(b, key) === given) as TSchema | undefined;
  if (match) return narrowUnion(match, value);
  const allowed = branches.map((b: unknown) => show(constOf(b, key))).join(", ");
  return { issue: { key, message: given === undefined ? `is required (one of ${allowed})` : `must be one of ${allowed}, got ${show(given)}` } };
}

export const formatIssues = (issues: readonly SchemaIssue[]): string =>
  issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");

/** JSON pointer (`/a/0/b`) → `a[0].b`, with an optional prefix pointer. */
export function readablePath(pointer: string): string {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts.length === 0) return "(root)";
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

function valueAt(root: unknown, pointer: string): unknown {
  let current: unknown = root;
  for (const part of pointer.split("/").slice(1)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return current;
}

const show = (value: unknown): string => {
  if (value === undefined) return "nothing";
  const text = typeof value === "string" ? `'${value}'` : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const inBranch = (schemaPath: string, branch: string) => schemaPath === branch || schemaPath.startsWith(`${branch}/`);
const isDirectChild = (pointer: string, parent: string) => pointer.startsWith(`${parent}/`) && !pointer.slice(parent.length + 1).includes("/");

/** A const complaint tells branches apart only when the branches want different values there. */
function isDiscriminating(errors: readonly TLocalizedValidationError[], base: string, error: TLocalizedValidationError): boolean {
  const allowed = errors
    .filter((e) => e.keyword === "const" && e.instancePath === error.instancePath && e.schemaPath.startsWith(base))
    .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
  return new Set(allowed).size > 1;
}

/**
 * A failed union reports every branch's complaints; keep only the branch the value was meant for.
 * A branch is "not meant" when its discriminator (a const property) or its basic type does not match.
 */
function pruneUnions(errors: readonly TLocalizedValidationError[]): { kept: TLocalizedValidationError[]; synthesized: TLocalizedValidationError[] } {
  const excluded: string[] = [];
  const synthesized: TLocalizedValidationError[] = [];
  const resolvedUnions = new Set<TLocalizedValidationError>();
  for (const union of errors.filter((e) => e.keyword === "anyOf")) {
    const base = `${union.schemaPath}/anyOf/`;
    const branchIds = [...new Set(errors.filter((e) => e.schemaPath.startsWith(base)).map((e) => e.schemaPath.slice(base.length).split("/")[0]))];
    const mismatched = new Set<string>();
    const discriminators: TLocalizedValidationError[] = [];
    for (const id of branchIds) {
      const branchErrors = errors.filter((e) => inBranch(e.schemaPath, base + id));
      const discriminator = branchErrors.filter((e) => e.keyword === "const" && isDirectChild(e.instancePath, union.instancePath));
      const typeMismatch = branchErrors.some((e) => e.keyword === "type" && e.instancePath === union.instancePath);
      const discriminating = discriminator.filter((d) => isDiscriminating(errors, base, d));
      if (discriminating.length > 0 || typeMismatch) mismatched.add(id as string);
      discriminators.push(...discriminator.filter((d) => isDiscriminating(errors, base, d)));
    }
    const candidates = branchIds.filter((id) => !mismatched.has(id as string)) as string[];
    if (candidates.length > 0) {
      // Report the closest branch: the one with the fewest complaints.
      const count = (id: string) => errors.filter((e) => inBranch(e.schemaPath, base + id)).length;
      const best = candidates.reduce((a, b) => (count(b) < count(a) ? b : a));
      for (const id of branchIds) if (id !== best) excluded.push(base + id);
      resolvedUnions.add(union);
    } else {
      for (const id of branchIds) excluded.push(base + id);
      const first = discriminators[0];
      const typeErrors = errors.filter((e) => e.keyword === "type" && e.instancePath === union.instancePath && e.schemaPath.startsWith(base));
      if (!first && typeErrors.length > 0) {
        const types = [...new Set(typeErrors.flatMap((e) => [(e.params as { type: string | string[] }).type].flat()))];
        synthesized.push({ ...union, keyword: "type", params: { type: types }, message: "" } as TLocalizedValidationError);
        resolvedUnions.add(union);
      } else if (first) {
        const allowed = [...new Set(discriminators.filter((d) => d.instancePath === first.instancePath).map((d) => (d.params as { allowedValue: unknown }).allowedValue))];
        synthesized.push({ ...first, keyword: "enum", params: { allowedValues: allowed }, message: "" } as TLocalizedValidationError);
        resolvedUnions.add(union);
      }
    }
  }
  const kept = errors.filter((e) => !resolvedUnions.has(e) && !excluded.some((prefix) => inBranch(e.schemaPath, prefix)));
  return { kept, synthesized };
}

function describeErrors(errors: readonly TLocalizedValidationError[], root: unknown, pathPrefix: string): SchemaIssue[] {
  const { kept, synthesized } = pruneUnions(errors);
  const issues: SchemaIssue[] = [];
  const at = (pointer: string) => readablePath(pathPrefix + pointer);
  for (const error of [...kept, ...synthesized]) {
    const got = () => `, got ${show(valueAt(root, error.instancePath))}`;
    switch (error.keyword) {
      case "required":
        for (const name of error.params.requiredProperties) issues.push({ path: at(`${error.instancePath}/${name}`), message: "is required" });
        break;
      case "additionalProperties":
        for (const name of error.params.additionalProperties) issues.push({ path: at(`${error.instancePath}/${name}`), message: "is not an allowed field" });
        break;
      case "boolean":
        // `additionalProperties: false` reports each extra field twice; the case above words it better.
        if (!error.schemaPath.endsWith("/additionalProperties")) issues.push({ path: at(error.instancePath), message: "is not allowed" });
        break;
      case "enum":
        issues.push({ path: at(error.instancePath), message: `must be one of ${error.params.allowedValues.map(show).join(", ")}${got()}` });
        break;
      case "const":
        issues.push({ path: at(error.instancePath), message: `must be ${show(error.params.allowedValue)}${got()}` });
        break;
      case "type":
        issues.push({ path: at(error.instancePath), message: `must be ${[error.params.type].flat().join(" or ")}${got()}` });
        break;
      case "anyOf":
        issues.push({ path: at(error.instancePath), message: `does not match any allowed form${got()}` });
        break;
      default:
        issues.push({ path: at(error.instancePath), message: `${error.message}${got()}` });
    }
  }
  // One line per field and complaint, in a stable order.
  const unique = new Map(issues.map((issue) => [`${issue.path}\u0000${issue.message}`, issue]));
  return [...unique.values()];
}
