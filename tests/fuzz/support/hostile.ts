// Hostile input: the values an attacker or a broken client sends — wrong types, edge numbers, huge and
// strange strings, prototype-pollution keys, deep nesting, invalid JSON text — and mutations that break
// one place of an otherwise valid value, so the request gets past the outer checks.
import fc from "fast-check";
import type { JsonSchema } from "./schema-arbitrary.js";

/** Keys that reach Object.prototype when an object is merged carelessly. */
export const POLLUTION_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** Sets an own, enumerable property even for `__proto__` (JSON.parse does the same). */
export const defineOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

const pollutionObject = (key: string, value: unknown): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  defineOwn(out, key, key === "constructor" ? { prototype: { polluted: value } } : { polluted: value });
  return out;
};

export const EDGE_NUMBERS: readonly number[] = [0, -1, 1, 0.5, -0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 31, -(2 ** 31) - 1, 2 ** 64, 1e21, 123456789012345680000];

export const EDGE_STRINGS: readonly string[] = [
  "", " ", "\u0000", "a\u0000b", "\ud800", "\udfff", "\u202e\u202dx", "\ufeff", "\u2028\u2029", "🔥".repeat(50), "e\u0301".repeat(20),
  "NaN", "Infinity", "-Infinity", "1e309", "-0", "0x10", "1_000", "true", "null", "undefined", "[]", "{}",
  "'; DROP TABLE audit.events; --", "\" OR 1=1 --", "${jndi:ldap://127.0.0.1/x}", "{{7*7}}", "<script>alert(1)</script>", "../../../../etc/passwd",
  "%00", "%zz", "\r\nX-Injected: 1", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
];

/** A long string of one character or a repeated phrase: length matters, not content. */
export const hugeString = (minLength = 1_000, maxLength = 200_000): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.constantFrom("a", "é", "𝄞", "\u0000", "ab,", "\"")).map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

/**
 * Stands for a large value inside a generated one. Large values exist only as JSON text: JSON.parse
 * takes 100,000 levels of nesting, JSON.stringify overflows the stack at a few thousand, so a deep
 * value cannot be built as an object and serialised (which is also why it is a good test).
 */
export const LARGE = "\u0000<large>\u0000";

/** JSON text of a large value: a huge string, deep nesting, a wide object, a long array. */
export const largeJsonText: fc.Arbitrary<string> = fc.oneof(
  hugeString().map((s) => JSON.stringify(s)),
  fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.boolean()).map(([depth, asObject]) => (asObject ? '{"a":'.repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "1" + "]".repeat(depth))),
  fc.integer({ min: 100, max: 20_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",")}}`),
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => `[${"0,".repeat(n - 1)}0]`),
);

/** `value` as JSON text, with each LARGE marker replaced by `large`. */
export const renderJson = (value: unknown, large = '"large"'): string => (JSON.stringify(value) ?? "null").split(JSON.stringify(LARGE)).join(large);

/** Any hostile JSON value; LARGE marks where a large one goes (see renderJson). */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(...EDGE_NUMBERS),
    fc.constantFrom(...EDGE_STRINGS),
    fc.constantFrom(null, true, false, [], {}),
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.tuple(fc.constantFrom(...POLLUTION_KEYS), fc.jsonValue({ maxDepth: 1 })).map(([key, value]) => pollutionObject(key, value)),
    fc.constant(LARGE),
  );

/** JSON text that does not parse, or parses into something surprising (duplicate keys, a BOM). */
export const invalidJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", " ", "{", "}", "[", "{\"a\":}", "{\"a\":1,}", "[1,2,]", "{'a':1}", "{a:1}", "NaN", "undefined", "\ufeff{}", "{\"a\":1}{\"b\":2}", "\"unterminated", "{\"a\":\"\\x41\"}", "{\"a\":\"\\ud800\"}", "{\"a\":1,\"a\":2}", "{\"__proto__\":{\"polluted\":1}}", "{\"constructor\":{\"prototype\":{\"polluted\":1}}}", "[[[[[[[[[[", "1e999", "-", "nul", "tru"),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)).chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))),
);

interface Site {
  readonly path: ReadonlyArray<string | number>;
  readonly schema: JsonSchema | undefined;
  readonly value: unknown;
}

/** Every node of `value` with the schema that governs it (undefined where none does). */
const sites = (value: unknown, schema: JsonSchema | undefined, path: ReadonlyArray<string | number> = []): Site[] => {
  let governing = schema;
  if (governing?.anyOf !== undefined) {
    // The branch this value was made from: the first whose type or const fits.
    governing = governing.anyOf.find((b) => ("const" in b ? b.const === value : b.enum ? b.enum.includes(value) : typeFits(b, value))) ?? governing;
  }
  const here: Site = { path, schema: governing, value };
  if (Array.isArray(value)) return [here, ...value.flatMap((item, i) => sites(item, governing?.items, [...path, i]))];
  if (value !== null && typeof value === "object") {
    return [here, ...Object.entries(value).flatMap(([k, v]) => sites(v, governing?.properties?.[k], [...path, k]))];
  }
  return [here];
};

const typeFits = (schema: JsonSchema, value: unknown): boolean => {
  switch (schema.type) {
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    default:
      return typeof value === schema.type;
  }
};

const clone = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Replaces the node at `path` in a copy of `root` (the root itself when the path is empty). */
const replaceAt = (root: unknown, path: ReadonlyArray<string | number>, replace: (node: unknown, parent: Record<string | number, unknown> | null) => unknown): unknown => {
  if (path.length === 0) return replace(root, null);
  const copy = clone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const next = replace(parent[last], parent);
  if (next === REMOVE) delete parent[last];
  else defineOwn(parent as Record<string, unknown>, String(last), next);
  return copy;
};

const REMOVE = Symbol("remove");

/** What breaks a node governed by `schema`; falls back to a wrong type. */
const breakers = (schema: JsonSchema | undefined, node: unknown, hostile: unknown, pick: number): unknown => {
  const options: Array<() => unknown> = [() => hostile];
  if (schema?.type === "string" || typeof node === "string") {
    options.push(
      () => "x".repeat((schema?.maxLength ?? 64) + 1 + (pick % 1000)),
      () => (schema?.minLength ? "" : "\u0000"),
      () => Number(pick),
      () => `${String(node)}\u0000;<>"'`,
      () => `${String(node)}\ud800`, // a lone surrogate: valid to the schema, unstorable in jsonb
    );
  }
  if (schema?.type === "integer" || schema?.type === "number" || typeof node === "number") {
    options.push(
      () => (schema?.minimum ?? schema?.exclusiveMinimum ?? 0) - 1,
      () => (schema?.maximum ?? 2 ** 60) * 10,
      () => 0.5 + pick,
      () => String(node),
      () => 1e308,
      () => -1e308,
    );
  }
  if (schema?.enum !== undefined || schema?.const !== undefined) options.push(() => `not-${String(node)}`, () => String(node).toUpperCase(), () => [node]);
  if (Array.isArray(node)) options.push(() => [...node, ...Array.from({ length: (schema?.maxItems ?? 50) + 1 }, () => node[0] ?? null)], () => ({ ...node }), () => [hostile]);
  if (node !== null && typeof node === "object" && !Array.isArray(node)) options.push(() => [node], () => JSON.stringify(node));
  return (options[pick % options.length] as () => unknown)();
};

/**
 * One targeted break of a valid value: a node replaced by something its schema refuses, a required key
 * removed, or an unknown (often a prototype-pollution) key added. Not every result is invalid (a
 * schema may accept the replacement): callers that need invalid input check it with the validator.
 */
export const mutateValue = (schema: JsonSchema, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.tuple(valid, fc.nat(), fc.nat(), fc.constantFrom("break", "remove", "add", "pollute"), hostileValue(), fc.string({ maxLength: 12 })).map(([value, where, pick, kind, hostile, newKey]) => {
    const all = sites(value, schema);
    const site = all[where % all.length] as Site;
    const objects = all.filter((s) => s.value !== null && typeof s.value === "object" && !Array.isArray(s.value));
    if (kind === "remove") {
      const withKeys = all.filter((s) => s.path.length > 0 && typeof s.path[s.path.length - 1] === "string");
      const target = withKeys[where % Math.max(1, withKeys.length)];
      if (target) return replaceAt(value, target.path, () => REMOVE);
    }
    if ((kind === "add" || kind === "pollute") && objects.length > 0) {
      const target = objects[where % objects.length] as Site;
      const key = kind === "pollute" ? (POLLUTION_KEYS[pick % POLLUTION_KEYS.length] as string) : newKey || "extra";
      return replaceAt(value, target.path, (node) => {
        const copy = { ...(node as Record<string, unknown>) };
        defineOwn(copy, key, kind === "pollute" ? { polluted: hostile } : hostile);
        return copy;
      });
    }
    return replaceAt(value, site.path, (node) => breakers(site.schema, node, hostile, pick));
  });
