// Walks every registered route of every HTTP service: a mutating route must refuse a caller without a
// principal (401) and one whose role is too weak (403), and each refusal is counted in the metric.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_NAMES, SERVICES, type ServiceName } from "../../../ops/services.js";
import { issueApiToken, type Role } from "../../../services/shared/auth/index.js";
import { systemClock } from "../../../services/shared/clock.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { isMutatingMethod, listRouteAuth } from "../../../services/shared/http/index.js";
import { runService, type RunningService, type ServiceDefinition } from "../../../services/shared/runtime.js";
import { brainService } from "../../../services/brain/service.js";
import { consoleService } from "../../../services/console/service.js";
import { executionService } from "../../../services/execution/service.js";
import { scavengerService } from "../../../services/scavenger/service.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase } from "../../support/test-database.js";

interface Started {
  readonly service: ServiceName;
  readonly app: RunningService["app"];
  readonly metrics: RunningService["ctx"]["metrics"];
  stop(): Promise<void>;
}

const start = async <S extends ServiceName>(def: ServiceDefinition<S>, env: NodeJS.ProcessEnv): Promise<Started> => {
  const r = await runService(def, { env });
  return { service: r.ctx.service, app: r.app, metrics: r.ctx.metrics, stop: () => r.stop() };
};

const DEFINITIONS = { brain: brainService, execution: executionService, console: consoleService, scavenger: scavengerService };
const HTTP_SERVICES = SERVICE_NAMES.filter((s) => SERVICES[s].httpPort !== null) as Array<keyof typeof DEFINITIONS>;
const WEAKER: Record<Role, Role | null> = { viewer: null, operator: "viewer", admin: "operator" };

/** Fills `:param` segments so the request reaches the route's handler chain. */
const concreteUrl = (pattern: string): string => pattern.replace(/:[A-Za-z_]+/g, "x").replace(/\*$/, "x");

describe("every mutating route of every service checks who is calling", () => {
  const running: Started[] = [];
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    const db = await withTestDatabase("routewalk");
    await provisionTestDatabase(db);
    const admin = createDatabase({ url: db.url, applicationName: "route-walk-test" });
    for (const role of ["viewer", "operator", "admin"] as const) {
      const issued = await admin.transaction((tx) =>
        issueApiToken(tx, { name: `walk-${role}`, role, scopes: [], ttlSeconds: 3_600 }, { clock: systemClock, actor: { kind: "system", id: "test", name: "route walk" }, service: "console" }),
      );
      tokens.set(role, issued.token);
    }
    await admin.close();
    for (const service of HTTP_SERVICES) running.push(await start<typeof service>(DEFINITIONS[service] as ServiceDefinition<typeof service>, serviceEnv(service, db)));
  });

  afterAll(async () => {
    for (const r of running) await r.stop();
  });

  it("finds routes on every service, and the console's token routes among them", () => {
    expect(running.map((r) => r.service).sort()).toEqual([...HTTP_SERVICES].sort());
    const consoleRoutes = listRouteAuth(running.find((r) => r.service === "console")!.app);
    expect(consoleRoutes.some((r) => r.method === "POST" && r.url === "/api/auth/tokens")).toBe(true);
  });

  it("answers 401 without a principal and 403 with too weak a role on every mutating route", async () => {
    let checked = 0;
    for (const r of running) {
      const before = await failuresCounted(r);
      let refusals = 0;
      for (const route of listRouteAuth(r.app)) {
        if (!isMutatingMethod(route.method)) continue;
        expect(route.policy.kind, `${r.service} ${route.method} ${route.url} must not be public`).toBe("protected");
        if (route.policy.kind !== "protected") continue;
        const url = concreteUrl(route.url);
        const anonymous = await r.app.inject({ method: route.method as "POST", url, payload: {} });
        expect(anonymous.statusCode, `${r.service} ${route.method} ${route.url} without a token`).toBe(401);
        refusals++;
        const weaker = route.policy.role === null ? "admin" : WEAKER[route.policy.role];
        if (weaker !== null) {
          const weak = await r.app.inject({ method: route.method as "POST", url, payload: {}, headers: { authorization: `Bearer ${tokens.get(weaker)}` } });
          expect(weak.statusCode, `${r.service} ${route.method} ${route.url} as ${weaker}`).toBe(403);
          refusals++;
        }
        checked++;
      }
      expect(await failuresCounted(r)).toBe(before + refusals);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("lets a strong enough role through the policy", async () => {
    const consoleApp = running.find((r) => r.service === "console")!.app;
    const res = await consoleApp.inject({ method: "GET", url: "/api/auth/tokens", headers: { authorization: `Bearer ${tokens.get("admin")}` } });
    expect(res.statusCode).toBe(200);
  });
});

const failuresCounted = async (r: Started): Promise<number> => {
  const metric = await r.metrics.authFailuresTotal.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
};
