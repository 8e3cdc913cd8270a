import { describe, expect, it } from "vitest";
import type { AuthResult } from "../auth/authenticator.js";
import type { Principal } from "../auth/principal.js";
import { RouteAuthDeclarationError, authorise, describeRouteAuth, resolveRouteAuth } from "./route-auth.js";

const operator = (role: Principal["role"], scopes: string[] = []): AuthResult => ({ ok: true, principal: { kind: "operator", id: "t1", name: "tok", role, scopes } });
const service: AuthResult = { ok: true, principal: { kind: "service", id: "brain", name: "brain", role: "viewer", scopes: [] } };

describe("route auth declarations", () => {
  it("refuse a mutating route that declares nothing, or declares itself public", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "PURGE"]) {
      expect(() => resolveRouteAuth(method, "/x", undefined)).toThrow(RouteAuthDeclarationError);
      expect(() => resolveRouteAuth(method, "/x", "public")).toThrow(/cannot be public/);
    }
    expect(() => resolveRouteAuth(["GET", "POST"], "/x", undefined)).toThrow(RouteAuthDeclarationError);
  });

  it("default an undeclared read route to viewer, or to public under a docs prefix", () => {
    expect(resolveRouteAuth("GET", "/x", undefined)).toEqual({ kind: "protected", role: "viewer", service: false, scope: null });
    expect(resolveRouteAuth("HEAD", "/docs/json", undefined, { publicReadPrefixes: ["/docs"] })).toEqual({ kind: "public" });
    expect(resolveRouteAuth("GET", "/docsx", undefined, { publicReadPrefixes: ["/docs"] }).kind).toBe("protected");
    expect(() => resolveRouteAuth("POST", "/docs/x", undefined, { publicReadPrefixes: ["/docs"] })).toThrow(RouteAuthDeclarationError);
  });

  it("refuse declarations that mean nothing or are misspelt", () => {
    for (const bad of [{}, { role: "root" }, { service: "yes" }, { roles: "admin" }, { role: "admin", scope: "Bad Scope" }, { role: "admin", scope: "trading:*" }, "private", null, ["admin"]]) {
      expect(() => resolveRouteAuth("POST", "/x", bad)).toThrow(RouteAuthDeclarationError);
    }
  });

  it("resolve roles, services and scopes", () => {
    expect(resolveRouteAuth("POST", "/x", { role: "operator", scope: "trading:control" })).toEqual({ kind: "protected", role: "operator", service: false, scope: "trading:control" });
    expect(resolveRouteAuth("POST", "/x", { service: true })).toEqual({ kind: "protected", role: null, service: true, scope: null });
    expect(describeRouteAuth(resolveRouteAuth("POST", "/x", { service: true, role: "admin" }))).toBe("role>=admin service");
  });
});

describe("authorisation", () => {
  const admin = resolveRouteAuth("POST", "/x", { role: "admin" });
  const op = resolveRouteAuth("POST", "/x", { role: "operator", scope: "trading:control" });
  const svc = resolveRouteAuth("POST", "/x", { service: true });
  const both = resolveRouteAuth("POST", "/x", { service: true, role: "operator" });

  it("answers 401 with the authentication failure when there is no principal", () => {
    expect(authorise(admin, { ok: false, reason: "missing_credentials" })).toEqual({ allow: false, status: 401, reason: "missing_credentials" });
    expect(authorise(admin, { ok: false, reason: "expired_token" })).toMatchObject({ status: 401, reason: "expired_token" });
  });

  it("admits a public route without a principal", () => {
    expect(authorise({ kind: "public" }, { ok: false, reason: "missing_credentials" })).toEqual({ allow: true });
  });

  it("answers 403 when the role is too weak, and admits stronger roles", () => {
    expect(authorise(admin, operator("operator"))).toMatchObject({ allow: false, status: 403, reason: "insufficient_role" });
    expect(authorise(admin, operator("admin"))).toEqual({ allow: true });
    expect(authorise(op, operator("admin"))).toEqual({ allow: true });
  });

  it("holds a scoped token to the scopes it lists; an unscoped token is unrestricted", () => {
    expect(authorise(op, operator("operator", ["metrics:read"]))).toMatchObject({ status: 403, reason: "missing_scope" });
    expect(authorise(op, operator("operator", ["trading:control"]))).toEqual({ allow: true });
    expect(authorise(op, operator("operator", ["trading:*"]))).toEqual({ allow: true });
    expect(authorise(op, operator("operator", ["trading"]))).toMatchObject({ status: 403 });
    expect(authorise(op, operator("operator", []))).toEqual({ allow: true });
  });

  it("lets a route that needs no scope admit a scoped token on its role alone", () => {
    expect(authorise(admin, operator("admin", ["metrics:read"]))).toEqual({ allow: true });
  });

  it("admits services only where the route opens to them, and operators only where a role is named", () => {
    expect(authorise(admin, service)).toMatchObject({ status: 403, reason: "service_not_allowed" });
    expect(authorise(svc, service)).toEqual({ allow: true });
    expect(authorise(svc, operator("admin"))).toMatchObject({ status: 403, reason: "operator_not_allowed" });
    expect(authorise(both, service)).toEqual({ allow: true });
    expect(authorise(both, operator("operator"))).toEqual({ allow: true });
    expect(authorise(both, operator("viewer"))).toMatchObject({ status: 403 });
  });
});
