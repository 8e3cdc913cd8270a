// The configuration every Titan process reads: the variables shared by all services, each service's
// extras, and titanctl's. .env.example is generated from these lists.

import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { SERVICES, SERVICE_NAMES, type ServiceName } from "../../../ops/services.js";
import { ConfigError, loadConfig, writeToStderr, type Env, type LineWriter } from "./load.js";
import { boolVar, enumVar, intVar, pathVar, portVar, stringVar, urlVar, type AnyVarSpec, type ConfigOf, type VarSpec } from "./spec.js";

export const TITAN_ENVS = ["development", "test", "production"] as const;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const stateDirOf = (loaded: Readonly<Record<string, unknown>>) => String(loaded.TITAN_STATE_DIR ?? ".titan");

const servicePorts = SERVICE_NAMES.map((name) => `${name} ${SERVICES[name].httpPort ?? "none"}`).join(", ");

/** TITAN_HTTP_PORT defaults to the service's port from ops/services.ts; ai-quant, a job, has none. */
function httpPortVar<S extends ServiceName>(service: S): VarSpec<"TITAN_HTTP_PORT", number, S extends "ai-quant" ? false : true> {
  const port = SERVICES[service].httpPort;
  const description = "Port the service's HTTP server listens on (health, metrics, API).";
  return (port === null
    ? portVar("TITAN_HTTP_PORT", { description, allowAnyFree: true })
    : portVar("TITAN_HTTP_PORT", {
        description,
        allowAnyFree: true,
        default: { compute: () => port, describe: `the service's port from ops/services.ts (${servicePorts})` },
      })) as never;
}

const commonVars = [
  enumVar("TITAN_ENV", TITAN_ENVS, { description: "Deployment environment.", default: "development" }),
  enumVar("TITAN_LOG_LEVEL", LOG_LEVELS, { description: "Minimum level written to the log.", default: "info" }),
  stringVar("TITAN_HTTP_HOST", {
    description: "Address the HTTP server binds to; the NGINX entry point is the only public listener.",
    default: "127.0.0.1",
    pattern: /^[A-Za-z0-9.:[\]-]+$/,
    patternHint: "a host name or IP address",
    maxLength: 253,
  }),
] as const;

const storageVars = [
  urlVar("TITAN_DATABASE_URL", {
    description: "PostgreSQL connection URL (system of record). Put the password in TITAN_DATABASE_PASSWORD, not here.",
    required: true,
    schemes: ["postgres", "postgresql"],
  }),
  stringVar("TITAN_DATABASE_PASSWORD", { description: "PostgreSQL password; overrides one in the URL.", secret: true }),
  boolVar("TITAN_DATABASE_SSL", { description: "Connect to PostgreSQL over TLS (managed databases).", default: false }),
  intVar("TITAN_DATABASE_POOL_MAX", { description: "Maximum PostgreSQL connections in this process's pool.", default: 10, min: 1, max: 1000 }),
  urlVar("TITAN_REDIS_URL", { description: "Redis URL (message transport and cache); rediss:// for TLS.", required: true, schemes: ["redis", "rediss"] }),
  stringVar("TITAN_REDIS_PASSWORD", { description: "Redis password (AUTH); overrides one in the URL.", secret: true }),
  stringVar("TITAN_SERVICE_TOKEN_SECRET", {
    description: "Shared secret that signs service-to-service tokens. Generate with `openssl rand -base64 48`.",
    secret: true,
    required: true,
    minLength: 32,
  }),
  pathVar("TITAN_STATE_DIR", { description: "Folder for local state: generated secrets, the local CA, server data.", default: ".titan" }),
  stringVar("TITAN_INSTANCE_ID", {
    description: "Identifies this process in heartbeats, consumer groups and logs.",
    default: { compute: () => `${hostname()}-${process.pid}`, describe: "<hostname>-<pid>" },
    pattern: /^[A-Za-z0-9._-]+$/,
    patternHint: "letters, digits, dot, underscore or hyphen",
    maxLength: 200,
  }),
  pathVar("TITAN_TLS_CERT_FILE", {
    description: "PEM certificate for the service's own HTTPS listener (TLS 1.3 only; read again when the file changes, no restart). Plain HTTP when unset, which TITAN_ENV=production refuses.",
    requires: ["TITAN_TLS_KEY_FILE"],
  }),
  pathVar("TITAN_TLS_KEY_FILE", { description: "PEM private key matching TITAN_TLS_CERT_FILE.", requires: ["TITAN_TLS_CERT_FILE"] }),
  pathVar("TITAN_TLS_CA_FILE", {
    description: "PEM CA bundle trusted for outgoing TLS: the other Titan services, PostgreSQL and Redis when they serve TLS. Set NODE_EXTRA_CA_CERTS to the same file so fetch() trusts it too.",
  }),
  intVar("TITAN_RATE_LIMIT_PER_MINUTE", { description: "Requests per minute allowed from one client before 429.", default: 600, min: 1, max: 1_000_000 }),
  intVar("TITAN_BODY_LIMIT_BYTES", { description: "Largest request body accepted.", default: 1_048_576, min: 1024, max: 104_857_600 }),
] as const;

/** The variables every service reads, in load order. */
export function commonConfigSpec<S extends ServiceName>(service: S) {
  return [...commonVars, httpPortVar(service), ...storageVars] as const;
}

const consoleVars = [
  pathVar("TITAN_BOOTSTRAP_TOKEN_FILE", {
    description: "Where the console writes the first admin API token (mode 0600) on first start, never printing it; titanctl reads it from there.",
    default: { compute: (loaded) => join(stateDirOf(loaded), "secrets", "bootstrap-admin-token"), describe: "<TITAN_STATE_DIR>/secrets/bootstrap-admin-token" },
  }),
] as const;

const aiQuantVars = [
  urlVar("TITAN_PUSHGATEWAY_URL", { description: "Prometheus Pushgateway the job pushes its metrics to; none when unset.", schemes: ["http", "https"] }),
] as const;

const none = [] as const;

const EXTRA_VARS = { brain: none, execution: none, console: consoleVars, scavenger: none, "ai-quant": aiQuantVars } as const;

export type ServiceConfigSpec<S extends ServiceName> = readonly [...ReturnType<typeof commonConfigSpec<S>>, ...(typeof EXTRA_VARS)[S]];

/** What every service has; `httpPort` is undefined only for ai-quant, which listens on none. */
export type CommonConfig = ConfigOf<ReturnType<typeof commonConfigSpec<ServiceName>>>;

/** One service's configuration; for an unknown service (`ServiceName`), the common part. */
export type ServiceConfig<S extends ServiceName = ServiceName> = [ServiceName] extends [S] ? CommonConfig : ConfigOf<ServiceConfigSpec<S>>;

export function serviceConfigSpec<S extends ServiceName>(service: S): ServiceConfigSpec<S> {
  return [...commonConfigSpec(service), ...EXTRA_VARS[service]] as ServiceConfigSpec<S>;
}

/**
 * Rules across variables: in production a service that listens must listen with TLS (TLS 1.3 on every
 * listener, ops/ SECURITY). Read from the raw environment so they are reported with every other problem.
 */
export function crossVariableProblems(service: ServiceName, env: Env): string[] {
  const set = (name: string) => (env[name] ?? "") !== "";
  const listens = SERVICES[service].httpPort !== null || set("TITAN_HTTP_PORT");
  if (env.TITAN_ENV === "production" && listens && !set("TITAN_TLS_CERT_FILE") && !set("TITAN_TLS_KEY_FILE")) {
    return ["TITAN_TLS_CERT_FILE, TITAN_TLS_KEY_FILE: are required with TITAN_ENV=production (the service listens with HTTPS only, TLS 1.3)"];
  }
  return [];
}

export function loadServiceConfig<S extends ServiceName>(service: S, env: Env = process.env): ServiceConfig<S> {
  const problems = crossVariableProblems(service, env);
  let config: ServiceConfig<S> | undefined;
  try {
    config = loadConfig(serviceConfigSpec(service), env) as ServiceConfig<S>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.unshift(...error.problems);
  }
  if (problems.length > 0 || config === undefined) throw new ConfigError(problems);
  return config;
}

/** A service's entry point: bad configuration prints every problem, one per line, and exits 1. */
export function loadServiceConfigOrExit<S extends ServiceName>(service: S, env: Env = process.env, write: LineWriter = writeToStderr): ServiceConfig<S> {
  try {
    return loadServiceConfig(service, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) write(problem);
    process.exit(1);
  }
}

export const TITANCTL_SPEC = [
  urlVar("TITAN_API_URL", { description: "Titan's entry point (NGINX).", default: "https://127.0.0.1:8443", schemes: ["http", "https"] }),
  stringVar("TITAN_TOKEN", { description: "API token titanctl sends; read from TITAN_BOOTSTRAP_TOKEN_FILE when unset.", secret: true }),
  pathVar("TITAN_STATE_DIR", { description: "Folder for local state: generated secrets, the local CA, server data.", default: ".titan" }),
  pathVar("TITAN_CA_FILE", {
    description: "CA certificate that signed the entry point's certificate.",
    default: { compute: (loaded) => join(stateDirOf(loaded), "ca", "ca.crt"), describe: "<TITAN_STATE_DIR>/ca/ca.crt" },
  }),
  consoleVars[0],
] as const;

export type TitanctlConfig = ConfigOf<typeof TITANCTL_SPEC> & {
  /** Where the token came from, so `titanctl` can say why a request was refused. */
  readonly tokenSource: "TITAN_TOKEN" | "bootstrap-file" | "none";
};

/** titanctl's configuration; without TITAN_TOKEN it falls back to the local bootstrap admin token, if present. */
export function loadTitanctlConfig(env: Env = process.env): TitanctlConfig {
  const config = loadConfig(TITANCTL_SPEC, env);
  if (config.token !== undefined) return { ...config, tokenSource: "TITAN_TOKEN" };
  const file = config.bootstrapTokenFile;
  if (!existsSync(file)) return { ...config, tokenSource: "none" };
  let token: string;
  try {
    token = readFileSync(file, "utf8").replace(/[\r\n]+$/, "");
  } catch (error) {
    throw new ConfigError([`TITAN_BOOTSTRAP_TOKEN_FILE: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  return token === "" ? { ...config, tokenSource: "none" } : { ...config, token, tokenSource: "bootstrap-file" };
}

/** Groups documented in .env.example, in order; a variable appears once, in the first group that has it. */
export const CONFIG_GROUPS: ReadonlyArray<{ readonly title: string; readonly vars: readonly AnyVarSpec[] }> = [
  { title: "Every service (brain, execution, console, scavenger, ai-quant)", vars: commonConfigSpec("brain") },
  { title: "console", vars: consoleVars },
  { title: "ai-quant", vars: aiQuantVars },
  { title: "titanctl (the on-call CLI)", vars: TITANCTL_SPEC },
];

/** The connection URL with the separately supplied password put in (the URL's own one otherwise). */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
