import { describe, expect, it } from "vitest";
import { MAX_TOKEN_TTL_SECONDS } from "../contracts/index.js";
import { apiTokenRequestProblems } from "./api-tokens.js";

describe("API token requests", () => {
  it("accept a name, a role, scopes and a lifetime within bounds; the lifetime may be left out", () => {
    expect(apiTokenRequestProblems({ name: "grafana", role: "viewer", scopes: ["metrics:read", "trading:*"], ttlSeconds: 3600 })).toEqual([]);
    expect(apiTokenRequestProblems({ name: "grafana", role: "viewer", scopes: [] })).toEqual([]);
  });

  it("name each problem", () => {
    const problems = apiTokenRequestProblems({ name: " ", role: "viewer", scopes: ["Bad Scope"], ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 });
    expect(problems.join("\n")).toMatch(/name[\s\S]*scopes\[0\][\s\S]*ttlSeconds/);
  });

  it("refuse control characters in names, unknown fields and lifetimes that are not whole seconds", () => {
    expect(apiTokenRequestProblems({ name: "a\nb", role: "viewer", scopes: [], ttlSeconds: 60 })).toHaveLength(1);
    expect(apiTokenRequestProblems({ name: "ok", role: "viewer", scopes: [], ttlSeconds: 60.5 })).toHaveLength(1);
    expect(apiTokenRequestProblems({ name: "ok", role: "viewer", scopes: [], extra: 1 })).toHaveLength(1);
    expect(apiTokenRequestProblems({ name: "ok", role: "root", scopes: [] })).toHaveLength(1);
  });
});
