// The generators the fuzzers stand on: a "valid" value must be valid (else the handlers behind the
// validators are never reached), a mutation must mostly be invalid (else nothing hostile is sent), and a
// large value must come out as the JSON text it stands for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BreakerResetBodySchema, DecisionQuerySchema, OverrideSetBodySchema } from "../../services/brain/http/schemas.js";
import { ScavengerParametersSchema } from "../../services/scavenger/domain/index.js";
import { CreateConfigVersionRequestSchema } from "../../services/scavenger/http/schemas.js";
import { contractValidator } from "../../services/shared/bus.js";
import { ApiTokenCreateRequestSchema, MESSAGE_REGISTRY, MESSAGE_TYPES, compiled } from "../../services/shared/contracts/index.js";
import { parseStreamEntry } from "../../services/shared/messaging/index.js";
import { busCase, validEnvelope } from "./support/bus-case.js";
import { LARGE, largeJsonText, mutateValue, renderJson } from "./support/hostile.js";
import { httpCase } from "./support/http-case.js";
import { validValue, UnsupportedSchemaError, type JsonSchema } from "./support/schema-arbitrary.js";

const ROUTE_SCHEMAS: Record<string, JsonSchema> = {
  DecisionQuerySchema,
  OverrideSetBodySchema,
  BreakerResetBodySchema,
  ApiTokenCreateRequestSchema,
  ScavengerParametersSchema,
};

describe("valid values from a schema", () => {
  it.each(MESSAGE_TYPES)("%s: every generated payload and envelope passes the contracts' own validator", (type) => {
    const schema = MESSAGE_REGISTRY[type].schema;
    fc.assert(fc.property(validValue(schema as JsonSchema), (value) => {
      expect(compiled(schema).Check(value)).toBe(true);
    }), { numRuns: 50 });
    fc.assert(fc.property(validEnvelope(type), (envelope) => {
      expect(contractValidator(envelope).ok).toBe(true);
    }), { numRuns: 20 });
  });

  it.each(Object.keys(ROUTE_SCHEMAS))("%s: every generated body or query passes the route's validator", (name) => {
    const schema = ROUTE_SCHEMAS[name] as JsonSchema;
    fc.assert(fc.property(validValue(schema), (value) => {
      expect(compiled(schema as never).Check(value)).toBe(true);
    }), { numRuns: 50 });
  });

  it("fills an untyped field from the schema named for it", () => {
    const arbitrary = validValue(CreateConfigVersionRequestSchema as JsonSchema, { overrides: { "/parameters": ScavengerParametersSchema as JsonSchema } });
    fc.assert(fc.property(arbitrary, (body) => {
      expect(compiled(ScavengerParametersSchema).Check((body as { parameters: unknown }).parameters)).toBe(true);
    }), { numRuns: 20 });
  });

  it("refuses a keyword it does not understand instead of generating junk quietly", () => {
    expect(() => validValue({ type: "string", format: "email" })).toThrow(UnsupportedSchemaError);
    expect(() => validValue({ type: "object", properties: {}, not: {} } as JsonSchema)).toThrow(/keyword 'not'/);
  });
});

describe("hostile values", () => {
  it("breaks most values with one mutation: the fuzzers send invalid input, not valid input by accident", () => {
    for (const type of MESSAGE_TYPES) {
      const schema = MESSAGE_REGISTRY[type].schema as JsonSchema;
      const samples = fc.sample(mutateValue(schema, validValue(schema)), { numRuns: 200, seed: 42 });
      const invalid = samples.filter((v) => !compiled(MESSAGE_REGISTRY[type].schema).Check(v)).length;
      expect(invalid / samples.length, `${type}: share of mutations the validator refuses`).toBeGreaterThan(0.6);
    }
  });

  it("renders each LARGE marker as the large JSON text, which parses", () => {
    fc.assert(
      fc.property(largeJsonText, (large) => {
        const text = renderJson({ a: [1, LARGE], b: LARGE }, large);
        expect(text.length).toBeGreaterThan(2 * large.length);
        expect(() => JSON.parse(text)).not.toThrow();
      }),
      { numRuns: 10 },
    );
  });

  it("classifies each bus case as the consumers' own parser does", () => {
    fc.assert(
      fc.property(busCase("signal"), (c) => {
        const isMessage = (): boolean => {
          try {
            return parseStreamEntry(c.fields, contractValidator).kind === "message";
          } catch {
            return false;
          }
        };
        expect(c.valid).toBe(isMessage());
      }),
      { numRuns: 100 },
    );
  });

  it("fills every path parameter and keeps the method and a credential", () => {
    const endpoint = { method: "POST", url: "/config/versions/:version/activate", schemas: {} };
    fc.assert(
      fc.property(httpCase(endpoint, { bodyLimitBytes: 1_024 }), (c) => {
        expect(c.method).toBe("POST");
        expect(c.url).toMatch(/^\/config\/versions\/[^/?]*\/activate/);
        expect(c.url).not.toContain(":version");
      }),
      { numRuns: 100 },
    );
  });
});
