import { describe, expect, it } from "vitest";
import { roleAtLeast, scopesAdmit } from "./principal.js";

describe("roles and scopes", () => {
  it("order roles viewer < operator < admin", () => {
    expect(roleAtLeast("admin", "operator")).toBe(true);
    expect(roleAtLeast("operator", "operator")).toBe(true);
    expect(roleAtLeast("viewer", "operator")).toBe(false);
  });

  it("match a scope exactly, or by a trailing or inner wildcard segment", () => {
    expect(scopesAdmit(["brain:breaker-reset"], "brain:breaker-reset")).toBe(true);
    expect(scopesAdmit(["brain:*"], "brain:breaker-reset")).toBe(true);
    expect(scopesAdmit(["brain:*"], "brain:breaker:reset")).toBe(true);
    expect(scopesAdmit(["*:read"], "metrics:read")).toBe(true);
    expect(scopesAdmit(["*:read"], "metrics:write")).toBe(false);
    expect(scopesAdmit(["brain:*"], "brain")).toBe(false);
    expect(scopesAdmit(["brain"], "brain:breaker-reset")).toBe(false);
    expect(scopesAdmit(["brain:breaker"], "brain:breaker-reset")).toBe(false);
  });

  it("treat an empty list as unrestricted", () => {
    expect(scopesAdmit([], "anything:at-all")).toBe(true);
  });
});
