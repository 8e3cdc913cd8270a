// titanctl against a console of its own: `token create` logs in as a person does (password + TOTP,
// session cookie + CSRF token, logout), `user add|list|disable` manage users as an admin at the console,
// and `access-review` lists users, second factors, last logins and live tokens with their findings once
// their records lie past the review period. Every change is audited with the admin as actor.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SECURITY } from "../../../ops/index.js";
import { auditActions, auditHead, enroll, firstAdmin, invite, loggedIn, login, nextCode, startConsole, type ConsoleWorld, type Person } from "./support.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
let world: ConsoleWorld;
let alice: Person;
let olga: Person;
let adminToken: string;
let scratch: string;
let passwordFile: string;

const titanctl = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, "bin", "titanctl.mjs"), ...args], {
      cwd: REPO,
      // No terminal: titanctl must take everything from options and the environment.
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, TITAN_STATE_DIR: world.stateDir, TITAN_API_URL: `http://127.0.0.1:${world.running.port}`, ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });

/** As alice at the console: her password from a 0600 file, the next code of her authenticator. */
const asAlice = (args: string[]) => titanctl([...args, "--user", "alice", "--password-file", passwordFile], { TITAN_OTP: nextCode(world, alice.totpSecret!) });

beforeAll(async () => {
  world = await startConsole("console_titanctl_users");
  alice = await firstAdmin(world);
  scratch = mkdtempSync(join(inject("scratchDir"), "titanctl-users-"));
  passwordFile = join(scratch, "alice.password");
  writeFileSync(passwordFile, `${alice.password}\n`, { mode: 0o600 });
  const session = await loggedIn(world, alice);
  const issued = await world.app.inject({ method: "POST", url: "/api/auth/tokens", headers: session.headers, payload: { name: "reviewer", role: "admin", scopes: [], ttlSeconds: 300 * 86_400 } });
  adminToken = (issued.json() as { token: string }).token;
  olga = await invite(world, session, "olga", "operator");
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe("titanctl token create", () => {
  it("logs in with password and TOTP, issues the token to a 0600 file, logs out, and never prints a secret", async () => {
    const before = await auditHead(world);
    const out = join(scratch, "ci.token");
    const res = await asAlice(["token", "create", "--name", "ci-reader", "--role", "viewer", "--ttl-days", "200", "--out", out]);
    expect(res.code, res.err).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const token = readFileSync(out, "utf8").trim();
    expect(`${res.out}${res.err}`).not.toContain(token);
    expect(`${res.out}${res.err}`).not.toContain(alice.password);
    const whoami = await world.app.inject({ method: "GET", url: "/api/auth/whoami", headers: { authorization: `Bearer ${token}` } });
    expect(whoami.json()).toMatchObject({ name: "ci-reader", role: "viewer" });
    const actions = await auditActions(world, before);
    expect(actions.find((a) => a.action === "token.create")).toMatchObject({ actor_id: expect.stringMatching(/^user:/) });
    // The session it opened was closed again: none of alice's sessions is left open.
    const { rows } = await world.db.pool.query("SELECT count(*)::int AS open FROM console.sessions s JOIN console.users u ON u.id = s.user_id WHERE u.username = 'alice' AND s.revoked_at IS NULL");
    expect(rows[0].open).toBe(1); // the beforeAll's own session only
  });

  it("is refused with a wrong code, saying only that the login was refused", async () => {
    const res = await titanctl(["token", "create", "--name", "x", "--role", "viewer", "--user", "alice", "--password-file", passwordFile], { TITAN_OTP: "000000" });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^titanctl: HTTP 401: login as alice refused/);
  });

  it("without a terminal and without the options, names what is missing instead of hanging", async () => {
    const res = await titanctl(["token", "create", "--name", "x", "--role", "viewer"], { TITAN_TOKEN: adminToken });
    expect(res.code).toBe(2);
    expect(res.err).toContain("no terminal to ask for the username: give --user or set TITAN_USER");
  });
});

describe("titanctl user", () => {
  let pete: Person;

  it("add invites a user and hands over the one-time enrollment code, which enrolls them", async () => {
    const before = await auditHead(world);
    const out = join(scratch, "pete.code");
    const res = await asAlice(["user", "add", "pete", "--role", "viewer", "--reason", "reads the dashboards", "--out", out]);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/enrollment code for pete written to .*pete\.code; they enroll at http:\/\/127\.0\.0\.1:\d+\/setup before/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    pete = await enroll(world, readFileSync(out, "utf8").trim(), { password: "a long enough pass phrase", withTotp: false });
    expect((await login(world, pete)).statusCode).toBe(201);
    expect((await auditActions(world, before)).find((a) => a.action === "user.invite")).toMatchObject({ reason: "reads the dashboards", actor_id: expect.stringMatching(/^user:/) });
  });

  it("add needs a login: the console refuses an admin's API token, and titanctl asks for the login instead of sending one", async () => {
    const byToken = await world.app.inject({ method: "POST", url: "/api/users", headers: { authorization: `Bearer ${adminToken}` }, payload: { username: "mallory", role: "admin" } });
    expect(byToken.statusCode).toBe(403);
    expect(byToken.json().detail).toMatch(/needs a console session/);
    const res = await titanctl(["user", "add", "mallory", "--role", "admin"], { TITAN_TOKEN: adminToken });
    expect(res.code).toBe(2);
    expect(res.err).toContain("no terminal to ask for the username");
  });

  it("list shows every user with role, second factor, state and last login", async () => {
    const res = await titanctl(["user", "list"], { TITAN_TOKEN: adminToken });
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^USER\s+ROLE\s+MFA\s+STATE\s+LAST LOGIN/);
    expect(res.out).toMatch(/\nalice\s+admin\s+yes\s+active\s+\d{4}-/);
    expect(res.out).toMatch(/\npete\s+viewer\s+no\s+active\s+\d{4}-/);
    const json = await titanctl(["user", "list", "--json"], { TITAN_TOKEN: adminToken });
    expect((JSON.parse(json.out) as Array<{ username: string }>).map((u) => u.username).sort()).toEqual(["alice", "olga", "pete"]);
  });

  it("list is refused to a viewer's token", async () => {
    const viewer = readFileSync(join(scratch, "ci.token"), "utf8").trim();
    const res = await titanctl(["user", "list"], { TITAN_TOKEN: viewer });
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/HTTP 403/);
  });

  it("disable ends the user's access at once, with the reason and the admin in the audit log", async () => {
    const before = await auditHead(world);
    const res = await asAlice(["user", "disable", "pete", "--reason", "left the team"]);
    expect(res.code, res.err).toBe(0);
    expect(res.out.trim()).toBe("pete disabled (viewer)");
    expect((await login(world, pete)).statusCode).toBe(401);
    const disabled = (await auditActions(world, before)).find((a) => a.action === "user.disable");
    expect(disabled).toMatchObject({ reason: "left the team", actor_id: expect.stringMatching(/^user:/) });
  });

  it("disable needs a reason", async () => {
    const res = await titanctl(["user", "disable", "olga"]);
    expect(res.code).not.toBe(0);
    expect(res.err).toMatch(/--reason/);
  });
});

describe("titanctl access-review", () => {
  it("flags what the review period of ops/ makes stale once the records lie past it, and is audited", async () => {
    // Everything recorded so far moves back past one review period (moving the console's clock that far
    // would fire every periodic timer of the service once per period): olga never logged in after
    // enrolling, the ci token was never used again.
    const back = `${SECURITY.accessReviewSeconds.value + 2 * 86_400} seconds`;
    await world.db.pool.query("UPDATE console.users SET created_at = created_at - $1::interval, credentials_set_at = credentials_set_at - $1::interval, last_login_at = last_login_at - $1::interval", [back]);
    await world.db.pool.query("UPDATE auth.api_tokens SET created_at = created_at - $1::interval, last_used_at = last_used_at - $1::interval WHERE revoked_at IS NULL", [back]);
    const before = await auditHead(world);
    const res = await titanctl(["access-review", "--json"], { TITAN_TOKEN: adminToken });
    expect(res.code, res.err).toBe(0);
    const review = JSON.parse(res.out) as { users: Array<{ username: string; mfa: boolean; findings: string[] }>; tokens: Array<{ name: string; ageDays: number; findings: string[] }>; findings: Array<{ subject: string; name: string; finding: string }> };
    expect(review.users.map((u) => [u.username, u.mfa, u.findings])).toEqual([
      ["alice", true, ["stale-account"]],
      ["olga", true, ["stale-account"]],
      ["pete", false, []],
    ]);
    const ci = review.tokens.find((t) => t.name === "ci-reader");
    expect(ci?.findings).toEqual(["stale-token", "rotation-due"]);
    expect(ci?.ageDays).toBeGreaterThan(SECURITY.accessReviewSeconds.value / 86_400);
    // The reviewer's own token was used just now: not stale, but old enough to rotate.
    expect(review.tokens.find((t) => t.name === "reviewer")?.findings).toEqual(["rotation-due"]);
    expect((await auditActions(world, before)).map((a) => a.action)).toEqual(["access.review"]);

    const text = await titanctl(["access-review", "--fail-on-findings"], { TITAN_TOKEN: adminToken });
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/- user olga: stale-account: never logged in since enrolling \d+ days ago/);
    expect(text.out).toMatch(/- token ci-reader: rotation-due: \d+ days old, past the rotation period of 90 days/);
  });

  it("is refused to an operator, at the API as through titanctl --login", async () => {
    const session = await loggedIn(world, olga);
    const res = await world.app.inject({ method: "GET", url: "/api/access-review", headers: session.headers });
    expect(res.statusCode).toBe(403);
  });
});
