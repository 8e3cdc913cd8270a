// Roles, forms and the emergency controls: every form refuses bad input naming each problem, a viewer
// sees no control and is refused one, and a control that passes its typed confirmation and step-up
// check reaches the owning service with the operator's own delegated token and is audited either way.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseApiToken } from "../../../services/shared/auth/index.js";
import { auditActions, auditHead, firstAdmin, invite, loggedIn, nextCode, startConsole, type ConsoleWorld, type Person, type Session } from "./support.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let world: ConsoleWorld;
let execution: Server;
const seen: Seen[] = [];
let admin: Session;
let operator: Person;
let operatorSession: Session;
let viewer: Person;
let viewerSession: Session;

/** A stand-in for execution: records what reaches it and answers as its flatten route does. */
const startFakeExecution = async (): Promise<Server> => {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ runId: "00000000-0000-4000-8000-000000000001", status: "done", seconds: 0.4 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
};

beforeAll(async () => {
  execution = await startFakeExecution();
  world = await startConsole("console_forms", { TITAN_EXECUTION_URL: `http://127.0.0.1:${(execution.address() as AddressInfo).port}` });
  const alice = await firstAdmin(world);
  admin = await loggedIn(world, alice);
  operator = await invite(world, admin, "olga", "operator");
  operatorSession = await loggedIn(world, operator);
  viewer = await invite(world, admin, "victor", "viewer");
  viewerSession = await loggedIn(world, viewer);
});

afterAll(async () => {
  await world?.stop();
  execution?.close();
});

const post = (session: Session, url: string, payload: unknown) => world.app.inject({ method: "POST", url, headers: session.headers, payload: payload as Record<string, unknown> });
/** The problem's detail and every field message, as a reader sees them. */
const problemText = (res: { json: () => unknown }): string => {
  const p = res.json() as { detail?: string; errors?: Array<{ path: string; message: string }> };
  return [p.detail ?? "", ...(p.errors ?? []).map((e) => `${e.path} ${e.message}`)].join("\n");
};
const errorPaths = (res: { json: () => unknown }): string[] => ((res.json() as { errors?: Array<{ path: string }> }).errors ?? []).map((e) => e.path).sort();

describe("a viewer", () => {
  it("logs in without a second factor (the seed asks one of operators and admins only)", () => {
    expect(viewer.totpSecret).toBeNull();
  });

  it("sees no emergency control on any page, and no page above the role", async () => {
    for (const url of ["/", "/breaker", "/positions"]) {
      const page = await world.app.inject({ method: "GET", url, headers: { cookie: viewerSession.cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toMatch(/data-control=/);
    }
    expect((await world.app.inject({ method: "GET", url: "/users", headers: { cookie: viewerSession.cookie } })).statusCode).toBe(403);
  });

  it("is refused every control by the API (403), whatever it sends", async () => {
    for (const action of ["flatten", "cancel-all", "halt", "resume", "breaker-reset"]) {
      const res = await post(viewerSession, `/api/controls/${action}`, { confirmation: "x", reason: "testing", totpCode: "123456" });
      expect(res.statusCode, action).toBe(403);
    }
    expect(seen).toHaveLength(0);
    expect((await world.app.inject({ method: "GET", url: "/api/users", headers: viewerSession.headers })).statusCode).toBe(403);
    expect((await world.app.inject({ method: "GET", url: "/api/audit", headers: viewerSession.headers })).statusCode).toBe(403);
  });
});

describe("an operator", () => {
  it("sees the controls of the role and not the admin's", async () => {
    const page = await world.app.inject({ method: "GET", url: "/", headers: { cookie: operatorSession.cookie } });
    for (const action of ["flatten", "cancel-all", "halt", "resume"]) expect(page.body).toContain(`data-control="${action}"`);
    expect(page.body).not.toContain('data-control="allocation-override"');
  });

  it("must type the confirmation exactly, give a reason and a code: each missing or wrong field is named", async () => {
    const empty = await post(operatorSession, "/api/controls/flatten", {});
    expect(empty.statusCode).toBe(400);
    expect(problemText(empty)).toMatch(/confirmation, reason, totpCode/);
    const wrong = await post(operatorSession, "/api/controls/flatten", { confirmation: "flatten all", reason: "drill", totpCode: "123456" });
    expect(wrong.statusCode).toBe(400);
    expect(errorPaths(wrong)).toEqual(["/body/confirmation"]);
    const blank = await post(operatorSession, "/api/controls/flatten", { confirmation: "FLATTEN ALL", reason: "   ", totpCode: "12345" });
    expect(errorPaths(blank)).toEqual(["/body/reason", "/body/totpCode"]);
    const extra = await post(operatorSession, "/api/controls/halt", { confirmation: "HALT", reason: "drill", totpCode: "123456", force: true });
    expect(extra.statusCode).toBe(400);
    expect(seen).toHaveLength(0);
  });

  it("is refused with a wrong step-up code, and the refusal is audited", async () => {
    const before = await auditHead(world);
    const right = nextCode(world, operator.totpSecret as string);
    const res = await post(operatorSession, "/api/controls/flatten", { confirmation: "FLATTEN ALL", reason: "drill", totpCode: right === "000000" ? "999999" : "000000" });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/second-factor check failed/);
    expect((await auditActions(world, before)).map((a) => [a.action, a.reason])).toEqual([["session.step-up-refuse", "wrong code"]]);
    expect(seen).toHaveLength(0);
  });

  it("flattens with the right code: execution receives the operator's delegated token, and the console audits the operator", async () => {
    const before = await auditHead(world);
    const res = await post(operatorSession, "/api/controls/flatten", { confirmation: "FLATTEN ALL", reason: "drill: flatten", totpCode: nextCode(world, operator.totpSecret as string) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ action: "flatten", status: 200, result: { status: "done" } });
    expect(seen).toHaveLength(1);
    const call = seen[0] as Seen;
    expect(call.method).toBe("POST");
    expect(call.url).toBe("/flatten");
    expect(JSON.parse(call.body)).toMatchObject({ reason: "drill: flatten", confirm: true });
    const token = parseApiToken(String(call.headers.authorization).replace(/^Bearer /, ""));
    expect(token).not.toBeNull();
    const { rows } = await world.db.pool.query("SELECT name, role, created_by, revoked_at FROM auth.api_tokens WHERE id = $1", [token?.id]);
    const { rows: users } = await world.db.pool.query("SELECT id FROM console.users WHERE username = 'olga'");
    expect(rows[0]).toMatchObject({ name: "console session olga", role: "operator", created_by: `user:${users[0].id}`, revoked_at: null });
    const audit = await auditActions(world, before);
    expect(audit).toEqual([expect.objectContaining({ action: "control.flatten", actor_id: `user:${users[0].id}`, reason: "drill: flatten", target: "trading:all" })]);
    expect(audit[0]?.after).toMatchObject({ outcome: "done", status: 200, stepUp: true });
  });

  it("still has the action audited when the owning service does not answer", async () => {
    const before = await auditHead(world);
    const res = await post(operatorSession, "/api/controls/breaker-reset", { confirmation: "RESET BREAKER", reason: "drill: reset", totpCode: nextCode(world, operator.totpSecret as string) });
    expect(res.statusCode).toBe(502);
    const audit = await auditActions(world, before);
    expect(audit.map((a) => [a.action, (a.after as { outcome?: string }).outcome])).toEqual([["breaker.reset", "unreachable"]]);
  });

  it("cannot press the admin's allocation override", async () => {
    const res = await post(operatorSession, "/api/controls/allocation-override", { confirmation: "OVERRIDE ALLOCATION", reason: "x", totpCode: "123456", weights: { 1: 1, 2: 0, 3: 0 }, hours: 1 });
    expect(res.statusCode).toBe(403);
  });
});

describe("an admin's forms", () => {
  it("refuse allocation weights that do not add up to 1, and a missing duration", async () => {
    const res = await post(admin, "/api/controls/allocation-override", { confirmation: "OVERRIDE ALLOCATION", reason: "rebalance", totpCode: "123456", weights: { 1: 0.5, 2: 0.2, 3: 0.2 } });
    expect(res.statusCode).toBe(400);
    expect(errorPaths(res)).toEqual(["/body/hours", "/body/weights"]);
  });

  it("refuse an invitation with a bad name, an unknown role or an unknown field, naming each", async () => {
    const res = await post(admin, "/api/users", { username: "Bad Name", role: "root", extra: 1 });
    expect(res.statusCode).toBe(400);
    expect(errorPaths(res).join(" ")).toMatch(/username/);
    expect(errorPaths(res).join(" ")).toMatch(/role/);
    expect((await post(admin, "/api/users", { username: "olga", role: "viewer" })).statusCode).toBe(409);
  });

  it("refuse role changes and disabling without a reason, an operator role without a second factor, and disabling oneself", async () => {
    const noReason = await post(admin, "/api/users/victor/role", { role: "operator" });
    expect(noReason.statusCode).toBe(400);
    expect(problemText(noReason)).toMatch(/required propert(y|ies) reason/);
    const noMfa = await post(admin, "/api/users/victor/role", { role: "operator", reason: "promotion" });
    expect(noMfa.statusCode).toBe(409);
    expect(noMfa.json().detail).toMatch(/second factor/);
    expect((await post(admin, "/api/users/alice/disable", { reason: "oops" })).statusCode).toBe(409);
    expect((await post(admin, "/api/users/nobody/disable", { reason: "x" })).statusCode).toBe(404);
  });

  it("disable a user: their sessions end at once, and it is audited", async () => {
    const before = await auditHead(world);
    expect((await post(admin, "/api/users/victor/disable", { reason: "left the team" })).statusCode).toBe(200);
    expect((await world.app.inject({ method: "GET", url: "/api/session", headers: { cookie: viewerSession.cookie } })).statusCode).toBe(401);
    expect((await auditActions(world, before)).map((a) => a.action)).toEqual(["session.revoke", "user.disable"]);
    expect((await post(admin, "/api/users/victor/enable", { reason: "came back" })).statusCode).toBe(200);
  });

  it("refuse an enrollment with a weak password and no code, naming both", async () => {
    const invited = await post(admin, "/api/users", { username: "peter", role: "operator" });
    const code = (invited.json() as { code: string }).code;
    const auth = { authorization: `Titan-Enrollment ${code}` };
    await world.app.inject({ method: "POST", url: "/api/enrollment/begin", headers: auth });
    const res = await world.app.inject({ method: "POST", url: "/api/enrollment/complete", headers: auth, payload: { password: "short" } });
    expect(res.statusCode).toBe(400);
    const messages = (res.json() as { errors: Array<{ message: string }> }).errors.map((e) => e.message).join("\n");
    expect(messages).toMatch(/at least 12 characters/);
    expect(messages).toMatch(/needs a second factor/);
  });

  it("refuse a token request with a bad name, role, scope or lifetime", async () => {
    const res = await post(admin, "/api/auth/tokens", { name: "", role: "superuser", scopes: ["Bad Scope"], ttlSeconds: 1 });
    expect(res.statusCode).toBe(400);
    expect(errorPaths(res).length).toBeGreaterThanOrEqual(3);
  });

  it("list users for the access review with last logins and token ages", async () => {
    const res = await world.app.inject({ method: "GET", url: "/api/access-review", headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const review = res.json() as { reviewEveryDays: number; users: Array<{ username: string; lastLoginAtMs: number | null }>; tokens: Array<{ consoleSession: boolean }> };
    expect(review.reviewEveryDays).toBe(91);
    expect(review.users.map((u) => u.username)).toEqual(["alice", "olga", "victor"]);
    expect(review.users.every((u) => u.lastLoginAtMs !== null)).toBe(true);
    expect(review.tokens.some((t) => t.consoleSession)).toBe(true);
  });

  it("verify the audit chain", async () => {
    const res = await world.app.inject({ method: "GET", url: "/api/audit/verify", headers: admin.headers });
    expect(res.json()).toMatchObject({ ok: true });
    const page = await world.app.inject({ method: "GET", url: "/api/audit?limit=5", headers: operatorSession.headers });
    expect(page.statusCode).toBe(200);
    expect((page.json() as { events: unknown[] }).events).toHaveLength(5);
  });
});
