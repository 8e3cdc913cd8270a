// Canonical JSON (in the spirit of RFC 8785): object keys sorted by UTF-16 code units, no whitespace,
// numbers and strings as ECMAScript's JSON.stringify writes them. The same value always gives the same
// bytes, so a hash over it survives a round trip through PostgreSQL jsonb.

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export class CanonicalJsonError extends Error {}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

const write = (value: unknown, path: string): string => {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${path}: ${value} is not representable in JSON`);
      return JSON.stringify(value); // -0 → "0", shortest round-trip form otherwise
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => {
          if (item === undefined) throw new CanonicalJsonError(`${path}[${i}]: undefined is not a JSON value`);
          return write(item, `${path}[${i}]`);
        }).join(",")}]`;
      }
      if (!isPlainObject(value)) throw new CanonicalJsonError(`${path}: only plain objects are JSON values (got ${value.constructor.name})`);
      const entries = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined) // as JSON.stringify and jsonb do
        .sort()
        .map((key) => `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}.${key}`)}`);
      return `{${entries.join(",")}}`;
    }
    default:
      throw new CanonicalJsonError(`${path}: ${typeof value} is not a JSON value`);
  }
};

/** Canonical JSON text of `value`; throws CanonicalJsonError naming the path of anything that is not JSON. */
export const canonicalJson = (value: unknown): string => write(value, "$");
