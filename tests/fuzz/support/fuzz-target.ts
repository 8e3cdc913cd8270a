// A service started in this process for fuzzing: its own database and Redis keyspace in the shared
// test servers, real migrations, real authentication (API tokens for every role, a service token), its
// routes with the schemas they were registered with, its log lines captured, and the table checksum.
import type { FastifyInstance } from "fastify";
import type { ServiceName } from "../../../ops/services.js";
import { issueApiToken, issueServiceToken, type Role } from "../../../services/shared/auth/index.js";
import { systemClock } from "../../../services/shared/clock.js";
import type { CommonConfig } from "../../../services/shared/config/index.js";
import { createDatabase } from "../../../services/shared/db/database.js";
import { listRouteAuth, type RouteAuthEntry } from "../../../services/shared/http/index.js";
import { runService, type RunningService, type ServiceDefinition } from "../../../services/shared/runtime.js";
import { SERVICE_TOKEN_SECRET, provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { HeldTimersClock } from "./held-clock.js";
import type { Credential, Endpoint, EndpointSchemas } from "./http-case.js";
import { captureServiceLogs, type LogCapture } from "./log-capture.js";
import type { JsonSchema } from "./schema-arbitrary.js";
import { TableChecksummer } from "./table-checksum.js";

export interface FuzzEndpoint extends Endpoint {
  readonly policy: RouteAuthEntry["policy"];
}

export interface FuzzTarget<S extends ServiceName = ServiceName> {
  readonly service: S;
  readonly running: RunningService<S>;
  readonly app: FastifyInstance;
  readonly db: TestDatabase;
  readonly logs: LogCapture;
  readonly checksums: TableChecksummer;
  readonly clock: HeldTimersClock;
  /** Every registered route, with the schemas it validates against. */
  readonly endpoints: readonly FuzzEndpoint[];
  /** The Authorization header each credential sends (none for `none`). */
  readonly authorization: Readonly<Record<Exclude<Credential, "none" | "junk">, string>>;
  readonly bodyLimitBytes: number;
  stop(): Promise<void>;
}

export interface FuzzTargetOptions {
  /** Variables on top of the test environment (the rate limit is lifted unless this sets one). */
  readonly env?: NodeJS.ProcessEnv;
  /** A database made by the caller (to share one between services); a new one otherwise. */
  readonly db?: TestDatabase;
}

const routeKey = (method: string, url: string): string => `${method} ${url}`;

/** Wraps a definition so every route it registers leaves its schemas behind. */
const capturingSchemas = <S extends ServiceName>(def: ServiceDefinition<S>, into: Map<string, EndpointSchemas>): ServiceDefinition<S> => ({
  ...def,
  routes: async (app, ctx) => {
    app.addHook("onRoute", (route) => {
      const schema = (route.schema ?? {}) as { body?: JsonSchema; querystring?: JsonSchema; params?: JsonSchema };
      const captured: EndpointSchemas = {
        ...(schema.body ? { body: schema.body } : {}),
        ...(schema.querystring ? { querystring: schema.querystring } : {}),
        ...(schema.params ? { params: schema.params } : {}),
      };
      for (const method of [route.method].flat()) into.set(routeKey(method, route.url), captured);
    });
    await def.routes?.(app, ctx);
  },
});

const issueTokens = async (db: TestDatabase): Promise<Record<Role, string>> => {
  const admin = createDatabase({ url: db.url, applicationName: "fuzz-token-issuer" });
  try {
    const tokens = {} as Record<Role, string>;
    for (const role of ["viewer", "operator", "admin"] as const) {
      const issued = await admin.transaction((tx) =>
        issueApiToken(tx, { name: `fuzz-${role}`, role, scopes: [], ttlSeconds: 7 * 86_400 }, { clock: systemClock, actor: { kind: "system", id: "fuzz", name: "fuzz harness" }, service: "console" }),
      );
      tokens[role] = issued.token;
    }
    return tokens;
  } finally {
    await admin.close();
  }
};

export const startFuzzTarget = async <S extends ServiceName>(def: ServiceDefinition<S>, opts: FuzzTargetOptions = {}): Promise<FuzzTarget<S>> => {
  const db = opts.db ?? (await withTestDatabase(`fuzz_${def.service.replace(/-/g, "_")}`));
  if (opts.db === undefined) await provisionTestDatabase(db);
  const tokens = await issueTokens(db);
  const schemas = new Map<string, EndpointSchemas>();
  const clock = new HeldTimersClock();
  const env = { ...serviceEnv(def.service, db), TITAN_LOG_LEVEL: "warn", TITAN_RATE_LIMIT_PER_MINUTE: "1000000", ...opts.env };
  const running = await runService(capturingSchemas(def, schemas), { env, clock });
  const logs = captureServiceLogs(running.ctx.logger);
  const endpoints = listRouteAuth(running.app).map((r) => ({ method: r.method, url: r.url, policy: r.policy, schemas: schemas.get(routeKey(r.method, r.url)) ?? {} }));
  const serviceToken = issueServiceToken("console", SERVICE_TOKEN_SECRET, systemClock, 24 * 3_600_000);
  return {
    service: def.service,
    running,
    app: running.app,
    db,
    logs,
    // Any authenticated request may record the token's last use (the console's authenticator does).
    checksums: new TableChecksummer(db.pool, { ignoreColumns: { "auth.api_tokens": ["last_used_at"] } }),
    clock,
    endpoints,
    authorization: { admin: `Bearer ${tokens.admin}`, operator: `Bearer ${tokens.operator}`, viewer: `Bearer ${tokens.viewer}`, service: `Bearer ${serviceToken}` },
    bodyLimitBytes: (running.ctx.config as CommonConfig).bodyLimitBytes,
    stop: () => running.stop(),
  };
};
