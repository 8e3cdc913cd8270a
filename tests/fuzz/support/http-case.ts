// One fuzz case against one route: its path parameters, query string, headers, credential and body,
// each either valid by the route's own schema, valid with one targeted break, or plain junk.
import fc from "fast-check";
import { EDGE_STRINGS, LARGE, hostileValue, hugeString, invalidJsonText, largeJsonText, mutateValue, renderJson } from "./hostile.js";
import { validValue, type JsonSchema, type SchemaArbitraryOptions } from "./schema-arbitrary.js";

/** Which credential the case presents; `junk` is a malformed or tampered one. */
export type Credential = "admin" | "operator" | "viewer" | "service" | "none" | "junk";

export interface EndpointSchemas {
  readonly body?: JsonSchema;
  readonly querystring?: JsonSchema;
  readonly params?: JsonSchema;
}

export interface Endpoint {
  readonly method: string;
  /** Fastify's pattern: `/controls/:runId`, `/docs/static/*`. */
  readonly url: string;
  readonly schemas: EndpointSchemas;
}

export interface HttpCase {
  readonly method: string;
  readonly url: string;
  readonly credential: Credential;
  /** Headers other than Authorization (which the runner sets from the credential). */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload?: string;
  /** What kind of body the case sends, for the per-endpoint tally. */
  readonly bodyKind: "none" | "valid" | "mutated" | "hostile" | "invalid-json" | "wrong-type";
  /** A junk Authorization header for the `junk` credential. */
  readonly junkAuthorization?: string;
}

export interface HttpCaseOptions extends SchemaArbitraryOptions {
  /** Largest body the server accepts; a few cases go just past it. */
  readonly bodyLimitBytes: number;
  /**
   * Bodies valid beyond what the schema says (weights that sum to 1): without them the handler's own
   * checks refuse every generated body and the accepted path is never walked.
   */
  readonly validBody?: fc.Arbitrary<unknown>;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** A lone surrogate cannot be percent-encoded (a client would send U+FFFD); everything else can. */
const encode = (text: string): string => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));

/** A path segment as a client might send it: a valid value, an edge string, or raw percent junk. */
const segment = (schema: JsonSchema | undefined, opts: SchemaArbitraryOptions): fc.Arbitrary<string> => {
  const valid = schema ? validValue(schema, opts).map((v) => encode(String(v))) : fc.constant("x");
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_STRINGS, "-1", "0", "1.5", "1e3", "99999999999999999999", "..", ".", "%2e%2e", "%2F", "%u0041").map((s) => (s.startsWith("%") ? s : encode(s))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).map(encode) },
    { weight: 1, arbitrary: fc.integer({ min: 90, max: 300 }).map((n) => "a".repeat(n)) }, // around Fastify's maxParamLength (100)
  );
};

const fillPath = (pattern: string, params: JsonSchema | undefined, opts: SchemaArbitraryOptions): fc.Arbitrary<string> => {
  const names = [...pattern.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((m) => m[1] ?? "*");
  if (names.length === 0) return fc.constant(pattern);
  return fc.tuple(...names.map((name) => segment(params?.properties?.[name], opts))).map((values) => {
    let i = 0;
    return pattern.replace(/:([A-Za-z0-9_]+)|\*/g, () => values[i++] as string);
  });
};

const LONG_QUERY_VALUE = "x".repeat(10_000);

/** Query values as a client serialises them: arrays repeat the key. */
const toQuery = (value: unknown): string => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return `q=${encode(renderJson(value))}`;
  const params = new URLSearchParams();
  for (const [key, v] of Object.entries(value)) {
    for (const item of Array.isArray(v) ? v : [v]) params.append(key, item === LARGE ? LONG_QUERY_VALUE : typeof item === "object" && item !== null ? renderJson(item) : String(item));
  }
  return params.toString();
};

const junkQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("__proto__[polluted]=1", "constructor[prototype][polluted]=1", "a[b][c]=1", "a=1&a=2&a=3", "=&=&", "%zz=%zz", "a=%E0%A4%A", "limit=1e999", "limit=-0", "&&&", "a", "?a=1"),
  fc.dictionary(fc.constantFrom("limit", "cursor", "reason", "symbol", "phase", "outcome", "fromMs", "toMs", "__proto__", "constructor", "x"), fc.constantFrom(...EDGE_STRINGS)).map(toQuery),
  hugeString(1_000, 20_000).map((s) => `q=${encode(s)}`),
);

const queryArbitrary = (schema: JsonSchema | undefined, opts: SchemaArbitraryOptions): fc.Arbitrary<string> => {
  if (!schema) return fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 1, arbitrary: junkQuery });
  const valid = validValue(schema, opts);
  return fc.oneof(
    { weight: 3, arbitrary: valid.map(toQuery) },
    { weight: 3, arbitrary: mutateValue(schema, valid).map(toQuery) },
    { weight: 1, arbitrary: junkQuery },
    { weight: 1, arbitrary: fc.constant("") },
  );
};

interface Body {
  readonly kind: HttpCase["bodyKind"];
  readonly payload?: string;
  readonly contentType?: string;
}

const JSON_TYPE = "application/json";

const bodyArbitrary = (method: string, schema: JsonSchema | undefined, opts: HttpCaseOptions): fc.Arbitrary<Body> => {
  const none = fc.constant<Body>({ kind: "none" });
  const json = (kind: HttpCase["bodyKind"], value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> =>
    fc.tuple(value, largeJsonText).map(([v, large]) => ({ kind, payload: renderJson(v, large), contentType: JSON_TYPE }));
  if (!BODY_METHODS.has(method)) return fc.oneof({ weight: 8, arbitrary: none }, { weight: 1, arbitrary: json("hostile", hostileValue()) });
  const hostile = json("hostile", hostileValue());
  const invalid = invalidJsonText.map((text): Body => ({ kind: "invalid-json", payload: text, contentType: JSON_TYPE }));
  const wrongType = fc
    .tuple(
      fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/json; charset=latin1", "application/json; charset=utf-16", "application/problem+json", "*/*", "application/octet-stream", "application/json, text/plain"),
      fc.oneof(fc.constant("{}"), fc.string({ maxLength: 100 })),
    )
    .map(([contentType, payload]): Body => ({ kind: "wrong-type", payload, contentType }));
  // Just over the limit, so the 413 path is walked by the fuzzer too (the limits test covers it in depth).
  const oversized = fc.constant<Body>({ kind: "hostile", payload: `{"a":"${"x".repeat(opts.bodyLimitBytes)}"}`, contentType: JSON_TYPE });
  if (!schema) {
    return fc.oneof({ weight: 3, arbitrary: none }, { weight: 1, arbitrary: fc.constant<Body>({ kind: "valid", payload: "{}", contentType: JSON_TYPE }) }, { weight: 2, arbitrary: hostile }, { weight: 2, arbitrary: invalid }, { weight: 1, arbitrary: wrongType });
  }
  const valid = opts.validBody ? fc.oneof(validValue(schema, opts), opts.validBody) : validValue(schema, opts);
  return fc.oneof(
    { weight: 4, arbitrary: json("valid", valid) },
    { weight: 6, arbitrary: json("mutated", mutateValue(schema, valid)) },
    { weight: 3, arbitrary: hostile },
    { weight: 2, arbitrary: invalid },
    { weight: 2, arbitrary: wrongType },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: valid.map((v): Body => ({ kind: "wrong-type", payload: renderJson(v) })) }, // no content type at all
    { weight: 1, arbitrary: oversized },
  );
};

const junkAuthorization: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("Bearer", "Bearer ", "Bearer  ", "Basic dGl0YW46aHVudGVyMg==", "Digest x", "Bearer ttn_", "Bearer tsv1.", "Bearer tsv1.e30.e30", "Bearer ttn_00000000-0000-0000-0000-000000000000_" + "A".repeat(43), "bearer null", "Bearer \u0000", "Bearer a b"),
  fc.string({ unit: "grapheme-ascii", maxLength: 200 }).map((s) => `Bearer ${s}`),
  hugeString(1_000, 8_000).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, "a")}`),
);

/** Printable header values only: the HTTP parser, not the application, refuses control characters. */
const headerValue = fc.oneof(fc.constantFrom(...EDGE_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s))), fc.string({ unit: "grapheme-ascii", maxLength: 100 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")));

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom("accept", "accept-encoding", "x-request-id", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "content-encoding", "origin", "cookie", "if-none-match", "range", "expect", "x-http-method-override", "user-agent", "x-junk"),
  headerValue,
  { maxKeys: 3 },
);

export const httpCase = (endpoint: Endpoint, opts: HttpCaseOptions): fc.Arbitrary<HttpCase> =>
  fc
    .record({
      path: fillPath(endpoint.url, endpoint.schemas.params, opts),
      query: queryArbitrary(endpoint.schemas.querystring, opts),
      body: bodyArbitrary(endpoint.method, endpoint.schemas.body, opts),
      credential: fc.constantFrom<Credential>("admin", "admin", "admin", "operator", "viewer", "service", "none", "junk"),
      junk: junkAuthorization,
      headers: extraHeaders,
    })
    .map(({ path, query, body, credential, junk, headers }) => ({
      method: endpoint.method,
      url: query === "" ? path : `${path}?${query}`,
      credential,
      headers: { ...headers, ...(body.contentType !== undefined ? { "content-type": body.contentType } : {}) },
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      bodyKind: body.kind,
      ...(credential === "junk" ? { junkAuthorization: junk } : {}),
    }));
