import { describe, expect, it } from "vitest";
import type { TSchema } from "typebox";
import {
  ApiTokenCreateRequestSchema,
  ApiTokenCreateResponseSchema,
  ApiTokenListItemSchema,
  ApiTokenListSchema,
  HealthLiveSchema,
  HealthReadySchema,
  ProblemDetailsSchema,
  ROLES,
  checkSchema,
  isRole,
  roleAtLeast,
} from "./index.js";

const token = {
  id: "00000000-0000-4000-8000-000000000001",
  name: "ci deploy",
  role: "operator",
  scopes: ["brain:breaker-reset"],
  expiresAtMs: 1_800_000_000_000,
  revokedAtMs: null,
  createdAtMs: 1_700_000_000_000,
  createdBy: "bootstrap",
};

/** Each body: a valid sample, a broken one, and the field the reason must name. */
const BODIES: Array<{ name: string; schema: TSchema; valid: unknown; broken: unknown; field: string }> = [
  {
    name: "problem+json",
    schema: ProblemDetailsSchema,
    valid: { type: "about:blank", title: "Bad Request", status: 400, detail: "body is invalid", instance: "/api/tokens", errors: [{ path: "/body/role", message: "must be one of" }] },
    broken: { type: "about:blank", title: "Teapot", status: 700 },
    field: "status",
  },
  {
    name: "health live",
    schema: HealthLiveSchema,
    valid: { status: "ok", service: "brain", instanceId: "h-1", uptimeSeconds: 3.2 },
    broken: { status: "ok", service: "brain", instanceId: "h-1", uptimeSeconds: -1 },
    field: "uptimeSeconds",
  },
  {
    name: "health ready",
    schema: HealthReadySchema,
    valid: { status: "fail", service: "console", instanceId: "h-1", checks: { postgres: { status: "ok", latencySeconds: 0.001 }, redis: { status: "fail", error: "connection refused" } } },
    broken: { status: "ok", service: "console", instanceId: "h-1", checks: { postgres: { status: "maybe" } } },
    field: "checks.postgres.status",
  },
  {
    name: "token create request",
    schema: ApiTokenCreateRequestSchema,
    valid: { name: "grafana reader", role: "viewer", scopes: [], ttlSeconds: 86_400 },
    broken: { name: "root", role: "root", scopes: [] },
    field: "role",
  },
  { name: "token list item", schema: ApiTokenListItemSchema, valid: token, broken: { ...token, scopes: ["Has Spaces"] }, field: "scopes[0]" },
  { name: "token list", schema: ApiTokenListSchema, valid: { tokens: [token] }, broken: { tokens: [{ ...token, expiresAtMs: undefined }] }, field: "tokens[0].expiresAtMs" },
  {
    name: "token create response",
    schema: ApiTokenCreateResponseSchema,
    valid: { ...token, token: "t".repeat(43) },
    broken: { ...token, token: "short" },
    field: "token",
  },
];

describe.each(BODIES)("$name body", ({ schema, valid, broken, field }) => {
  it("accepts a valid sample", () => {
    const result = checkSchema(schema, valid);
    expect(result.ok ? "ok" : result.reason).toBe("ok");
  });

  it("rejects a broken one, naming the field", () => {
    const result = checkSchema(schema, broken);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(`${field}:`);
  });
});

describe("token create request", () => {
  it("refuses a lifetime beyond a year and duplicate scopes", () => {
    const result = checkSchema(ApiTokenCreateRequestSchema, { name: "x", role: "admin", scopes: ["a", "a"], ttlSeconds: 400 * 86_400 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain("ttlSeconds:");
      expect(result.reason).toContain("scopes:");
    }
  });
});

describe("roles", () => {
  it("orders viewer < operator < admin", () => {
    expect(ROLES).toEqual(["viewer", "operator", "admin"]);
    const table = ROLES.flatMap((have) => ROLES.map((need) => `${have}>=${need}:${roleAtLeast(have, need)}`));
    expect(table).toEqual([
      "viewer>=viewer:true",
      "viewer>=operator:false",
      "viewer>=admin:false",
      "operator>=viewer:true",
      "operator>=operator:true",
      "operator>=admin:false",
      "admin>=viewer:true",
      "admin>=operator:true",
      "admin>=admin:true",
    ]);
  });

  it("recognises only the three role names", () => {
    expect(isRole("admin")).toBe(true);
    expect(isRole("root")).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});
