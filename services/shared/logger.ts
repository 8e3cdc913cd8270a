// The one way a Titan process logs: pino, JSON lines with `service` and an ISO time, and secrets
// removed wherever they appear (keys that name a secret, passwords inside URLs, bearer tokens).

import { pino, type DestinationStream, type LevelWithSilent, type Logger } from "pino";

export type { Logger } from "pino";

export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets, compared lower-cased with `-` and `_` removed. */
const SECRET_KEY_EXACT = new Set(["authorization", "proxyauthorization", "cookie", "setcookie", "xbapisign", "xbapiapikey", "passwd", "pwd", "signature"]);
const SECRET_KEY_SUFFIXES = ["password", "passphrase", "secret", "token", "apikey", "privatekey"];

export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, "");
  return SECRET_KEY_EXACT.has(normalized) || SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi;
const AUTH_SCHEME_CREDENTIALS = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** `postgres://titan:hunter2@db/titan` → `postgres://titan:***@db/titan`; `Bearer abc` → `Bearer [REDACTED]`. */
export const maskSecretsInText = (text: string): string => text.replace(URL_PASSWORD, "$1***@").replace(AUTH_SCHEME_CREDENTIALS, `$1 ${REDACTED}`);

const MAX_DEPTH = 12;

/**
 * A copy of `value` with every secret-named key replaced and every string masked, at any depth.
 * Errors become plain objects (type, message, stack, own fields) so their text is masked too.
 */
export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return maskSecretsInText(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  try {
    if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), depth, seen);
    if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
    // Dates, Buffers and the like serialise themselves and hold no keyed secrets.
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = isSecretKey(key) ? REDACTED : redactSecrets(item, depth + 1, seen);
    return copy;
  } finally {
    seen.delete(value);
  }
}

const pathKey = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/**
 * pino's own redaction for the usual places (fast, and kept even if the deep pass above changes);
 * the deep pass covers any depth and any spelling.
 */
export const REDACT_PATHS: readonly string[] = [
  ...["password", "passwd", "secret", "token", "apiKey", "api_key", "apiSecret", "api_secret", "privateKey", "private_key", "passphrase", "authorization", "cookie", "set-cookie", "x-bapi-sign", "x-bapi-api-key"].flatMap((key) => [
    pathKey(key).replace(/^\./, ""),
    `*${pathKey(key)}`,
  ]),
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-bapi-sign"]',
  'req.headers["x-bapi-api-key"]',
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
];

export interface LoggerOptions {
  /** A service name, or `titanctl` / a script's name. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  readonly instanceId?: string;
  /** Where lines go; stdout when absent. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level ?? "info",
    base: { service: options.service, ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label: string) => ({ level: label }),
      bindings: (bindings: Record<string, unknown>) => redactSecrets(bindings) as Record<string, unknown>,
      log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>,
    },
    serializers: {
      // The deep pass has already turned errors into plain objects; this catches any that bypass it.
      err: (error: unknown) => (error instanceof Error ? redactSecrets(error) : error),
      // The message text, which includes an error's message when it is logged on its own.
      msg: (message: unknown) => (typeof message === "string" ? maskSecretsInText(message) : message),
    },
  };
  const logger = options.destination ? pino(settings, options.destination) : pino(settings);
  // pino formats a child's bindings without the formatters above, so they are redacted here; every
  // descendant inherits this method.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
