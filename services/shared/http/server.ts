// The Fastify bootstrap every service shares. Plugins load in tiers: external (security headers, rate
// limit, OpenAPI), then ours (auth policy, health, metrics), then the routes the caller adds.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Server as TlsServer } from "node:tls";
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
import { HttpProblem, PROBLEM_TYPES, installProblemHandler, problemBody, sendProblem } from "./problem.js";
import { installInputGuard } from "./input-guard.js";
import { describeCertificate, loadTlsFiles, watchTlsFiles, type TlsFiles } from "./tls.js";

export const DOCS_PREFIX = "/docs";

/**
 * Slow clients (issue 12): the headers must arrive within HEADERS_TIMEOUT_MS and the whole request,
 * body included, within REQUEST_TIMEOUT_MS (a 1 MiB body at 35 KB/s), else Node answers 408 and
 * closes. Fastify leaves the whole-request limit off, so a client trickling its body held a
 * connection for ever. Node checks its connections every CONNECTION_CHECK_INTERVAL_MS.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const CONNECTION_CHECK_INTERVAL_MS = 1_000;

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
  /** HTTPS with TLS 1.3 only, the files re-read when they change; plain HTTP when absent (in-process tests). */
  readonly tls?: TlsFiles & { readonly reloadIntervalMs?: number };
  /** Slow-client limits (defaults HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS); tests shorten them. */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
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
  const tls = opts.tls ? loadTlsFiles(opts.tls) : undefined;

  const app = Fastify({
    ...(tls ? { https: tls.options } : {}),
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy ?? ["127.0.0.1", "::1"],
    genReqId: requestId,
    return503OnClosing: true,
    // A malformed URL or an over-long path parameter is refused by the router before any route or
    // error handler runs: answer it as problem+json like every other refusal.
    frameworkErrors: (error, request, reply) => {
      const status = typeof error.statusCode === "number" && error.statusCode < 500 ? error.statusCode : 400;
      return sendProblem(reply, problemBody(request, status, error.message));
    },
  }) as unknown as FastifyInstance; // an https.Server under HTTPS: the same listen/close/address surface
  if (opts.tls && tls) {
    const stopWatching = watchTlsFiles(app.server as unknown as TlsServer, opts.tls, tls.certificate, {
      ...(opts.tls.reloadIntervalMs !== undefined ? { intervalMs: opts.tls.reloadIntervalMs } : {}),
      onReload: (certificate) => opts.logger.info({ certificate: describeCertificate(certificate) }, "TLS certificate reloaded"),
      onError: (err) => opts.logger.warn({ err: err.message }, "TLS files changed but cannot be used; still serving the previous certificate"),
    });
    app.addHook("onClose", async () => stopWatching());
  }
  const headersTimeoutMs = opts.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  if (!(headersTimeoutMs > 0 && requestTimeoutMs >= headersTimeoutMs)) throw new RangeError("headersTimeoutMs must be positive and requestTimeoutMs at least as long");
  app.server.headersTimeout = headersTimeoutMs;
  app.server.requestTimeout = requestTimeoutMs;
  // A ServerOptions field that @types/node 20 does not declare on the server; Node reads it at listen.
  (app.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(CONNECTION_CHECK_INTERVAL_MS, headersTimeoutMs);
  // TypeBox validation: strict for bodies (no coercion), converting for query strings and params.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installProblemHandler(app);
  installInputGuard(app);

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
