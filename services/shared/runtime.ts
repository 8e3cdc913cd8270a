// The imperative shell every service boots through: config, logger, metrics, PostgreSQL (provisioned
// schema, migrations), Redis, the outbox relay, authentication and the HTTP server with health and
// metrics. A service supplies only its own routes, readiness checks and background workers.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { SERVICES, type ServiceName } from "../../ops/services.js";
import { createAuthenticator, type Authenticator } from "./auth/index.js";
import { systemClock, type Clock } from "./clock.js";
import { ConfigError, loadServiceConfig, withPassword, type CommonConfig, type ServiceConfig } from "./config/index.js";
import { createDatabase, type Database } from "./db/database.js";
import { migrateService } from "./db/provision.js";
import { TlsFilesError, buildHttpServer, closeGracefully } from "./http/index.js";
import { createLogger } from "./logger.js";
import { OutboxRelay } from "./messaging/index.js";
import { ServiceMetrics } from "./metrics.js";

export interface ServiceContext<S extends ServiceName = ServiceName> {
  readonly service: S;
  readonly config: ServiceConfig<S>;
  /** This process's stable name (consumer name in stream groups, instance label). */
  readonly instanceId: string;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly clock: Clock;
  readonly db: Database;
  readonly redis: Redis;
  readonly authenticator: Authenticator;
}

/** A stop function for a background worker the service started. */
export type Stopper = () => Promise<void>;

export interface ServiceDefinition<S extends ServiceName = ServiceName> {
  readonly service: S;
  /** Readiness checks beyond PostgreSQL and Redis, by dependency name. */
  readonly readiness?: (ctx: ServiceContext<S>) => Record<string, () => Promise<boolean>>;
  /** Registers the service's own routes on the shared server. */
  readonly routes?: (app: FastifyInstance, ctx: ServiceContext<S>) => Promise<void>;
  /** Starts background workers (consumers, timers) once the server is listening. */
  readonly start?: (ctx: ServiceContext<S>) => Promise<Stopper[]>;
}

export interface RunningService<S extends ServiceName = ServiceName> {
  readonly ctx: ServiceContext<S>;
  readonly app: FastifyInstance;
  /** The port actually bound (differs from the configured one when that is 0). */
  readonly port: number;
  stop(): Promise<void>;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
}

const redisPing = async (redis: Redis): Promise<boolean> => {
  if (redis.status !== "ready") return false;
  try {
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  }
};

export const runService = async <S extends ServiceName>(def: ServiceDefinition<S>, opts: RunOptions = {}): Promise<RunningService<S>> => {
  const config = loadServiceConfig(def.service, opts.env ?? process.env);
  // The runtime needs only the part every service shares; the service sees its own full config.
  const common = config as unknown as CommonConfig;
  const clock = opts.clock ?? systemClock;
  const logger = createLogger({ service: def.service, level: common.logLevel });
  const metrics = new ServiceMetrics(def.service);
  const db = createDatabase(
    {
      url: common.databaseUrl,
      ...(common.databasePassword !== undefined ? { password: common.databasePassword } : {}),
      maxConnections: common.databasePoolMax,
      applicationName: `titan-${def.service}`,
      ssl: common.databaseSsl,
    },
    metrics,
    (err) => logger.warn({ err }, "PostgreSQL: idle connection lost or after-commit hook failed"),
  );
  const stoppers: Stopper[] = [];
  try {
    // Migrations over TLS too when the pool uses it (sslmode in the URL, when given, decides for both).
    const connection = { connectionString: withPassword(common.databaseUrl, common.databasePassword), ...(common.databaseSsl ? { ssl: { rejectUnauthorized: true } } : {}) };
    const applied = await migrateService(def.service, connection, (line) => logger.debug(line));
    if (applied.length > 0) logger.info({ applied }, "migrated schema");

    // Redis reconnects forever: it is transport, and the service must recover by itself after an outage.
    const redis = new Redis(common.redisUrl, {
      ...(common.redisPassword !== undefined ? { password: common.redisPassword } : {}),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      connectionName: `titan-${def.service}`,
      // rediss:// turns TLS on; the CA bundle makes a private CA (the local stack's) trusted for it.
      ...(common.redisUrl.startsWith("rediss:") && common.tlsCaFile ? { tls: { ca: readFileSync(common.tlsCaFile) } } : {}),
    });
    redis.on("error", (err) => logger.debug({ err: err.message }, "redis connection error"));
    stoppers.push(async () => void redis.disconnect());

    const authenticator = createAuthenticator({ db, serviceTokenSecret: common.serviceTokenSecret, clock });
    const ctx: ServiceContext<S> = { service: def.service, config, instanceId: common.instanceId, logger, metrics, clock, db, redis, authenticator };

    const app = await buildHttpServer({
      service: def.service,
      logger,
      metrics,
      authenticator,
      readiness: { postgres: () => db.ping(), redis: () => redisPing(redis), ...def.readiness?.(ctx) },
      rateLimitPerMinute: common.rateLimitPerMinute,
      bodyLimitBytes: common.bodyLimitBytes,
      ...(common.tlsCertFile && common.tlsKeyFile ? { tls: { certFile: common.tlsCertFile, keyFile: common.tlsKeyFile } } : {}),
    });
    if (def.routes) await def.routes(app, ctx);
    await app.listen({ host: common.httpHost, port: common.httpPort ?? 0 });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (common.httpPort ?? 0);

    const relay = new OutboxRelay({ db, redis, clock, metrics, logger, service: def.service });
    await relay.start();
    stoppers.push(() => relay.stop());
    if (def.start) stoppers.push(...(await def.start(ctx)));
    logger.info({ port, host: common.httpHost, scheme: common.tlsCertFile ? "https" : "http" }, `${def.service} listening`);

    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await closeGracefully(app);
      for (const s of stoppers.reverse()) await s().catch((err: unknown) => logger.warn({ err }, "stopping a worker failed"));
      await db.close();
    };
    return { ctx, app, port, stop };
  } catch (err) {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
};

/** Entry point of a service process: exits 1 naming every config problem, stops cleanly on SIGTERM/SIGINT. */
export const serviceMain = async <S extends ServiceName>(def: ServiceDefinition<S>): Promise<void> => {
  let running: RunningService<S>;
  try {
    running = await runService(def);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`${def.service}: config: ${problem}\n`);
    } else if (err instanceof TlsFilesError) {
      process.stderr.write(`${def.service}: config: ${err.message}\n`); // names the variable; no stack needed
    } else {
      process.stderr.write(`${def.service}: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    running.ctx.logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void running.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
};

export const servicePort = (service: ServiceName): number | null => SERVICES[service].httpPort;
