// The console's own settings beyond the variables every service shares (services/shared/config has
// only the bootstrap token file for the console): where the other services, Alertmanager and Prometheus
// answer, session lifetimes, the first admin's setup file and the WebSocket fan-out's limits. Declared
// with the shared builders so they load, fail and document the same way (scripts/env-groups.ts lists
// CONSOLE_CONFIG_SPEC for .env.example).
import { join } from "node:path";
import { SERVICES } from "../../ops/services.js";
import { durationMsVar, intVar, loadConfig, pathVar, stringVar, urlVar, type Env } from "../shared/config/index.js";

const local = (service: "brain" | "execution" | "scavenger"): string => `http://127.0.0.1:${SERVICES[service].httpPort}`;
const HOUR_MS = 3_600_000;

export const CONSOLE_CONFIG_SPEC = [
  pathVar("TITAN_STATE_DIR", { description: "Folder for local state: generated secrets, the local CA, server data.", default: ".titan" }),
  urlVar("TITAN_BRAIN_URL", { description: "The brain's own HTTP address (not the entry point); the console calls it on the operator's behalf.", default: local("brain"), schemes: ["http", "https"] }),
  urlVar("TITAN_EXECUTION_URL", { description: "Execution's own HTTP address; the console's emergency controls call it on the operator's behalf.", default: local("execution"), schemes: ["http", "https"] }),
  urlVar("TITAN_SCAVENGER_URL", { description: "The scavenger's own HTTP address: traps and parameter versions.", default: local("scavenger"), schemes: ["http", "https"] }),
  urlVar("TITAN_QUANT_URL", { description: "The AI Quant API's HTTP address (proposals); the proposals page says it is not configured when unset.", schemes: ["http", "https"] }),
  // HTTPS by default, as the local stack serves them (TLS 1.3); their CA is trusted through NODE_EXTRA_CA_CERTS.
  urlVar("TITAN_ALERTMANAGER_URL", { description: "Alertmanager whose alerts the console lists (https: its CA must be in NODE_EXTRA_CA_CERTS).", default: "https://127.0.0.1:9093", schemes: ["http", "https"] }),
  urlVar("TITAN_PROMETHEUS_URL", { description: "Prometheus the overview reads each KPI from (https: its CA must be in NODE_EXTRA_CA_CERTS).", default: "https://127.0.0.1:9090", schemes: ["http", "https"] }),
  durationMsVar("TITAN_CONSOLE_SESSION_TTL", { description: "Longest life of a console session, however active.", default: 8 * HOUR_MS, min: 60_000, max: 24 * HOUR_MS }),
  durationMsVar("TITAN_CONSOLE_SESSION_IDLE", { description: "A session unused this long expires.", default: 30 * 60_000, min: 60_000, max: 24 * HOUR_MS }),
  durationMsVar("TITAN_CONSOLE_ENROLLMENT_TTL", { description: "How long an enrollment code (first admin, new user, credential reset) stays usable.", default: 24 * HOUR_MS, min: 60_000, max: 7 * 24 * HOUR_MS }),
  pathVar("TITAN_CONSOLE_SETUP_CODE_FILE", {
    description: "Where the console writes the first admin's one-time setup code (mode 0600) while no user exists, never printing it.",
    default: { compute: (loaded) => join(String(loaded.TITAN_STATE_DIR ?? ".titan"), "secrets", "console-setup-code"), describe: "<TITAN_STATE_DIR>/secrets/console-setup-code" },
  }),
  pathVar("TITAN_CONSOLE_ALERTMANAGER_TOKEN_FILE", {
    description: "File holding the bearer token Alertmanager presents to the console's incident webhook (its http_config.authorization.credentials_file reads the same file); missing: every notification is refused.",
    default: { compute: (loaded) => join(String(loaded.TITAN_STATE_DIR ?? ".titan"), "secrets", "alertmanager-webhook-token"), describe: "<TITAN_STATE_DIR>/secrets/alertmanager-webhook-token" },
  }),
  stringVar("TITAN_CONSOLE_SECRET", {
    description: "Key material that encrypts the TOTP secrets at rest; derived from TITAN_SERVICE_TOKEN_SECRET when unset (then rotating that secret means re-enrolling every second factor).",
    secret: true,
    minLength: 32,
  }),
  intVar("TITAN_CONSOLE_WS_MAX_BUFFERED_BYTES", { description: "A browser whose socket has more than this unsent is dropped (it reconnects), so a slow client never slows the others.", default: 1_048_576, min: 16_384, max: 67_108_864 }),
  intVar("TITAN_CONSOLE_WS_MAX_CONNECTIONS", { description: "Most WebSocket connections one console instance holds; more are refused (scale out instead).", default: 2_000, min: 1, max: 100_000 }),
  durationMsVar("TITAN_CONSOLE_UPSTREAM_TIMEOUT", { description: "How long the console waits for another service's answer (flatten waits longer: the venue must confirm).", default: 5_000, min: 500, max: 60_000 }),
] as const;

export interface ConsoleSettings {
  readonly urls: { readonly brain: string; readonly execution: string; readonly scavenger: string; readonly quant: string | null; readonly alertmanager: string; readonly prometheus: string };
  readonly sessionTtlMs: number;
  readonly sessionIdleMs: number;
  readonly enrollmentTtlMs: number;
  readonly setupCodeFile: string;
  readonly alertmanagerTokenFile: string;
  /** Null: derive the encryption key from the service-token secret. */
  readonly secret: string | null;
  readonly wsMaxBufferedBytes: number;
  readonly wsMaxConnections: number;
  readonly upstreamTimeoutMs: number;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** Loads the console's settings; throws ConfigError naming every problem. */
export const loadConsoleSettings = (env: Env = process.env): ConsoleSettings => {
  const c = loadConfig(CONSOLE_CONFIG_SPEC, env);
  return {
    urls: {
      brain: trimSlash(c.brainUrl),
      execution: trimSlash(c.executionUrl),
      scavenger: trimSlash(c.scavengerUrl),
      quant: c.quantUrl === undefined ? null : trimSlash(c.quantUrl),
      alertmanager: trimSlash(c.alertmanagerUrl),
      prometheus: trimSlash(c.prometheusUrl),
    },
    sessionTtlMs: c.consoleSessionTtl,
    sessionIdleMs: c.consoleSessionIdle,
    enrollmentTtlMs: c.consoleEnrollmentTtl,
    setupCodeFile: c.consoleSetupCodeFile,
    alertmanagerTokenFile: c.consoleAlertmanagerTokenFile,
    secret: c.consoleSecret ?? null,
    wsMaxBufferedBytes: c.consoleWsMaxBufferedBytes,
    wsMaxConnections: c.consoleWsMaxConnections,
    upstreamTimeoutMs: c.consoleUpstreamTimeout,
  };
};
