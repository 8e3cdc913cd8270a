// Health, readiness, metrics and the request-duration histogram every service exposes.
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { ServiceName } from "../../../ops/services.js";
import { HealthLiveSchema, HealthReadySchema, type HealthCheck } from "../contracts/index.js";
import type { ServiceMetrics } from "../metrics.js";

export type ReadinessChecks = Readonly<Record<string, () => Promise<boolean>>>;

/** Check names as the readiness body allows them. */
export const CHECK_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/**
 * Runs one check with a deadline; a check that throws or hangs counts as failed, never as a crash.
 * The reason given is ours, never the error's message, which may carry a connection string.
 */
export const runCheck = async (check: () => Promise<boolean>, timeoutMs: number): Promise<HealthCheck> => {
  const started = performance.now();
  const latency = (): number => (performance.now() - started) / 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([check().then((ok) => (ok ? "ok" : "failed")), timeout]);
    if (outcome === "ok") return { status: "ok", latencySeconds: latency() };
    return { status: "fail", latencySeconds: latency(), error: outcome === "timeout" ? `no answer within ${timeoutMs} ms` : "reported not ready" };
  } catch {
    return { status: "fail", latencySeconds: latency(), error: "the check failed with an error (see the service log)" };
  } finally {
    clearTimeout(timer);
  }
};

export interface ObservabilityOptions {
  readonly service: ServiceName;
  readonly version: string;
  readonly metrics: ServiceMetrics;
  readonly readiness: ReadinessChecks;
  readonly readinessTimeoutMs: number;
  /** Tells replicas apart in health answers. */
  readonly instanceId: string;
}

const observability = async (app: FastifyInstance, opts: ObservabilityOptions): Promise<void> => {
  const badNames = Object.keys(opts.readiness).filter((name) => !CHECK_NAME_PATTERN.test(name));
  if (badNames.length > 0) throw new Error(`readiness check names must match ${CHECK_NAME_PATTERN}: ${badNames.join(", ")}`);
  const duration = opts.metrics.histogram("http_request_duration_seconds", "HTTP request duration by route pattern", ["method", "route", "status_code"]);
  app.addHook("onResponse", async (request, reply) => {
    // The route pattern, never the raw URL: ids and junk paths must not explode the label set.
    duration.observe({ method: request.method, route: request.routeOptions.url ?? "unmatched", status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const exempt = { auth: "public" as const, rateLimit: false as const };
  app.get("/health/live", { config: exempt, schema: { tags: ["health"], security: [], response: { 200: HealthLiveSchema } } }, async () => ({
    status: "ok" as const,
    service: opts.service,
    instanceId: opts.instanceId,
    uptimeSeconds: process.uptime(),
  }));

  app.get("/health/ready", { config: exempt, schema: { tags: ["health"], security: [], response: { 200: HealthReadySchema, 503: HealthReadySchema } } }, async (request, reply) => {
    const names = Object.keys(opts.readiness);
    const results = await Promise.all(names.map((name) => runCheck(opts.readiness[name] as () => Promise<boolean>, opts.readinessTimeoutMs)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] as HealthCheck]));
    const ready = results.every((r) => r.status === "ok");
    if (!ready) request.log.warn({ checks }, "not ready");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "fail", service: opts.service, instanceId: opts.instanceId, checks });
  });

  app.get("/metrics", { config: exempt, schema: { tags: ["health"], security: [], hide: true } }, async (_request, reply) => {
    const text = await opts.metrics.registry.metrics();
    return reply.type(opts.metrics.registry.contentType).send(text);
  });
};

export const observabilityPlugin = fp(observability, { name: "titan-observability", fastify: "5.x", dependencies: ["titan-auth-policy"] });
