// A service's HTTP server as buildHttpServer makes it, with its log lines captured for inspection.
import { Writable } from "node:stream";
import pino from "pino";
import type { ServiceName } from "../../../ops/services.js";
import type { Authenticator } from "../../../services/shared/auth/index.js";
import { buildHttpServer, type HttpServerOptions } from "../../../services/shared/http/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";

export interface CapturedLogger {
  readonly logger: pino.Logger;
  /** Every line written so far, raw JSON text. */
  readonly lines: string[];
}

export const captureLogger = (): CapturedLogger => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
};

export const testServer = async (authenticator: Authenticator, overrides: Partial<HttpServerOptions> & { service?: ServiceName } = {}) => {
  const log = captureLogger();
  const metrics = new ServiceMetrics(overrides.service ?? "brain", { defaultMetrics: false });
  const app = await buildHttpServer({
    service: overrides.service ?? "brain",
    logger: log.logger,
    metrics,
    authenticator,
    readiness: {},
    rateLimitPerMinute: 10_000,
    bodyLimitBytes: 64 * 1024,
    version: "1.2.3",
    ...overrides,
  });
  return { app, metrics, log };
};

/** The value of a counter or histogram series in prom-client's JSON form, 0 when absent. */
export const metricValue = async (metrics: ServiceMetrics, name: string, labels: Record<string, string>): Promise<number> => {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val));
  return found?.value ?? 0;
};
