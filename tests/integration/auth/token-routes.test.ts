import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { listAuditEvents, verifyAuditChain } from "../../../services/shared/audit/index.js";
import { createAuthenticator, ensureBootstrapAdminToken, issueServiceToken, tokenRoutes } from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Database } from "../../../services/shared/db/database.js";
import { listRouteAuth } from "../../../services/shared/http/index.js";
import type { ServiceMetrics } from "../../../services/shared/metrics.js";
import { metricValue, testServer, type CapturedLogger } from "../http/test-server.js";
import { provisionedTestDatabase } from "./provisioned-database.js";

const SECRET = "test-service-token-secret-0123456789abcdef";
const clock = new ManualClock();
let consoleDb: Database;
let app: FastifyInstance;
let metrics: ServiceMetrics;
let log: CapturedLogger;
let adminToken: string;

const PROBLEM_JSON = /^application\/problem\+json(; charset=utf-8)?$/;
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const UNKNOWN_ID = "ffffffff-ffff-4fff-8fff-ffffffffffff";
const tokenCount = async (): Promise<number> => ((await app.inject({ method: "GET", url: "/api/auth/tokens", headers: as(adminToken) })).json() as { tokens: unknown[] }).tokens.length;
const createToken = (headers: Record<string, string>, payload: unknown) => app.inject({ method: "POST", url: "/api/auth/tokens", headers, payload: payload as Record<string, unknown> });

beforeAll(async () => {
  const pg = await provisionedTestDatabase("tokenroutes");
  consoleDb = pg.connect("console");
  const file = join(inject("scratchDir"), `token-routes-${pg.name}`, "bootstrap-admin-token");
  await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log: () => undefined });
  adminToken = readFileSync(file, "utf8").trim();
  ({ app, metrics, log } = await testServer(createAuthenticator({ db: consoleDb, serviceTokenSecret: SECRET, clock }), { service: "console" }));
  await app.register(tokenRoutes, { db: consoleDb, clock });
  await app.ready();
});

describe("token management routes", () => {
  it("issue a token to an admin, returning it once, and it works at once", async () => {
    const res = await createToken(as(adminToken), { name: "grafana", role: "viewer", scopes: ["metrics:read"], ttlSeconds: 3600 });
    expect(res.statusCode).toBe(201);
    expect(res.headers["cache-control"]).toBe("no-store");
    const created = res.json() as { id: string; token: string; role: string; expiresAtMs: number; createdBy: string };
    expect(created).toMatchObject({ name: "grafana", role: "viewer", scopes: ["metrics:read"], expiresAtMs: clock.nowMs() + 3_600_000, revokedAtMs: null });
    expect(created.token).toMatch(new RegExp(`^ttn_${created.id}_`));
    const me = await app.inject({ method: "GET", url: "/api/auth/whoami", headers: as(created.token) });
    expect(me.json()).toEqual({ kind: "operator", id: created.id, name: "grafana", role: "viewer", scopes: ["metrics:read"] });
  });

  it("list tokens without their secrets or hashes", async () => {
    const created = (await createToken(as(adminToken), { name: "listed", role: "operator", scopes: [], ttlSeconds: 3600 })).json() as { id: string; token: string };
    const res = await app.inject({ method: "GET", url: "/api/auth/tokens", headers: as(adminToken) });
    expect(res.statusCode).toBe(200);
    const list = (res.json() as { tokens: Record<string, unknown>[] }).tokens;
    expect(list.find((t) => t.id === created.id)).toMatchObject({ name: "listed", role: "operator", scopes: [] });
    expect(list.some((t) => t.createdBy === "bootstrap")).toBe(true);
    expect(res.body).not.toContain(created.token.slice(-43));
    expect(res.body).not.toContain(adminToken.slice(-43));
    expect(res.body).not.toMatch(/sha|hash|"token"/i);
  });

  it("revoke a token, which is refused from then on", async () => {
    const created = (await createToken(as(adminToken), { name: "short-lived", role: "operator", scopes: [], ttlSeconds: 3600 })).json() as { id: string; token: string };
    const res = await app.inject({ method: "DELETE", url: `/api/auth/tokens/${created.id}?reason=rotated`, headers: as(adminToken) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: created.id, revokedAtMs: clock.nowMs() });
    const after = await app.inject({ method: "GET", url: "/api/auth/whoami", headers: as(created.token) });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ detail: "the bearer token has been revoked" });
    expect(await metricValue(metrics, "titan_console_auth_failures_total", { reason: "revoked_token", route: "/api/auth/whoami" })).toBe(1);
  });

  it("answer 404 for an unknown token and 400 for a malformed id", async () => {
    const unknown = await app.inject({ method: "DELETE", url: `/api/auth/tokens/${UNKNOWN_ID}`, headers: as(adminToken) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers["content-type"]).toMatch(PROBLEM_JSON);
    expect((await app.inject({ method: "DELETE", url: "/api/auth/tokens/nope", headers: as(adminToken) })).statusCode).toBe(400);
  });

  it("refuse bad requests with every problem listed, issuing nothing", async () => {
    const before = await tokenCount();
    const res = await createToken(as(adminToken), { name: "", role: "root", scopes: ["Not A Scope"], ttlSeconds: 10 ** 12, extra: true });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { errors: { path: string; message: string }[] };
    expect(body.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["/body/extra", "/body/name", "/body/role", "/body/scopes/0"]));
    expect(body.errors.find((e) => e.path === "/body/extra")?.message).toBe("is not an allowed property");
    const tooLong = await createToken(as(adminToken), { name: "x", role: "viewer", scopes: [], ttlSeconds: 10 ** 12 });
    expect((tooLong.json() as { errors: unknown[] }).errors).toEqual([{ path: "/body/ttlSeconds", message: "must be <= 31622400" }]);
    expect(await tokenCount()).toBe(before);
  });

  it("are for admins only: 401 without a token, 403 for weaker roles and services, each counted", async () => {
    const operator = (await createToken(as(adminToken), { name: "op", role: "operator", scopes: [], ttlSeconds: 3600 })).json() as { token: string };
    const svc = issueServiceToken("brain", SECRET, clock, 60_000);
    expect((await createToken({}, { name: "x", role: "admin", scopes: [], ttlSeconds: 3600 })).statusCode).toBe(401);
    expect((await createToken(as(operator.token), { name: "x", role: "admin", scopes: [], ttlSeconds: 3600 })).statusCode).toBe(403);
    expect((await createToken(as(svc), { name: "x", role: "admin", scopes: [], ttlSeconds: 3600 })).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/api/auth/tokens", headers: as(operator.token) })).statusCode).toBe(403);
    expect((await app.inject({ method: "DELETE", url: `/api/auth/tokens/${UNKNOWN_ID}`, headers: as(operator.token) })).statusCode).toBe(403);
    expect(await metricValue(metrics, "titan_console_auth_failures_total", { reason: "insufficient_role", route: "/api/auth/tokens" })).toBe(2);
    expect(await metricValue(metrics, "titan_console_auth_failures_total", { reason: "service_not_allowed", route: "/api/auth/tokens" })).toBe(1);
    expect(await metricValue(metrics, "titan_console_auth_failures_total", { reason: "missing_credentials", route: "/api/auth/tokens" })).toBe(1);
  });

  it("tell a service who it is", async () => {
    const res = await app.inject({ method: "GET", url: "/api/auth/whoami", headers: as(issueServiceToken("scavenger", SECRET, clock, 60_000)) });
    expect(res.json()).toEqual({ kind: "service", id: "scavenger", name: "scavenger", role: "viewer", scopes: [] });
  });

  it("audit every issue and revocation with the admin as actor, and keep the chain valid", async () => {
    const created = (await createToken(as(adminToken), { name: "audited", role: "viewer", scopes: [], ttlSeconds: 3600 })).json() as { id: string; token: string };
    await app.inject({ method: "DELETE", url: `/api/auth/tokens/${created.id}?reason=done`, headers: as(adminToken) });
    const events = (await listAuditEvents(consoleDb, { limit: 1000 })).filter((e) => e.target === `api-token:${created.id}`);
    const adminId = (await app.inject({ method: "GET", url: "/api/auth/whoami", headers: as(adminToken) })).json() as { id: string };
    expect(events.map((e) => [e.action, e.actor.id, e.service, e.reason])).toEqual([
      ["token.create", adminId.id, "console", null],
      ["token.revoke", adminId.id, "console", "done"],
    ]);
    expect(JSON.stringify(events)).not.toContain(created.token.slice(-43));
    expect(await verifyAuditChain(consoleDb)).toMatchObject({ ok: true });
  });

  it("declare every route's policy: mutations for admins, whoami for anyone authenticated", () => {
    const policies = Object.fromEntries(listRouteAuth(app).filter((r) => r.url.startsWith("/api/auth")).map((r) => [`${r.method} ${r.url}`, r.policy]));
    expect(policies["POST /api/auth/tokens"]).toEqual({ kind: "protected", role: "admin", service: false, scope: null });
    expect(policies["DELETE /api/auth/tokens/:id"]).toEqual({ kind: "protected", role: "admin", service: false, scope: null });
    expect(policies["GET /api/auth/tokens"]).toMatchObject({ role: "admin" });
    expect(policies["GET /api/auth/whoami"]).toEqual({ kind: "protected", role: "viewer", service: true, scope: null });
  });

  it("never log a token", () => {
    expect(log.lines.join("\n")).not.toContain(adminToken.slice(-43));
  });
});
