// The Fastify bootstrap every service shares. Plugins load in tiers: external (security headers, rate
// limit, OpenAPI), then ours (auth policy, health, metrics), then the routes the caller adds.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from "fastify";
import type { Logger } from "pino";
import type { ServiceName } from "../../../ops/services.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { ServiceMetrics } from "../metrics.js";
import { authPolicyPlugin } from "./auth-policy.js";
import { observabilityPlugin, type ReadinessChecks } from "./observability.js";
import { HttpProblem, PROBLEM_TYPES, installProblemHandler } from "./problem.js";

export const DOCS_PREFIX = "/docs";

/** The server with TypeBox inference: `app.withTypeProvider<TypeBoxTypeProvider>()` gives one. */
export type HttpServer = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpServerOptions {
  readonly service: ServiceName;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** Dependency name → check; /health/ready answers 503 when any fails or exceeds readinessTimeoutMs. */
  readonly readiness: ReadinessChecks;
  readonly authenticator: Authenticator;
  /** Requests per minute per principal (or per IP before authentication); health and metrics are exempt. */
  readonly rateLimitPerMinute: number;
  readonly bodyLimitBytes: number;
  readonly version?: string;
  readonly readinessTimeoutMs?: number;
  /** Serve the OpenAPI UI at /docs (default true); the spec is always built. */
  readonly docs?: boolean;
  /** Tells replicas apart in health answers (default `<hostname>-<pid>`). */
  readonly instanceId?: string;
  /** Proxies whose X-Forwarded-For is believed (default: loopback, where NGINX runs locally). */
  readonly trustProxy?: boolean | string | string[];
}

/** An incoming X-Request-Id is kept only when it looks like one, so logs cannot be fed junk. */
const requestId = (req: RawRequestDefaultExpression): string => {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID();
};

const rateLimitKey = (request: FastifyRequest): string =>
  request.principal ? `${request.principal.kind}:${request.principal.id}` : `ip:${request.ip}`;

export const buildHttpServer = async (opts: HttpServerOptions): Promise<FastifyInstance> => {
  if (!Number.isInteger(opts.rateLimitPerMinute) || opts.rateLimitPerMinute <= 0) throw new RangeError("rateLimitPerMinute must be a positive integer");
  if (!Number.isInteger(opts.bodyLimitBytes) || opts.bodyLimitBytes <= 0) throw new RangeError("bodyLimitBytes must be a positive integer");
  const version = opts.version ?? process.env.npm_package_version ?? "0.0.0";

  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy ?? ["127.0.0.1", "::1"],
    genReqId: requestId,
    return503OnClosing: true,
  });
  // TypeBox validation: strict for bodies (no coercion), converting for query strings and params.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installProblemHandler(app);

  // Tier 1: external plugins.
  await app.register(helmet, {
    // Swagger UI's stylesheet and images need these; everything else keeps helmet's defaults.
    contentSecurityPolicy: { directives: { "img-src": ["'self'", "data:"], "style-src": ["'self'", "'unsafe-inline'"] } },
  });
  await app.register(rateLimit, {
    global: false, // attached per route by the auth policy, after authentication, so the key is the principal
    max: opts.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, ctx) =>
      new HttpProblem(429, `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`, { type: PROBLEM_TYPES.rateLimited }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: `Titan ${opts.service} API`, version },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });

  // Tier 2: ours.
  await app.register(authPolicyPlugin, { authenticator: opts.authenticator, metrics: opts.metrics, rateLimiter: app.rateLimit(), publicReadPrefixes: [DOCS_PREFIX] });
  await app.register(observabilityPlugin, {
    service: opts.service,
    version,
    metrics: opts.metrics,
    readiness: opts.readiness,
    readinessTimeoutMs: opts.readinessTimeoutMs ?? 1_000,
    instanceId: opts.instanceId ?? `${hostname()}-${process.pid}`,
  });
  if (opts.docs !== false) await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  // Unknown paths are rate limited too, so probing for routes costs the prober.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request) => {
    throw new HttpProblem(404, `no route for ${request.method} ${request.url.split("?")[0] ?? ""}`, { type: PROBLEM_TYPES.notFound });
  });

  // Tier 3: the caller adds its routes.
  return app;
};
