// What it takes to start a Redis again the way it ran: the parameters read from it (CONFIG GET) before
// it is stopped, or recorded with a snapshot when it is already gone, rendered as the configuration
// file `redis-server -` reads on stdin (secrets never reach a command line or a file). Also the INFO
// fields a restore watches. Pure: the I/O is in redis-server.ts.

/** Parameters that decide where and how Redis listens, persists and names itself. */
export const STARTUP_PARAMETERS = [
  "port", "tls-port", "bind", "protected-mode", "unixsocket", "unixsocketperm",
  "dir", "dbfilename", "appenddirname", "appendfilename", "appendfsync", "save",
  "pidfile", "logfile", "loglevel", "proc-title-template",
  "maxmemory", "maxmemory-policy", "databases", "aclfile", "requirepass",
  "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-auth-clients",
  "tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-replication", "tls-dh-params-file",
  "tls-client-cert-file", "tls-client-key-file", "tls-client-key-file-pass",
] as const;

/** Never written into a snapshot's record; given to the restarted server on stdin only. */
export const SECRET_PARAMETERS: ReadonlySet<string> = new Set(["requirepass", "tls-key-file-pass", "tls-client-key-file-pass"]);

/** The server's startup parameters, and whether it ran append-only (restored last, see redis-server.ts). */
export interface RedisStartupConfig {
  readonly parameters: Readonly<Record<string, string>>;
  readonly appendOnly: boolean;
}

/** Pairs of a CONFIG GET reply (`[name, value, name, value, ...]`) as a record. */
export const configReplyToRecord = (reply: readonly unknown[]): Record<string, string> => {
  if (reply.length % 2 !== 0) throw new Error(`CONFIG GET replied with an odd number of items (${reply.length})`);
  const record: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) record[String(reply[i])] = String(reply[i + 1]);
  return record;
};

/**
 * Keeps the startup parameters that carry a value: an empty one is Redis's default, except `save`,
 * where empty means "no RDB saves" and must stay so.
 */
export const startupConfigOf = (all: Readonly<Record<string, string>>): RedisStartupConfig => {
  const parameters: Record<string, string> = {};
  for (const name of STARTUP_PARAMETERS) {
    const value = all[name];
    if (value === undefined || (value === "" && name !== "save")) continue;
    parameters[name] = value;
  }
  if (!parameters.dir) throw new Error("the server did not report its dir: cannot tell where its data lives");
  return { parameters, appendOnly: all.appendonly === "yes" };
};

export const withoutSecrets = (config: RedisStartupConfig): RedisStartupConfig => ({
  ...config,
  parameters: Object.fromEntries(Object.entries(config.parameters).filter(([name]) => !SECRET_PARAMETERS.has(name))),
});

/**
 * The same server on the port of `url` (the stack may have moved since the snapshot) and in `dir`:
 * TLS-only servers listen on tls-port, others on port.
 */
export const retarget = (config: RedisStartupConfig, at: { readonly url: string; readonly dir?: string }): RedisStartupConfig => {
  const parsed = new URL(at.url);
  const tls = parsed.protocol === "rediss:";
  const port = parsed.port === "" ? "6379" : parsed.port;
  return {
    ...config,
    parameters: {
      ...config.parameters,
      ...(tls ? { "tls-port": port } : { port }),
      ...(at.dir ? { dir: at.dir } : {}),
    },
  };
};

/** A value in the configuration file's quoting (Redis splits lines like a shell, with C escapes). */
export const quoteConfigValue = (value: string): string => {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`a Redis parameter holds a control character: ${JSON.stringify(value)}`);
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
};

/**
 * The configuration file for the restart: every startup parameter, daemonized, and append-only OFF
 * whatever it was, because with it on Redis loads its (missing) append-only files and ignores the RDB.
 */
export const renderConfigFile = (config: RedisStartupConfig): string =>
  [
    ...Object.entries(config.parameters).map(([name, value]) => `${name} ${quoteConfigValue(value)}`),
    "daemonize yes",
    "appendonly no",
    "",
  ].join("\n");

/** `field:value` lines of an INFO reply. */
export const parseInfo = (text: string): Map<string, string> => {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
};

/** Keys over every logical database of an INFO keyspace reply (`db0:keys=3,expires=0,...`). */
export const keysInKeyspace = (info: ReadonlyMap<string, string>): number => {
  let keys = 0;
  for (const [name, value] of info) {
    if (/^db\d+$/.test(name)) keys += Number(/(?:^|,)keys=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return keys;
};

export type AofRewriteState = { readonly kind: "done" } | { readonly kind: "running" } | { readonly kind: "failed"; readonly reason: string };

/**
 * Where the rewrite that `CONFIG SET appendonly yes` starts stands: done when none is running or
 * scheduled, one has completed since the server started, and the last one succeeded.
 */
export const aofRewriteState = (info: ReadonlyMap<string, string>): AofRewriteState => {
  if (info.get("aof_enabled") !== "1") return { kind: "failed", reason: "append-only is not enabled (aof_enabled is not 1)" };
  if (info.get("aof_rewrite_in_progress") === "1" || info.get("aof_rewrite_scheduled") === "1") return { kind: "running" };
  if (info.get("aof_last_bgrewrite_status") !== "ok") return { kind: "failed", reason: `aof_last_bgrewrite_status=${info.get("aof_last_bgrewrite_status") ?? "(missing)"}` };
  if (info.get("aof_last_write_status") !== undefined && info.get("aof_last_write_status") !== "ok") return { kind: "failed", reason: `aof_last_write_status=${info.get("aof_last_write_status")}` };
  return Number(info.get("aof_rewrites") ?? 0) >= 1 ? { kind: "done" } : { kind: "running" };
};

/** Reads a snapshot's recorded startup parameters; only known parameters with string values pass. */
export const parseStartupConfig = (text: string, source: string): RedisStartupConfig => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const shape = raw as { parameters?: unknown; appendOnly?: unknown } | null;
  if (typeof shape !== "object" || shape === null || typeof shape.appendOnly !== "boolean" || typeof shape.parameters !== "object" || shape.parameters === null || Array.isArray(shape.parameters)) {
    throw new Error(`${source}: expected {"parameters": {...}, "appendOnly": true|false}`);
  }
  const known: ReadonlySet<string> = new Set(STARTUP_PARAMETERS);
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(shape.parameters)) {
    if (!known.has(name)) throw new Error(`${source}: ${JSON.stringify(name)} is not a startup parameter a restore sets`);
    if (typeof value !== "string") throw new Error(`${source}: parameter ${name} must be a string`);
    parameters[name] = value;
  }
  if (!parameters.dir) throw new Error(`${source}: no dir`);
  return { parameters, appendOnly: shape.appendOnly };
};

/** The keys redis-check-rdb read from an RDB (`[info] 12 keys read`), or null when it did not say. */
export const keysReadByCheck = (output: string): number | null => {
  const match = /^\[info\] (\d+) keys read$/m.exec(output);
  return match ? Number(match[1]) : null;
};
