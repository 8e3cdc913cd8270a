// Logging in to the console: the first admin from the 0600 setup file (which retires the bootstrap
// token), password + TOTP with session cookies, and every refusal the seed's security rules ask for —
// wrong or replayed code, lock-out, expired session, missing CSRF token — refused and audited.
import { existsSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECURITY } from "../../../ops/index.js";
import { totpCode } from "../../../services/console/domain/totp.js";
import { auditActions, auditHead, firstAdmin, invite, login, loggedIn, nextCode, sessionOf, setupCodeFile, startConsole, type ConsoleWorld, type Person, type Session } from "./support.js";

let world: ConsoleWorld;
let admin: Person;
let adminSession: Session;
let bootstrapToken: string;

beforeAll(async () => {
  world = await startConsole("console_auth");
  bootstrapToken = readFileSync(world.running.ctx.config.bootstrapTokenFile, "utf8").trim();
});

afterAll(async () => {
  await world?.stop();
});

describe("the first admin", () => {
  it("finds a one-time setup code in a file only its owner can read, and the console logs only the path", () => {
    const file = setupCodeFile(world);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toMatch(/^tse_[A-Za-z0-9_-]{43}$/);
  });

  it("enrolls with it (password + TOTP), which retires the bootstrap token and the setup file", async () => {
    expect((await world.app.inject({ method: "GET", url: "/api/auth/whoami", headers: { authorization: `Bearer ${bootstrapToken}` } })).statusCode).toBe(200);
    const before = await auditHead(world);
    admin = await firstAdmin(world);
    expect(existsSync(setupCodeFile(world))).toBe(false);
    const revoked = await world.app.inject({ method: "GET", url: "/api/auth/whoami", headers: { authorization: `Bearer ${bootstrapToken}` } });
    expect(revoked.statusCode).toBe(401);
    const actions = (await auditActions(world, before)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["user.enroll", "token.revoke"]));
  });

  it("cannot enroll twice with the same code", async () => {
    const res = await world.app.inject({ method: "POST", url: "/api/enrollment/begin", headers: { authorization: "Titan-Enrollment tse_" + "A".repeat(43) } });
    expect(res.statusCode).toBe(401);
  });
});

describe("logging in", () => {
  it("with password and TOTP opens a session: httpOnly, Secure, SameSite=Strict cookie with an expiry, and a CSRF token", async () => {
    const res = await login(world, admin);
    expect(res.statusCode).toBe(201);
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).toMatch(/^__Host-titan_session=[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    expect(res.headers["cache-control"]).toBe("no-store");
    adminSession = sessionOf(res);
    const me = await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: adminSession.cookie } });
    expect(me.json()).toMatchObject({ username: "alice", role: "admin", mfa: true, csrfToken: adminSession.csrf });
    const whoami = await world.app.inject({ method: "GET", url: "/api/auth/whoami", headers: { cookie: adminSession.cookie } });
    expect(whoami.json()).toMatchObject({ kind: "operator", name: "alice", role: "admin" });
  });

  it("refuses a wrong TOTP code, says only that the login failed, and audits why", async () => {
    const before = await auditHead(world);
    const right = nextCode(world, admin.totpSecret as string);
    const wrong = right === "000000" ? "111111" : "000000";
    const res = await login(world, admin, wrong);
    expect(res.statusCode).toBe(401);
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.body).not.toMatch(/code|totp/i);
    const audit = await auditActions(world, before);
    expect(audit).toEqual([expect.objectContaining({ action: "session.login-refuse", reason: "wrong-code" })]);
  });

  it("refuses a code that was already used, and a missing one", async () => {
    const code = nextCode(world, admin.totpSecret as string);
    expect((await login(world, admin, code)).statusCode).toBe(201);
    const before = await auditHead(world);
    expect((await login(world, admin, code)).statusCode).toBe(401);
    expect((await login(world, admin, "")).statusCode).toBe(401);
    expect((await auditActions(world, before)).map((a) => a.reason)).toEqual(["replayed-code", "missing-code"]);
  });

  it("refuses an unknown user as it refuses a wrong password, and audits both", async () => {
    const before = await auditHead(world);
    expect((await login(world, { username: "mallory", password: "guess guess guess", totpSecret: null }, "123456")).statusCode).toBe(401);
    expect((await login(world, { ...admin, password: "not the password at all" })).statusCode).toBe(401);
    expect((await auditActions(world, before)).map((a) => a.reason)).toEqual(["unknown-user", "wrong-password"]);
  });

  it("locks the account after the configured number of failures, refuses even the right password while locked, then lets it in", async () => {
    const bob = await invite(world, adminSession, "bob", "operator");
    const wrong = { ...bob, password: "wrong password for bob" };
    const limit = SECURITY.loginFailuresBeforeLockout.value;
    for (let i = 0; i < limit; i += 1) expect((await login(world, wrong)).statusCode).toBe(401);
    const before = await auditHead(world);
    expect((await login(world, bob)).statusCode).toBe(401);
    expect((await auditActions(world, before)).map((a) => a.reason)).toEqual(["locked"]);
    const { rows } = await world.db.pool.query("SELECT count(*)::int AS n FROM audit.events WHERE action = 'session.login-refuse' AND (after->>'lockedNow')::boolean");
    expect(rows[0].n).toBe(1);
    world.clock.advance(SECURITY.lockoutSeconds.value * 1000);
    expect((await login(world, bob)).statusCode).toBe(201);
  });

  it("refuses a malformed Basic credential and a session cookie that is not one", async () => {
    expect((await world.app.inject({ method: "POST", url: "/api/session", headers: { authorization: "Basic !!!" } })).statusCode).toBe(401);
    expect((await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: "__Host-titan_session=nonsense" } })).statusCode).toBe(401);
  });

  it("accepts the password credential at the login route only", async () => {
    const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`;
    const res = await world.app.inject({ method: "GET", url: "/api/users", headers: { authorization: basic, "x-titan-otp": totpCode(admin.totpSecret as string, world.clock.nowMs()) } });
    expect(res.statusCode).toBe(401);
  });
});

describe("sessions", () => {
  it("refuse a state-changing request without the CSRF token, or with another one, or from another origin, and audit each", async () => {
    const s = await loggedIn(world, admin);
    const before = await auditHead(world);
    const payload = { username: "carol", role: "viewer" };
    expect((await world.app.inject({ method: "POST", url: "/api/users", headers: { cookie: s.cookie }, payload })).statusCode).toBe(403);
    expect((await world.app.inject({ method: "POST", url: "/api/users", headers: { cookie: s.cookie, "x-csrf-token": adminSession.csrf }, payload })).statusCode).toBe(403);
    expect((await world.app.inject({ method: "POST", url: "/api/users", headers: { ...s.headers, origin: "https://evil.example", host: "localhost" }, payload })).statusCode).toBe(403);
    const audit = await auditActions(world, before);
    expect(audit.map((a) => [a.action, a.reason])).toEqual([
      ["session.csrf-refuse", "missing CSRF token"],
      ["session.csrf-refuse", "wrong CSRF token"],
      ["session.csrf-refuse", "cross-origin request"],
    ]);
    // With the token, from the page's own origin, the same request goes through.
    expect((await world.app.inject({ method: "POST", url: "/api/users", headers: { ...s.headers, origin: "https://localhost:8443", host: "localhost" }, payload })).statusCode).toBe(201);
  });

  it("expire after the idle limit: refused with 401 and audited once", async () => {
    const s = await loggedIn(world, admin);
    expect((await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: s.cookie } })).statusCode).toBe(200);
    world.clock.advance(world.parts.settings.sessionIdleMs);
    const before = await auditHead(world);
    const expired = await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: s.cookie } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().detail).toMatch(/expired/);
    expect((await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await auditActions(world, before)).map((a) => [a.action, a.reason])).toEqual([["session.expire", "session idle too long"]]);
    // Its delegated API token went with it.
    const { rows } = await world.db.pool.query("SELECT count(*)::int AS n FROM console.sessions s JOIN auth.api_tokens t ON t.id = s.delegate_token_id WHERE s.revoke_reason = 'session idle too long' AND t.revoked_at IS NULL");
    expect(rows[0].n).toBe(0);
  });

  it("end at logout, with their live feed and token", async () => {
    const s = await loggedIn(world, admin);
    expect((await world.app.inject({ method: "DELETE", url: "/api/session", headers: s.headers })).statusCode).toBe(204);
    expect((await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: s.cookie } })).statusCode).toBe(401);
  });

  it("send a browser without a session to the login page", async () => {
    const res = await world.app.inject({ method: "GET", url: "/" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/login");
    const page = await world.app.inject({ method: "GET", url: "/login" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/);
  });
});

describe("API tokens", () => {
  it("are issued only to an admin at the console with a second factor, never to an API token", async () => {
    const s = await loggedIn(world, admin);
    const issued = await world.app.inject({ method: "POST", url: "/api/auth/tokens", headers: s.headers, payload: { name: "titanctl alice", role: "admin", scopes: [], ttlSeconds: 3600 } });
    expect(issued.statusCode).toBe(201);
    const token = (issued.json() as { token: string }).token;
    const again = await world.app.inject({ method: "POST", url: "/api/auth/tokens", headers: { authorization: `Bearer ${token}` }, payload: { name: "minted by a token", role: "admin", scopes: [] } });
    expect(again.statusCode).toBe(403);
    expect(again.json().detail).toMatch(/console session/);
    // Listing and revoking stay open to admin tokens (titanctl token list|revoke).
    expect((await world.app.inject({ method: "GET", url: "/api/auth/tokens", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });
});
