// The catalogue of the local stack: every component, where it listens, how its health is probed,
// where its pid file and log are. `up`, `status`, `down` and the manifest all read it.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { SERVICES } from "../../ops/services.js";
import { caFiles } from "./ca.js";
import { httpProbe, postgresProbe, redisProbe, type Verdict } from "./health.js";
import type { MonitoringDaemon } from "./monitoring-tls.js";
import type { PortName, StackPorts } from "./ports.js";
import { QUANT_API_PREFIX } from "./nginx.js";
import { secretFiles } from "./secrets.js";
import type { ManifestComponent, StackLayout, StatusTarget } from "./state.js";
import { serviceDatabaseUrl } from "./postgres.js";
import { stackRedisUrl } from "./redis.js";

export const HTTP_SERVICES = ["brain", "execution", "console", "scavenger"] as const;
export type HttpService = (typeof HTTP_SERVICES)[number];

export interface Component extends ManifestComponent {
  /** Whether `up` waits for this one (the ai-quant job has no health endpoint). */
  probe?(timeoutMs: number): Promise<Verdict>;
}

/** The monitoring daemons, HTTPS only (monitoring-tls.ts): where each listens and answers readiness. */
const DAEMONS = [
  { name: "prometheus", port: "prometheus", health: "/-/ready" },
  { name: "alertmanager", port: "alertmanager", health: "/-/ready" },
  { name: "pushgateway", port: "pushgateway", health: "/-/ready" },
  { name: "node-exporter", port: "nodeExporter", health: "/metrics" },
  { name: "postgres-exporter", port: "postgresExporter", health: "/metrics" },
  { name: "redis-exporter", port: "redisExporter", health: "/metrics" },
] as const satisfies ReadonlyArray<{ name: MonitoringDaemon; port: PortName; health: string }>;

export type DaemonName = (typeof DAEMONS)[number]["name"];

/** A monitoring daemon's own URL (TLS 1.3, its certificate from the stack's CA), as clients and probes reach it. */
export const daemonUrl = (ports: StackPorts, name: DaemonName, path = "/"): string => {
  const daemon = DAEMONS.find((d) => d.name === name);
  if (!daemon) throw new Error(`no monitoring daemon named ${name}`);
  return `https://127.0.0.1:${ports[daemon.port]}${path}`;
};

const daemonHealthUrl = (ports: StackPorts, d: (typeof DAEMONS)[number]): string => daemonUrl(ports, d.name, d.health);

export const daemonPidFile = (layout: StackLayout, name: DaemonName): string => join(layout.runDir, `${name}.pid`);
export const logFileOf = (layout: StackLayout, name: string): string => join(layout.logsDir, `${name}.log`);

/**
 * Long-running PM2 apps beside the four services, each with its own HTTPS listener: the AI Quant API
 * (the ai-quant service's proposals API, behind the entry point at /api/quant/) and the backup scheduler.
 */
export const HTTP_APPS = [
  { name: "ai-quant-api", port: "aiQuantApi", kind: "service", url: (ports: StackPorts) => entryUrl(ports, QUANT_API_PREFIX), critical: false },
  { name: "backup", port: "backup", kind: "scheduler", url: () => "(backup scheduler under PM2)", critical: false },
] as const;
export type HttpApp = (typeof HTTP_APPS)[number]["name"];

/** A listener's own readiness URL (TLS 1.3, the stack CA's certificate), as the stack and titanctl probe it. */
export const serviceHealthUrl = (ports: StackPorts, service: HttpService | HttpApp): string =>
  `https://127.0.0.1:${ports[service === "ai-quant-api" ? "aiQuantApi" : service]}/health/ready`;

/** A PostgreSQL URL that insists on TLS and checks the server's certificate and name against `caFile`. */
export const withServerVerification = (url: string, caFile: string): string => {
  const parsed = new URL(url);
  parsed.searchParams.set("sslmode", "verify-full");
  parsed.searchParams.set("sslrootcert", caFile);
  return parsed.toString();
};

/** Humans reach the services through the entry point; this is the URL printed for each. */
export const entryUrl = (ports: StackPorts, path = "/"): string => `https://localhost:${ports.nginxHttps}${path}`;

export const stackComponents = (layout: StackLayout, ports: StackPorts, pm2Ids: Readonly<Record<string, number>> = {}): Component[] => {
  const ca = caFiles(layout.caDir);
  // TLS 1.3 to PostgreSQL and Redis too, each certificate checked against the stack's CA.
  const adminUrl = withServerVerification(`postgres://postgres@127.0.0.1:${ports.postgres}/postgres`, ca.caCert);
  const redisUrl = stackRedisUrl(ports);
  const pm2PidFile = (app: string): string => join(layout.pm2Dir, "pids", `${app}-${pm2Ids[app] ?? "ID"}.pid`);
  const http = (url: string, caFile?: string) => (timeoutMs: number) => httpProbe(url, { timeoutMs, ...(caFile ? { caFile } : {}) });
  return [
    {
      name: "postgres",
      kind: "datastore",
      url: `postgres://127.0.0.1:${ports.postgres}/titan`,
      port: ports.postgres,
      pidFile: join(layout.pgDir, "postmaster.pid"),
      logFile: join(layout.pgDir, "server.log"),
      healthUrl: null,
      probe: (timeoutMs) => postgresProbe(adminUrl, { timeoutMs }),
    },
    {
      name: "redis",
      kind: "datastore",
      url: redisUrl,
      port: ports.redis,
      pidFile: join(layout.redisDir, "redis.pid"),
      logFile: join(layout.redisDir, "redis.log"),
      healthUrl: null,
      probe: (timeoutMs) => redisProbe(redisUrl, { timeoutMs, caFile: ca.caCert }),
    },
    ...DAEMONS.map((d): Component => {
      const healthUrl = daemonHealthUrl(ports, d);
      return {
        name: d.name,
        kind: "monitoring",
        url: daemonUrl(ports, d.name),
        port: ports[d.port],
        pidFile: daemonPidFile(layout, d.name),
        logFile: logFileOf(layout, d.name),
        healthUrl,
        probe: http(healthUrl, ca.caCert),
      };
    }),
    {
      name: "nginx",
      kind: "entrypoint",
      url: entryUrl(ports),
      port: ports.nginxHttps,
      pidFile: join(layout.nginxDir, "nginx.pid"),
      logFile: join(layout.logsDir, "nginx-error.log"),
      healthUrl: `https://127.0.0.1:${ports.nginxHttps}/healthz`,
      probe: http(`https://127.0.0.1:${ports.nginxHttps}/healthz`, ca.caCert),
    },
    ...HTTP_SERVICES.map((service): Component => {
      const healthUrl = serviceHealthUrl(ports, service);
      return {
        name: service,
        kind: "service",
        url: entryUrl(ports, service === "console" ? "/" : `/api/${service}/`),
        port: ports[service],
        pidFile: pm2PidFile(service),
        logFile: logFileOf(layout, service),
        healthUrl,
        probe: http(healthUrl, ca.caCert),
      };
    }),
    { name: "ai-quant", kind: "job", url: "(nightly job under PM2)", port: null, pidFile: pm2PidFile("ai-quant"), logFile: logFileOf(layout, "ai-quant"), healthUrl: null },
    ...HTTP_APPS.map((a): Component => {
      const healthUrl = serviceHealthUrl(ports, a.name);
      return { name: a.name, kind: a.kind, url: a.url(ports), port: ports[a.port], pidFile: pm2PidFile(a.name), logFile: logFileOf(layout, a.name), healthUrl, probe: http(healthUrl, ca.caCert) };
    }),
  ];
};

/** What `titanctl status` probes: the services directly, the datastores with a service's own login. */
export const statusTargets = (layout: StackLayout, ports: StackPorts): StatusTarget[] => [
  {
    name: "postgres",
    kind: "postgres",
    url: withServerVerification(serviceDatabaseUrl("console", ports.postgres), caFiles(layout.caDir).caCert),
    passwordFile: secretFiles(layout.secretsDir).databasePassword("console"),
    critical: true,
  },
  { name: "redis", kind: "redis", url: stackRedisUrl(ports), critical: true },
  { name: "nginx", kind: "http", url: `https://127.0.0.1:${ports.nginxHttps}/healthz`, critical: true },
  ...HTTP_SERVICES.map((service): StatusTarget => ({ name: service, kind: "http", url: serviceHealthUrl(ports, service), critical: SERVICES[service].criticality === "critical" })),
  ...HTTP_APPS.map((a): StatusTarget => ({ name: a.name, kind: "http", url: serviceHealthUrl(ports, a.name), critical: a.critical })),
  ...DAEMONS.map((d): StatusTarget => ({ name: d.name, kind: "http", url: daemonHealthUrl(ports, d), critical: false })),
];

/** The last lines of a log (stack frames left out), for the message naming a component that did not become healthy. */
export const tailOf = (file: string, lines = 8): string[] => {
  try {
    const fd = openSync(file, "r");
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, size - length);
      const text = buf.toString("utf8").trimEnd().split("\n").filter((l) => !/^\s+at /.test(l));
      return text.slice(-lines);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [`(no log at ${file})`];
  }
};
