// PM2 ecosystem of Titan's five services (`pm2 start ecosystem.config.cjs`).
//
// Two ways it is used:
// - By the local stack (`npm start`, scripts/stack/pm2.ts), which sets TITAN_STACK_MANAGED=1,
//   TITAN_STATE_DIR and TITAN_STACK_PORT_OFFSET: every service then gets the stack's database, Redis,
//   secret files and ports from the environment built below.
// - On a single host (the seed's PM2 deployment): run `npm ci && npm run build`, then
//   `pm2 start ecosystem.config.cjs`. The services read their configuration from the process
//   environment of the `pm2` command and from `.env` and `.env.<service>` beside this file when
//   present (later files override earlier ones; variables already in the environment win). See
//   .env.example for every variable. Logs go to $TITAN_STATE_DIR/logs (default ./.titan/logs).
/* global require, module, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- PM2 loads this file as CommonJS */
"use strict";

const { existsSync } = require("node:fs");
const { join, resolve } = require("node:path");
const { hostname } = require("node:os");

const REPO_DIR = __dirname;
// The seed's ports (ops/services.ts) and the stack's fixed ports (scripts/stack/ports.ts); a unit
// test keeps these copies equal, since PM2 loads this file with plain Node and cannot import TypeScript.
const SERVICE_PORTS = { brain: 3100, execution: 3002, console: 3001, scavenger: 8081 };
const STACK_PORTS = { postgres: 55432, redis: 56379, pushgateway: 9091 };

const managed = process.env.TITAN_STACK_MANAGED === "1";
const portOffset = Number(process.env.TITAN_STACK_PORT_OFFSET || 0);
const stateDir = resolve(process.env.TITAN_STATE_DIR || join(REPO_DIR, ".titan"));
const logsDir = join(stateDir, "logs");
const secretsDir = join(stateDir, "secrets");
// The stack's CA (scripts/stack/ca.ts) signed every listener's certificate; each service gets its own.
const caDir = join(stateDir, "ca");
const caFile = join(caDir, "ca.crt");
const port = (base) => String(base + portOffset);
const roleOf = (service) => `titan_${service.replace(/-/g, "_")}`;

/** What a service needs to reach the local stack's PostgreSQL, Redis, secrets and Pushgateway. */
function stackEnv(service) {
  const env = {
    NODE_ENV: "production",
    TITAN_ENV: process.env.TITAN_ENV || "development",
    TITAN_LOG_LEVEL: process.env.TITAN_LOG_LEVEL || "info",
    TITAN_STATE_DIR: stateDir,
    // TLS 1.3 to PostgreSQL and Redis, their certificates checked against the stack's CA.
    TITAN_DATABASE_URL: `postgres://${roleOf(service)}@127.0.0.1:${port(STACK_PORTS.postgres)}/titan?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`,
    TITAN_DATABASE_PASSWORD_FILE: join(secretsDir, `db-password-${service}`),
    TITAN_REDIS_URL: `rediss://127.0.0.1:${port(STACK_PORTS.redis)}`,
    TITAN_TLS_CA_FILE: caFile,
    // fetch() and every other TLS client of the process trust the CA too (calls to the other services).
    NODE_EXTRA_CA_CERTS: caFile,
    TITAN_SERVICE_TOKEN_SECRET_FILE: join(secretsDir, "service-token-secret"),
    // Stable across restarts, so a restarted process reclaims its own pending stream entries at once.
    TITAN_INSTANCE_ID: `${service}-${hostname()}`,
  };
  if (service in SERVICE_PORTS) {
    env.TITAN_HTTP_HOST = "127.0.0.1";
    env.TITAN_HTTP_PORT = port(SERVICE_PORTS[service]);
    env.TITAN_TLS_CERT_FILE = join(caDir, `${service}.crt`);
    env.TITAN_TLS_KEY_FILE = join(caDir, `${service}.key`);
  }
  // Calls between services go to their own HTTPS listeners (moved with the stack's offset).
  const own = (name) => `https://127.0.0.1:${port(SERVICE_PORTS[name])}`;
  if (service === "console") Object.assign(env, { TITAN_BRAIN_URL: own("brain"), TITAN_EXECUTION_URL: own("execution"), TITAN_SCAVENGER_URL: own("scavenger") });
  if (service === "ai-quant") env.TITAN_SCAVENGER_URL = own("scavenger");
  if (service === "console") env.TITAN_BOOTSTRAP_TOKEN_FILE = join(secretsDir, "bootstrap-admin-token");
  if (service === "ai-quant") env.TITAN_PUSHGATEWAY_URL = `http://127.0.0.1:${port(STACK_PORTS.pushgateway)}`;
  return env;
}

/** On a single host only the seed's port is fixed here; everything else comes from the environment or .env files. */
function singleHostEnv(service) {
  const env = { NODE_ENV: process.env.NODE_ENV || "production", TITAN_STATE_DIR: stateDir };
  if (service in SERVICE_PORTS) env.TITAN_HTTP_PORT = String(SERVICE_PORTS[service]);
  return env;
}

function envFileArgs(service) {
  return [".env", `.env.${service}`]
    .map((name) => join(REPO_DIR, name))
    .filter((file) => existsSync(file))
    .map((file) => `--env-file=${file}`);
}

function app(service, settings) {
  return {
    name: service,
    // Node itself, not PM2's in-process loader: that loader swallows a failed ES module import and leaves
    // a process "online" that never listens; run directly, a broken service exits and PM2 restarts it.
    script: process.execPath,
    interpreter: "none",
    args: [...(managed ? [] : envFileArgs(service)), join(REPO_DIR, "dist", "services", service, "main.js")],
    cwd: REPO_DIR,
    exec_mode: "fork",
    instances: 1,
    env: managed ? stackEnv(service) : singleHostEnv(service),
    // One file per service, stdout and stderr together (pino writes JSON lines with their own timestamps).
    out_file: join(logsDir, `${service}.log`),
    error_file: join(logsDir, `${service}.log`),
    merge_logs: true,
    ...settings,
  };
}

const longRunning = {
  autorestart: true,
  // Idle budget is 150 MB (DESIGN.md); a service at twice that is leaking and is restarted.
  max_memory_restart: "300M",
  // SIGINT, then this long to drain HTTP and finish in-flight messages before SIGKILL.
  kill_timeout: 15000,
  exp_backoff_restart_delay: 200,
};

module.exports = {
  apps: [
    app("brain", longRunning),
    app("execution", longRunning),
    app("console", longRunning),
    app("scavenger", longRunning),
    // A nightly job: runs when started, then every midnight; a finished run is not restarted.
    app("ai-quant", { autorestart: false, cron_restart: "0 0 * * *", max_memory_restart: "1G", kill_timeout: 30000 }),
  ],
};
