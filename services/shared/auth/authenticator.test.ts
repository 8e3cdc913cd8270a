import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { bearerToken, composeAuthenticator, serviceTokenStrategy, type AuthStrategy } from "./authenticator.js";
import { issueServiceToken } from "./service-token.js";

const SECRET = "x".repeat(32);
const fixed = (name: string, outcome: Awaited<ReturnType<AuthStrategy["authenticate"]>>): AuthStrategy => ({ name, authenticate: async () => outcome });

describe("bearer tokens", () => {
  it("are read from Authorization: Bearer, case-insensitively, and nothing else", () => {
    expect(bearerToken({ authorization: "Bearer abc" })).toBe("abc");
    expect(bearerToken({ authorization: "bearer   abc " })).toBe("abc");
    expect(bearerToken({ authorization: "Basic abc" })).toBeNull();
    expect(bearerToken({ authorization: "Bearer a b" })).toBeNull();
    expect(bearerToken({})).toBeNull();
  });
});

describe("the authenticator", () => {
  it("asks its strategies in order; the first that recognises the credential decides", async () => {
    const principal = { kind: "operator" as const, id: "1", name: "a", role: "viewer" as const, scopes: [] };
    const auth = composeAuthenticator([fixed("a", { kind: "pass" }), fixed("b", { kind: "rejected", reason: "expired_token" }), fixed("c", { kind: "principal", principal })]);
    expect(await auth.authenticate({ headers: { authorization: "Bearer x" } })).toEqual({ ok: false, reason: "expired_token" });
    expect(await composeAuthenticator([fixed("c", { kind: "principal", principal })]).authenticate({ headers: {} })).toEqual({ ok: true, principal });
  });

  it("calls an unrecognised credential malformed, and no credential missing", async () => {
    const auth = composeAuthenticator([serviceTokenStrategy(SECRET, new ManualClock())]);
    expect(await auth.authenticate({ headers: { authorization: "Bearer something" } })).toEqual({ ok: false, reason: "malformed_token" });
    expect(await auth.authenticate({ headers: {} })).toEqual({ ok: false, reason: "missing_credentials" });
  });

  it("turns a valid service token into a service principal", async () => {
    const clock = new ManualClock();
    const auth = composeAuthenticator([serviceTokenStrategy(SECRET, clock)]);
    const token = issueServiceToken("console", SECRET, clock, 1000);
    expect(await auth.authenticate({ headers: { authorization: `Bearer ${token}` } })).toEqual({
      ok: true,
      principal: { kind: "service", id: "console", name: "console", role: "viewer", scopes: [] },
    });
  });
});
