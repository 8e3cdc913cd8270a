// The console as the shared runtime runs it: operators' logins (password + TOTP, lock-out, sessions
// with CSRF protection), user and token management, the pages and their JSON views, the emergency
// controls (sent with the operator's own authority, audited), and the live feed: every instance tails
// the bus itself and fans events out to its browsers over WebSocket, so instances scale out freely.
import { activeAdminExists } from "./adapters/user-store.js";
import { ensureBootstrapAdminToken } from "../shared/auth/index.js";
import type { Env } from "../shared/config/index.js";
import type { ServiceContext, ServiceDefinition, Stopper } from "../shared/runtime.js";
import { enrollmentStrategy, installConsoleStrategies, loginStrategy, sessionCookieStrategy } from "./adapters/auth-strategies.js";
import { alertmanagerWebhookStrategy } from "./adapters/alertmanager-auth.js";
import { ConsoleAuth } from "./adapters/console-auth.js";
import { Enrollments } from "./adapters/enrollments.js";
import { incidentMetrics } from "./adapters/incident-metrics.js";
import { LiveFeed } from "./adapters/live-feed.js";
import { LiveHub } from "./adapters/live-hub.js";
import { loadConsoleSettings, type ConsoleSettings } from "./config.js";
import { LIVE_MESSAGE_TYPES, toConsoleEvent } from "./domain/live-events.js";
import { secretBox } from "./domain/secret-box.js";
import { auditRoutes } from "./http/audit-routes.js";
import { controlRoutes } from "./http/control-routes.js";
import { incidentRoutes } from "./http/incident-routes.js";
import { registerCsrfGuard } from "./http/guards.js";
import { pageRoutes } from "./http/pages.js";
import { sessionRoutes } from "./http/session-routes.js";
import { userRoutes } from "./http/user-routes.js";
import { viewRoutes } from "./http/view-routes.js";

export interface ConsoleServiceOptions {
  /** Where the console's own variables are read; the process environment by default. */
  readonly env?: Env;
  /** How often lapsed sessions are closed (and their tokens revoked). */
  readonly sweepIntervalMs?: number;
}

export interface ConsoleParts {
  readonly settings: ConsoleSettings;
  readonly auth: ConsoleAuth;
  readonly enrollments: Enrollments;
  readonly hub: LiveHub;
}

const SWEEP_INTERVAL_MS = 60_000;

export function createConsoleService(options: ConsoleServiceOptions = {}): ServiceDefinition<"console"> & { partsOf(ctx: ServiceContext<"console">): ConsoleParts } {
  const all = new WeakMap<ServiceContext<"console">, ConsoleParts>();
  const partsOf = (ctx: ServiceContext<"console">): ConsoleParts => {
    let parts = all.get(ctx);
    if (parts === undefined) {
      const settings = loadConsoleSettings(options.env ?? process.env);
      const box = secretBox(settings.secret ?? ctx.config.serviceTokenSecret);
      const logins = ctx.metrics.counter("logins_total", "Console login attempts, by outcome", ["outcome"]);
      const auth = new ConsoleAuth({ db: ctx.db, clock: ctx.clock, box, sessionTtlMs: settings.sessionTtlMs, sessionIdleMs: settings.sessionIdleMs, onLogin: (outcome) => logins.inc({ outcome }) });
      const enrollments = new Enrollments({ db: ctx.db, clock: ctx.clock, box, auth, ttlMs: settings.enrollmentTtlMs, setupCodeFile: settings.setupCodeFile, log: (line) => ctx.logger.info(line) });
      const hub = new LiveHub({ auth, metrics: ctx.metrics, logger: ctx.logger, maxBufferedBytes: settings.wsMaxBufferedBytes, maxConnections: settings.wsMaxConnections, nowMs: () => ctx.clock.nowMs() });
      parts = { settings, auth, enrollments, hub };
      all.set(ctx, parts);
    }
    return parts;
  };

  return {
    service: "console",
    partsOf,
    routes: async (app, ctx) => {
      const { settings, auth, enrollments, hub } = partsOf(ctx);
      installConsoleStrategies(ctx.authenticator, [sessionCookieStrategy(auth), loginStrategy(auth), enrollmentStrategy(enrollments), alertmanagerWebhookStrategy(settings.alertmanagerTokenFile)]);
      const targets = { urls: settings.urls, timeoutMs: settings.upstreamTimeoutMs };
      await app.register(async (scope) => {
        registerCsrfGuard(scope, ctx.db, ctx.clock);
        await scope.register(sessionRoutes, { auth, enrollments, hub });
        await scope.register(userRoutes, { db: ctx.db, clock: ctx.clock, auth, enrollments });
        await scope.register(controlRoutes, { db: ctx.db, clock: ctx.clock, auth, targets });
        await scope.register(viewRoutes, { targets, redis: ctx.redis, alertmanagerUrl: settings.urls.alertmanager, prometheusUrl: settings.urls.prometheus, selfUrl: () => {
          const address = app.server.address();
          // The console's own listener: HTTPS when it was given a certificate, as the others are.
          const scheme = (ctx.config as { tlsCertFile?: string }).tlsCertFile ? "https" : "http";
          return `${scheme}://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
        } });
        await scope.register(auditRoutes, { db: ctx.db });
        await scope.register(incidentRoutes, { db: ctx.db, clock: ctx.clock, metrics: incidentMetrics(ctx.metrics) });
        await scope.register(pageRoutes, { authenticator: ctx.authenticator });
      });
      hub.attach(app.server);
    },
    start: async (ctx) => {
      const { auth, enrollments, hub } = partsOf(ctx);
      // The bootstrap API token only bridges a fresh installation to its first admin: once a console
      // admin exists it is revoked and never issued again.
      if (!(await activeAdminExists(ctx.db))) {
        await ensureBootstrapAdminToken({ db: ctx.db, file: ctx.config.bootstrapTokenFile, clock: ctx.clock, log: (line: string) => ctx.logger.info(line) });
      }
      await enrollments.ensureFirstAdminSetup();
      const malformed = ctx.metrics.counter("live_feed_malformed_total", "Bus entries the live feed could not read (skipped)", ["stream"]);
      const feed = new LiveFeed({
        redis: ctx.redis,
        types: LIVE_MESSAGE_TYPES,
        logger: ctx.logger,
        onEnvelopes: (envelopes) => hub.publishAll(envelopes.map(toConsoleEvent).filter((e) => e !== null)),
        onMalformed: (stream) => malformed.inc({ stream }),
      });
      feed.start();
      const sweeper = setInterval(() => {
        void auth.sweep().catch((err: unknown) => ctx.logger.warn({ err }, "closing lapsed sessions failed"));
      }, options.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
      sweeper.unref();
      const stoppers: Stopper[] = [() => feed.stop(), async () => clearInterval(sweeper), () => hub.close()];
      return stoppers;
    },
  };
}

export const consoleService: ServiceDefinition<"console"> = createConsoleService();
