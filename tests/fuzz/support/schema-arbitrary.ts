// Values a route or message schema accepts, generated from the schema itself (TypeBox emits JSON
// Schema): the valid half of every fuzz case, and the starting point of its mutations. Covers the
// keywords Titan's contracts use; an unknown keyword fails loudly rather than generating junk quietly.
import fc from "fast-check";

/** The JSON Schema subset Titan's TypeBox schemas emit. */
export interface JsonSchema {
  readonly type?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

export interface SchemaArbitraryOptions {
  /** Schemas for untyped fields, by JSON pointer (`/parameters`): what the handler will parse there. */
  readonly overrides?: Readonly<Record<string, JsonSchema>>;
  /** Longest string generated where the schema sets no bound (default 40). */
  readonly maxStringLength?: number;
  /** Most array items generated where the schema sets no bound (default 6). */
  readonly maxItems?: number;
}

/** Keywords that only document; everything else must be understood here. */
const DOCUMENTATION = new Set(["description", "title", "default", "examples", "$id", "$schema", "deprecated", "readOnly", "writeOnly"]);
const UNDERSTOOD = new Set([
  "type", "const", "enum", "anyOf", "properties", "required", "additionalProperties", "patternProperties", "items", "minItems", "maxItems",
  "uniqueItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
]);

export class UnsupportedSchemaError extends Error {}

const checkKeywords = (schema: JsonSchema, pointer: string): void => {
  for (const key of Object.keys(schema)) {
    if (!UNDERSTOOD.has(key) && !DOCUMENTATION.has(key) && !key.startsWith("~")) throw new UnsupportedSchemaError(`schema keyword '${key}' at ${pointer || "(root)"} is not supported by the fuzz generator`);
  }
};

/** String length as JSON Schema counts it (code points), which the validators may count as UTF-16 units: satisfy both. */
const lengthFits = (value: string, min: number, max: number): boolean => {
  const points = [...value].length;
  return points >= min && points <= max && value.length >= min && value.length <= max;
};

const stringArbitrary = (schema: JsonSchema, opts: SchemaArbitraryOptions): fc.Arbitrary<string> => {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, opts.maxStringLength ?? 40);
  if (schema.format === "uuid") return fc.uuid();
  if (schema.format !== undefined) throw new UnsupportedSchemaError(`string format '${schema.format}' is not supported by the fuzz generator`);
  if (schema.pattern !== undefined) {
    const regex = new RegExp(schema.pattern, "u");
    return fc.stringMatching(regex, { size: "small" }).filter((s) => lengthFits(s, min, max));
  }
  // Unicode of every kind (astral planes, combining marks) is valid text and must be handled as such.
  const generatedMax = Math.min(max, min + (opts.maxStringLength ?? 40));
  return fc
    .oneof(fc.string({ minLength: min, maxLength: generatedMax }), fc.string({ minLength: min, maxLength: generatedMax, unit: "grapheme" }))
    .filter((s) => lengthFits(s, min, max));
};

const INT32 = 2 ** 31 - 1;

const integerArbitrary = (schema: JsonSchema): fc.Arbitrary<number> => {
  let lo = schema.minimum ?? Number.MIN_SAFE_INTEGER;
  let hi = schema.maximum ?? Number.MAX_SAFE_INTEGER;
  if (schema.exclusiveMinimum !== undefined) lo = Math.max(lo, Math.floor(schema.exclusiveMinimum) + 1);
  if (schema.exclusiveMaximum !== undefined) hi = Math.min(hi, Math.ceil(schema.exclusiveMaximum) - 1);
  lo = Math.ceil(lo);
  hi = Math.floor(hi);
  if (lo > hi) throw new UnsupportedSchemaError(`integer range [${lo}, ${hi}] is empty`);
  const small = fc.integer({ min: Math.max(lo, -INT32), max: Math.min(hi, INT32) });
  // Values just above the minimum name things that exist (version 1, page 1); the edges find the overflows.
  const nearMinimum = fc.integer({ min: Math.max(lo, -INT32), max: Math.min(hi, Math.max(lo, -INT32) + 10) });
  if (lo >= -INT32 && hi <= INT32) return fc.oneof(small, nearMinimum);
  // Beyond 32 bits: the edges and the whole safe range, not only small numbers.
  const wide = fc.double({ min: lo, max: hi, noNaN: true }).map((x) => Math.min(hi, Math.max(lo, Math.trunc(x))));
  return fc.oneof(small.filter((x) => x >= lo && x <= hi), nearMinimum, wide, fc.constantFrom(lo, hi));
};

const numberArbitrary = (schema: JsonSchema): fc.Arbitrary<number> => {
  const minExcluded = schema.exclusiveMinimum !== undefined && (schema.minimum === undefined || schema.exclusiveMinimum >= schema.minimum);
  const maxExcluded = schema.exclusiveMaximum !== undefined && (schema.maximum === undefined || schema.exclusiveMaximum <= schema.maximum);
  const min = minExcluded ? schema.exclusiveMinimum : schema.minimum;
  const max = maxExcluded ? schema.exclusiveMaximum : schema.maximum;
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(min !== undefined ? { min, minExcluded } : {}),
    ...(max !== undefined ? { max, maxExcluded } : {}),
  }).map((x) => (Object.is(x, -0) ? 0 : x)); // -0 is written as 0 in JSON anyway
};

/** An arbitrary of values `schema` accepts. */
export function validValue(schema: JsonSchema, opts: SchemaArbitraryOptions = {}, pointer = ""): fc.Arbitrary<unknown> {
  const override = opts.overrides?.[pointer];
  if (override !== undefined && override !== schema) return validValue(override, opts, pointer);
  checkKeywords(schema, pointer);
  if ("const" in schema) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map((branch) => validValue(branch, opts, pointer)));
  switch (schema.type) {
    case undefined:
      // An untyped field (TypeBox's Unknown): anything JSON.
      return fc.jsonValue({ maxDepth: 3 });
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return integerArbitrary(schema);
    case "number":
      return numberArbitrary(schema);
    case "string":
      return stringArbitrary(schema, opts);
    case "array": {
      const items = validValue(schema.items ?? {}, opts, `${pointer}/-`);
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? Infinity, (schema.minItems ?? 0) + (opts.maxItems ?? 6)) };
      return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(items, constraints);
    }
    case "object": {
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, validValue(sub, opts, `${pointer}/${key}`)]));
      const record = fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
      const extra = schema.patternProperties ?? (typeof schema.additionalProperties === "object" ? { "^.*$": schema.additionalProperties } : undefined);
      if (extra === undefined) return record;
      const [pattern, sub] = Object.entries(extra)[0] as [string, JsonSchema];
      const dictionary = fc.dictionary(fc.stringMatching(new RegExp(pattern, "u"), { size: "small" }), validValue(sub, opts, `${pointer}/*`), { maxKeys: 4 });
      return fc.tuple(record, dictionary).map(([fixed, more]) => ({ ...more, ...fixed }));
    }
    default:
      throw new UnsupportedSchemaError(`schema type '${schema.type}' at ${pointer || "(root)"} is not supported by the fuzz generator`);
  }
}
