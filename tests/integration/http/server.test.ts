import { Type } from "typebox";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator, issueApiToken, issueServiceToken, type Role } from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Database } from "../../../services/shared/db/database.js";
import { RouteAuthDeclarationError, listRouteAuth } from "../../../services/shared/http/index.js";
import type { ServiceMetrics } from "../../../services/shared/metrics.js";
import { provisionedTestDatabase } from "../auth/provisioned-database.js";
import { metricValue, testServer, type CapturedLogger } from "./test-server.js";

const SECRET = "test-service-token-secret-0123456789abcdef";
const clock = new ManualClock();
let consoleDb: Database;
let brainDb: Database;
const tokens = {} as Record<Role, string>;
let app: FastifyInstance;
let metrics: ServiceMetrics;
let log: CapturedLogger;
let healthy = true;

const PROBLEM_JSON = /^application\/problem\+json(; charset=utf-8)?$/;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

const addRoutes = (server: FastifyInstance): void => {
  server.get("/things/:id", { schema: { params: Type.Object({ id: Type.Integer() }) } }, async (request) => ({ id: (request.params as { id: number }).id }));
  server.post(
    "/things",
    { config: { auth: { role: "operator" } }, schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) } },
    async (request, reply) => reply.code(201).send(request.body),
  );
  server.delete("/things/:id", { config: { auth: { role: "admin" } } }, async () => ({ deleted: true }));
  server.post("/boom", { config: { auth: { role: "operator" } } }, async () => {
    throw new Error("connection to postgres://titan:hunter2@db failed");
  });
  server.get("/open", { config: { auth: "public" } }, async () => ({ open: true }));
  server.post("/internal", { config: { auth: { service: true } } }, async (request) => ({ caller: request.principal?.id }));
};

beforeAll(async () => {
  const pg = await provisionedTestDatabase("http");
  consoleDb = pg.connect("console");
  brainDb = pg.connect("brain");
  for (const role of ["viewer", "operator", "admin"] as const) {
    const issued = await consoleDb.transaction((tx) =>
      issueApiToken(tx, { name: `${role} token`, role, scopes: [], ttlSeconds: 86_400 }, { clock, actor: { kind: "system", id: "test", name: "test" }, service: "console" }),
    );
    tokens[role] = issued.token;
  }
  const built = await testServer(createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }), {
    readiness: { postgres: () => brainDb.ping(), flaky: async () => healthy },
    readinessTimeoutMs: 200,
  });
  ({ app, metrics, log } = built);
  addRoutes(app);
  await app.ready();
});

describe("route registration", () => {
  it("refuses a mutating route without an auth declaration, or declared public", async () => {
    const { app: fresh } = await testServer(createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }));
    expect(() => fresh.post("/unguarded", async () => "x")).toThrow(RouteAuthDeclarationError);
    expect(() => fresh.delete("/open-door", { config: { auth: "public" } }, async () => "x")).toThrow(/cannot be public/);
    expect(() => fresh.put("/typo", { config: { auth: { roles: "admin" } as never } }, async () => "x")).toThrow(/unknown keys/);
    await fresh.close();
  });

  it("lists every route with its policy, read routes defaulting to viewer and the docs public", () => {
    const routes = listRouteAuth(app);
    const find = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url);
    expect(find("GET", "/things/:id")).toMatchObject({ declared: false, policy: { kind: "protected", role: "viewer" } });
    expect(find("HEAD", "/things/:id")).toMatchObject({ policy: { kind: "protected", role: "viewer" } });
    expect(find("POST", "/things")).toMatchObject({ declared: true, policy: { role: "operator" } });
    expect(find("GET", "/health/ready")?.policy).toEqual({ kind: "public" });
    expect(find("GET", "/docs/json")?.policy).toEqual({ kind: "public" });
  });
});

describe("authentication and authorisation", () => {
  it("answers 401 problem+json with a Bearer challenge when the token is missing or invalid, counting each", async () => {
    const before = await metricValue(metrics, "titan_brain_auth_failures_total", { reason: "missing_credentials", route: "/things/:id" });
    const missing = await app.inject({ method: "GET", url: "/things/7" });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["content-type"]).toMatch(PROBLEM_JSON);
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="titan"');
    expect(missing.json()).toMatchObject({ type: "urn:titan:problem:unauthenticated", title: "Unauthorized", status: 401, instance: "/things/7" });
    expect(await metricValue(metrics, "titan_brain_auth_failures_total", { reason: "missing_credentials", route: "/things/:id" })).toBe(before + 1);

    const invalid = await app.inject({ method: "GET", url: "/things/7", headers: as(`ttn_ffffffff-ffff-4fff-8fff-ffffffffffff_${"A".repeat(43)}`) });
    expect(invalid.statusCode).toBe(401);
    expect(invalid.headers["www-authenticate"]).toBe('Bearer realm="titan", error="invalid_token"');
    expect(await metricValue(metrics, "titan_brain_auth_failures_total", { reason: "invalid_token", route: "/things/:id" })).toBeGreaterThanOrEqual(1);
  });

  it("answers 403 when the role is too weak, counting it, and admits the role declared", async () => {
    const weak = await app.inject({ method: "POST", url: "/things", headers: as(tokens.viewer), payload: { name: "a", qty: 1 } });
    expect(weak.statusCode).toBe(403);
    expect(weak.json()).toMatchObject({ status: 403, detail: "this route needs the operator role or stronger" });
    expect(await metricValue(metrics, "titan_brain_auth_failures_total", { reason: "insufficient_role", route: "/things" })).toBe(1);
    const ok = await app.inject({ method: "POST", url: "/things", headers: as(tokens.operator), payload: { name: "a", qty: 1 } });
    expect(ok.statusCode).toBe(201);
    expect((await app.inject({ method: "GET", url: "/things/7", headers: as(tokens.viewer) })).json()).toEqual({ id: 7 });
  });

  it("answers 401, not 400, to an unauthenticated request with a bad body: no schema is revealed", async () => {
    const res = await app.inject({ method: "POST", url: "/things", payload: { nonsense: true } });
    expect(res.statusCode).toBe(401);
  });

  it("admits service tokens only where a route opens to services", async () => {
    const svc = issueServiceToken("execution", SECRET, clock, 60_000);
    expect((await app.inject({ method: "POST", url: "/internal", headers: as(svc) })).json()).toEqual({ caller: "execution" });
    expect((await app.inject({ method: "POST", url: "/internal", headers: as(tokens.admin) })).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: "/things/1", headers: as(svc) })).statusCode).toBe(403);
  });

  it("serves public routes without a principal", async () => {
    expect((await app.inject({ method: "GET", url: "/open" })).json()).toEqual({ open: true });
  });

  it("answers 503, not 401, when authentication cannot reach PostgreSQL", async () => {
    const { createDatabase } = await import("../../../services/shared/db/database.js");
    const down = createDatabase({ url: "postgres://postgres@127.0.0.1:1/none", applicationName: "down", connectTimeoutMs: 200 });
    const { app: broken } = await testServer(createAuthenticator({ db: down, serviceTokenSecret: SECRET, clock }));
    broken.get("/x", async () => "x");
    const res = await broken.inject({ method: "GET", url: "/x", headers: as(tokens.viewer) });
    expect(res.statusCode).toBe(503);
    expect(res.headers["content-type"]).toMatch(PROBLEM_JSON);
    await broken.close();
    await down.close();
  });

  it("never writes a token to the logs", () => {
    const text = log.lines.join("\n");
    for (const token of Object.values(tokens)) expect(text).not.toContain(token.slice(-43));
  });
});

describe("the route walk", () => {
  it("finds every mutating route refusing callers without a principal (401) and with too weak a role (403)", async () => {
    const mutating = listRouteAuth(app).filter((r) => !["GET", "HEAD", "OPTIONS"].includes(r.method));
    expect(mutating.length).toBeGreaterThanOrEqual(4);
    for (const route of mutating) {
      const url = route.url.replace(/:(\w+)/g, "1");
      const anonymous = await app.inject({ method: route.method as "POST", url });
      expect(anonymous.statusCode, `${route.method} ${route.url} without a principal`).toBe(401);
      if (route.policy.kind === "protected" && route.policy.role !== "viewer") {
        const viewer = await app.inject({ method: route.method as "POST", url, headers: as(tokens.viewer) });
        expect(viewer.statusCode, `${route.method} ${route.url} as a viewer`).toBe(403);
      }
    }
  });
});

describe("problem+json errors", () => {
  it("answers 400 with every validation problem listed", async () => {
    const res = await app.inject({ method: "POST", url: "/things", headers: as(tokens.operator), payload: { name: "", qty: 0, extra: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(PROBLEM_JSON);
    const body = res.json() as { type: string; title: string; status: number; detail: string; instance: string; errors: { path: string; message: string }[] };
    expect(body).toMatchObject({ type: "urn:titan:problem:validation", title: "Invalid request", status: 400, instance: "/things" });
    const paths = body.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["/body/name", "/body/qty"]));
    expect(body.errors.some((e) => /additional/.test(e.message))).toBe(true);
  });

  it("answers 400 to a malformed path parameter and to unparseable JSON", async () => {
    expect((await app.inject({ method: "GET", url: "/things/abc", headers: as(tokens.viewer) })).json()).toMatchObject({ status: 400, errors: [{ path: "/params/id" }] });
    const badJson = await app.inject({ method: "POST", url: "/things", headers: { ...as(tokens.operator), "content-type": "application/json" }, payload: "{nope" });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.headers["content-type"]).toMatch(PROBLEM_JSON);
  });

  it("answers 404 problem+json for unknown routes", async () => {
    const res = await app.inject({ method: "GET", url: "/no/such/route?x=1" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(PROBLEM_JSON);
    expect(res.json()).toMatchObject({ status: 404, title: "Not Found", instance: "/no/such/route" });
  });

  it("answers 500 with a generic message, logging the error in full and leaking nothing", async () => {
    const res = await app.inject({ method: "POST", url: "/boom", headers: as(tokens.operator) });
    expect(res.statusCode).toBe(500);
    expect(res.headers["content-type"]).toMatch(PROBLEM_JSON);
    const requestId = res.headers["x-request-id"];
    expect(typeof requestId).toBe("string");
    expect(res.json()).toEqual({ type: "urn:titan:problem:internal", status: 500, title: "Internal Server Error", detail: "The server could not complete the request; the error has been logged.", instance: "/boom" });
    expect(res.body).not.toMatch(/hunter2|postgres:|at .*\.ts|stack/);
    const logged = log.lines.find((l) => l.includes("hunter2"));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged as string)).toMatchObject({ level: 50, reqId: requestId, err: { stack: expect.stringContaining("Error") } });
  });
});

describe("health and metrics", () => {
  it("/health/live answers 200 without a principal", async () => {
    const res = await app.inject({ method: "GET", url: "/health/live" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", service: "brain", instanceId: expect.any(String), uptimeSeconds: expect.any(Number) });
  });

  it("/health/ready answers 200 when every check passes, and 503 naming the one that failed", async () => {
    healthy = true;
    const ready = await app.inject({ method: "GET", url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ok", service: "brain", checks: { postgres: { status: "ok" }, flaky: { status: "ok" } } });
    healthy = false;
    const notReady = await app.inject({ method: "GET", url: "/health/ready" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: "fail", checks: { postgres: { status: "ok" }, flaky: { status: "fail", error: "reported not ready" } } });
    healthy = true;
  });

  it("/health/ready fails a check that hangs or throws, within its timeout", async () => {
    const { app: slow } = await testServer(createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }), {
      readiness: { hangs: () => new Promise<boolean>(() => undefined), throws: async () => { throw new Error("redis down"); } },
      readinessTimeoutMs: 100,
    });
    const started = performance.now();
    const res = await slow.inject({ method: "GET", url: "/health/ready" });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: "fail", checks: { hangs: { status: "fail", error: "no answer within 100 ms" }, throws: { status: "fail" } } });
    expect(res.body).not.toContain("redis down");
    await slow.close();
  });

  it("/metrics exposes the request histogram by route pattern, never the raw URL", async () => {
    await app.inject({ method: "GET", url: "/things/12345", headers: as(tokens.viewer) });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const series = res.body.split("\n").filter((l) => l.startsWith("titan_brain_http_request_duration_seconds_count{"));
    expect(series.some((l) => ['method="GET"', 'route="/things/:id"', 'status_code="200"'].every((label) => l.includes(label)))).toBe(true);
    expect(series.some((l) => ['route="unmatched"', 'status_code="404"'].every((label) => l.includes(label)))).toBe(true);
    expect(res.body).toContain('titan_brain_http_request_duration_seconds_bucket{le="0.0001"');
    expect(res.body).not.toContain("/things/12345");
    expect(res.body).toContain("titan_brain_auth_failures_total");
  });
});

describe("security headers, OpenAPI and rate limits", () => {
  it("sets security headers", async () => {
    const res = await app.inject({ method: "GET", url: "/health/live" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["strict-transport-security"]).toBeDefined();
  });

  it("serves the OpenAPI document from the route schemas, and its UI at /docs, without a principal", async () => {
    const spec = (await app.inject({ method: "GET", url: "/docs/json" })).json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/things/{id}", "/things", "/health/ready"]));
    expect(spec.paths["/things"]?.post?.requestBody).toBeDefined();
    const ui = await app.inject({ method: "GET", url: "/docs/" });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers["content-type"]).toMatch(/text\/html/);
  });

  it("limits requests per principal, answering 429 problem+json, and exempts health and metrics", async () => {
    const { app: limited } = await testServer(createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }), { rateLimitPerMinute: 3 });
    limited.get("/x", async () => "x");
    for (let i = 0; i < 3; i += 1) expect((await limited.inject({ method: "GET", url: "/x", headers: as(tokens.viewer) })).statusCode).toBe(200);
    const limitedRes = await limited.inject({ method: "GET", url: "/x", headers: as(tokens.viewer) });
    expect(limitedRes.statusCode).toBe(429);
    expect(limitedRes.headers["content-type"]).toMatch(PROBLEM_JSON);
    expect(limitedRes.headers["retry-after"]).toBeDefined();
    expect(limitedRes.json()).toMatchObject({ status: 429, type: "urn:titan:problem:rate-limited" });
    // Another principal has its own budget.
    expect((await limited.inject({ method: "GET", url: "/x", headers: as(tokens.operator) })).statusCode).toBe(200);
    for (let i = 0; i < 10; i += 1) {
      expect((await limited.inject({ method: "GET", url: "/health/live" })).statusCode).toBe(200);
      expect((await limited.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(200);
    }
    await limited.close();
  });

  it("limits failed authentication attempts by IP", async () => {
    const { app: limited } = await testServer(createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }), { rateLimitPerMinute: 2 });
    limited.get("/x", async () => "x");
    const codes: number[] = [];
    for (let i = 0; i < 4; i += 1) codes.push((await limited.inject({ method: "GET", url: "/x", headers: as("ttn_bad") })).statusCode);
    expect(codes).toEqual([401, 401, 429, 429]);
    await limited.close();
  });
});
