import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseApiToken } from "../../shared/auth/index.js";
import { csrfTokenFor, csrfTokenMatches, delegateTokenFor, newSessionCredential, parseCookies, parseSessionCookieValue, secretMatches, sessionCookieValue, sessionSetCookie, sha256 } from "./session-credentials.js";

describe("session credentials", () => {
  it("round-trip through the cookie value, and nothing else parses as one", () => {
    const c = newSessionCredential();
    expect(parseSessionCookieValue(sessionCookieValue(c))).toEqual(c);
    for (const bad of ["", "x", `${c.sessionId}.`, `${c.sessionId}.${c.secret}x`, `${c.sessionId.toUpperCase()}.${c.secret}`, `${c.secret}.${c.sessionId}`]) expect(parseSessionCookieValue(bad)).toBeNull();
  });

  it("keep only a hash of the secret, which matches that secret alone", () => {
    const a = newSessionCredential();
    const b = newSessionCredential();
    expect(secretMatches(a.secret, sha256(a.secret))).toBe(true);
    expect(secretMatches(b.secret, sha256(a.secret))).toBe(false);
  });

  it("derive a CSRF token bound to the session: another session's token or none is refused", () => {
    const a = newSessionCredential();
    const b = newSessionCredential();
    expect(csrfTokenMatches(a.secret, csrfTokenFor(a.secret))).toBe(true);
    expect(csrfTokenMatches(a.secret, csrfTokenFor(b.secret))).toBe(false);
    expect(csrfTokenMatches(a.secret, undefined)).toBe(false);
    expect(csrfTokenMatches(a.secret, "")).toBe(false);
  });

  it("derive the delegated API token in the shared token format, different per session and per token id", () => {
    const a = newSessionCredential();
    const id = "01234567-89ab-4def-8123-456789abcdef";
    const token = delegateTokenFor(a.secret, id);
    expect(parseApiToken(token)).toEqual({ id, secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(delegateTokenFor(a.secret, id)).toBe(token);
    expect(delegateTokenFor(newSessionCredential().secret, id)).not.toBe(token);
  });

  it("set the cookie httpOnly, Secure, SameSite=Strict, host-only, with an expiry", () => {
    expect(sessionSetCookie("v", { maxAgeSeconds: 3600 })).toBe("__Host-titan_session=v; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
  });

  it("parse Cookie headers, keeping the first of a repeated name and skipping junk", () => {
    expect(parseCookies("a=1; b=2; a=3; junk; =x; c=")).toEqual({ a: "1", b: "2", c: "" });
    expect(parseCookies(undefined)).toEqual({});
    fc.assert(fc.property(fc.string(), (header) => void parseCookies(header)));
  });
});
