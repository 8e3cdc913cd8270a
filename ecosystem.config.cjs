// PM2 ecosystem of Titan's five services, the AI Quant API and the backup scheduler
// (`pm2 start ecosystem.config.cjs`).
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
const STACK_PORTS = { postgres: 55432, redis: 56379, pushgateway: 9091, prometheus: 9090, alertmanager: 9093, aiQuantApi: 3003, backup: 3004 };
// What each app runs (scripts/stack/pm2.ts PM2_APP_ENTRIES) and the service whose database role,
// secrets and configuration it uses: the AI Quant API is the ai-quant service's second process.
const APPS = {
  brain: { service: "brain", entry: "services/brain/main.js", port: SERVICE_PORTS.brain },
  execution: { service: "execution", entry: "services/execution/main.js", port: SERVICE_PORTS.execution },
  console: { service: "console", entry: "services/console/main.js", port: SERVICE_PORTS.console },
  scavenger: { service: "scavenger", entry: "services/scavenger/main.js", port: SERVICE_PORTS.scavenger },
  "ai-quant": { service: "ai-quant", entry: "services/ai-quant/main.js", port: null },
  "ai-quant-api": { service: "ai-quant", entry: "services/ai-quant/api-main.js", port: STACK_PORTS.aiQuantApi },
  backup: { service: null, entry: "services/backup/main.js", port: STACK_PORTS.backup },
};

const managed = process.env.TITAN_STACK_MANAGED === "1";
const portOffset = Number(process.env.TITAN_STACK_PORT_OFFSET || 0);
const stateDir = resolve(process.env.TITAN_STATE_DIR || join(REPO_DIR, ".titan"));
const logsDir = join(stateDir, "logs");
const secretsDir = join(stateDir, "secrets");
// The stack's CA (scripts/stack/ca.ts) signed every listener's certificate; each app gets its own.
const caDir = join(stateDir, "ca");
const caFile = join(caDir, "ca.crt");
// The backup repository (services/backup/adapters/target.ts): base backups, dumps and snapshots, with
// the WAL archive PostgreSQL's archive_command writes (scripts/stack/postgres.ts) in its wal/ folder.
const backupDir = join(stateDir, "backups");
const port = (base) => String(base + portOffset);
const roleOf = (service) => `titan_${service.replace(/-/g, "_")}`;
// Every listener of the stack, the monitoring daemons included, serves HTTPS (TLS 1.3) only.
const own = (base) => `https://127.0.0.1:${port(base)}`;

/** What every process of the stack shares: its state folder, log level and trust in the stack's CA. */
function baseEnv() {
  return {
    NODE_ENV: "production",
    TITAN_ENV: process.env.TITAN_ENV || "development",
    TITAN_LOG_LEVEL: process.env.TITAN_LOG_LEVEL || "info",
    TITAN_STATE_DIR: stateDir,
    TITAN_TLS_CA_FILE: caFile,
    // fetch() and every other TLS client of the process trust the CA too (calls to the other services).
    NODE_EXTRA_CA_CERTS: caFile,
  };
}

/** Its own HTTPS listener on loopback (TLS 1.3, a certificate from the stack's CA named after the app). */
function listenerEnv(name, base) {
  return {
    TITAN_HTTP_HOST: "127.0.0.1",
    TITAN_HTTP_PORT: port(base),
    TITAN_TLS_CERT_FILE: join(caDir, `${name}.crt`),
    TITAN_TLS_KEY_FILE: join(caDir, `${name}.key`),
  };
}

/** What a service's process needs to reach the local stack's PostgreSQL, Redis, secrets and the other services. */
function stackEnv(name) {
  const { service, port: base } = APPS[name];
  if (service === null) return backupEnv(name);
  const env = {
    ...baseEnv(),
    // TLS 1.3 to PostgreSQL and Redis, their certificates checked against the stack's CA.
    TITAN_DATABASE_URL: `postgres://${roleOf(service)}@127.0.0.1:${port(STACK_PORTS.postgres)}/titan?sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile)}`,
    TITAN_DATABASE_PASSWORD_FILE: join(secretsDir, `db-password-${service}`),
    TITAN_REDIS_URL: `rediss://127.0.0.1:${port(STACK_PORTS.redis)}`,
    TITAN_SERVICE_TOKEN_SECRET_FILE: join(secretsDir, "service-token-secret"),
    // Stable across restarts, so a restarted process reclaims its own pending stream entries at once.
    TITAN_INSTANCE_ID: `${name}-${hostname()}`,
    ...(base !== null ? listenerEnv(name, base) : {}),
  };
  // Calls between services go to their own HTTPS listeners (moved with the stack's offset).
  if (name === "console") {
    Object.assign(env, {
      TITAN_BRAIN_URL: own(SERVICE_PORTS.brain),
      TITAN_EXECUTION_URL: own(SERVICE_PORTS.execution),
      TITAN_SCAVENGER_URL: own(SERVICE_PORTS.scavenger),
      TITAN_QUANT_URL: own(STACK_PORTS.aiQuantApi),
      TITAN_ALERTMANAGER_URL: own(STACK_PORTS.alertmanager),
      TITAN_PROMETHEUS_URL: own(STACK_PORTS.prometheus),
      TITAN_BOOTSTRAP_TOKEN_FILE: join(secretsDir, "bootstrap-admin-token"),
    });
  }
  if (service === "ai-quant") env.TITAN_SCAVENGER_URL = own(SERVICE_PORTS.scavenger);
  // The job pushes its metrics (it exits before a scrape); the API process is scraped like a service.
  if (name === "ai-quant") env.TITAN_PUSHGATEWAY_URL = own(STACK_PORTS.pushgateway);
  return env;
}

/**
 * The backup scheduler (services/backup/main.ts) reads the stack from stack.json in the state folder
 * and works as the PostgreSQL superuser over loopback; it pushes the backup metrics and serves its own.
 */
function backupEnv(name) {
  return {
    ...baseEnv(),
    ...listenerEnv(name, APPS[name].port),
    TITAN_BACKUP_DIR: backupDir,
    TITAN_WAL_ARCHIVE_DIR: join(backupDir, "wal"),
  };
}

/** On a single host only the seed's port is fixed here; everything else comes from the environment or .env files. */
function singleHostEnv(name) {
  const env = { NODE_ENV: process.env.NODE_ENV || "production", TITAN_STATE_DIR: stateDir };
  if (APPS[name].port !== null) env.TITAN_HTTP_PORT = String(APPS[name].port);
  return env;
}

function envFileArgs(name) {
  const service = APPS[name].service;
  const files = [".env", ...(service !== null ? [`.env.${service}`] : []), ...(service !== name ? [`.env.${name}`] : [])];
  return files
    .map((file) => join(REPO_DIR, file))
    .filter((file) => existsSync(file))
    .map((file) => `--env-file=${file}`);
}

/**
 * V8 flags of the long-running services. A young generation of 4 MB semi-spaces instead of V8's 16 MB
 * keeps each service's idle RSS 15–35 MiB lower (npm run bench, memory path) for a few more minor GCs.
 * A heap growing factor of 1.5 (V8 picks up to 4 when allocation is fast) starts a major GC once the
 * old generation is half again its live size: under the bench's 1000/s overload, where work in flight
 * survives into the old generation, the brain's peak RSS went 193 → 120 MiB and execution's 230 → 138
 * with no measurable change in CPU per signal. The nightly job keeps V8's defaults (its replay
 * allocates fast and runs ~30 % slower with small semi-spaces). The image's entrypoint
 * (infra/image/entrypoint.sh) passes the same flags (tests/infra/dockerfile.test.ts).
 */
const SERVICE_NODE_FLAGS = ["--max-semi-space-size=4", "--heap-growing-percent=50"];

function app(name, settings) {
  return {
    name,
    // Node itself, not PM2's in-process loader: that loader swallows a failed ES module import and leaves
    // a process "online" that never listens; run directly, a broken service exits and PM2 restarts it.
    script: process.execPath,
    interpreter: "none",
    args: [...(settings.autorestart ? SERVICE_NODE_FLAGS : []), ...(managed ? [] : envFileArgs(name)), join(REPO_DIR, "dist", APPS[name].entry)],
    cwd: REPO_DIR,
    exec_mode: "fork",
    instances: 1,
    env: managed ? stackEnv(name) : singleHostEnv(name),
    // One file per app, stdout and stderr together (pino writes JSON lines with their own timestamps).
    out_file: join(logsDir, `${name}.log`),
    error_file: join(logsDir, `${name}.log`),
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
    // The proposals API: approving a proposal is a human's decision, served by a process of its own.
    app("ai-quant-api", longRunning),
    // The backup scheduler: a base backup in progress is given time to finish before SIGKILL.
    app("backup", { ...longRunning, kill_timeout: 60000 }),
  ],
};
