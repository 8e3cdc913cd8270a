// Starts and stops PostgreSQL and Redis as plain local processes with project-local state.
// Used by the local stack (scripts/stack.ts) and by the test harness, so both run the servers the same way.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";

export const postgresBinDir = (): string => {
  for (const dir of ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]) {
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("PostgreSQL server binaries not found: run scripts/install-dependencies.sh");
  }
};

const isRoot = (): boolean => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user. */
const runPg = (args: string[], opts: { allowFail?: boolean } = {}): { status: number; output: string } => {
  const [cmd, ...rest] = args as [string, ...string[]];
  const res = isRoot()
    ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...rest], { encoding: "utf8" })
    : spawnSync(cmd, rest, { encoding: "utf8" });
  const output = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  if (res.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${rest.join(" ")} failed (${res.status}): ${output}`);
  return { status: res.status ?? 1, output };
};

export interface PostgresServer {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  /** Connection string for the superuser `postgres` to the given database. */
  url(database?: string): string;
}

export interface PostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  /** Test clusters trade durability for speed; the local stack keeps the defaults. */
  readonly durable?: boolean;
  readonly extraSettings?: Readonly<Record<string, string>>;
}

const chownToPostgres = (dir: string): void => {
  if (!isRoot()) return;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
};

export const postgresHandle = (dataDir: string, port: number): PostgresServer => ({
  dataDir,
  port,
  host: "127.0.0.1",
  url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
});

export const startPostgres = async (opts: PostgresOptions): Promise<PostgresServer> => {
  const bin = postgresBinDir();
  // Parents stay traversable by the postgres user; the data directory itself is private to it.
  mkdirSync(dirname(opts.dataDir), { recursive: true });
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  chownToPostgres(opts.dataDir);
  if (!existsSync(join(opts.dataDir, "PG_VERSION"))) {
    runPg([join(bin, "initdb"), "-D", opts.dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"]);
    const settings: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      port: String(opts.port),
      unix_socket_directories: `'${opts.dataDir}'`,
      max_connections: "200",
      ...(opts.durable === false ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
      ...opts.extraSettings,
    };
    const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join("\n");
    const confPath = join(opts.dataDir, "postgresql.auto.conf");
    writeFileSync(confPath, `${readFileSync(confPath, "utf8")}\n${conf}\n`);
  }
  const logFile = join(opts.dataDir, "server.log");
  runPg([join(bin, "pg_ctl"), "-D", opts.dataDir, "-o", `-p ${opts.port}`, "-l", logFile, "-w", "-t", "60", "start"]);
  return postgresHandle(opts.dataDir, opts.port);
};

export const isPostgresRunning = (dataDir: string): boolean =>
  existsSync(join(dataDir, "PG_VERSION")) && runPg([join(postgresBinDir(), "pg_ctl"), "-D", dataDir, "status"], { allowFail: true }).status === 0;

export const stopPostgres = (dataDir: string, mode: "fast" | "immediate" = "fast"): void => {
  if (!isPostgresRunning(dataDir)) return;
  runPg([join(postgresBinDir(), "pg_ctl"), "-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"], { allowFail: true });
};

export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
}

export interface RedisOptions {
  readonly dir: string;
  readonly port: number;
  /** Append-only persistence with fsync every second: Redis is transport, but a restart must not drop a stream. */
  readonly appendOnly?: boolean;
  /** Number of logical databases; tests give each file its own so fixed stream names never collide. */
  readonly databases?: number;
  /** TLS only (TLS 1.3, no plain-text port); clients connect with rediss:// and trust `caFile`. */
  readonly tls?: RedisTls;
}

export interface RedisTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** The server arguments of TLS-only Redis: the given port speaks TLS 1.3, no port speaks plain text. */
export const redisTlsArgs = (port: number, tls: RedisTls): string[] => [
  "--port", "0",
  "--tls-port", String(port),
  "--tls-cert-file", tls.certFile,
  "--tls-key-file", tls.keyFile,
  "--tls-ca-cert-file", tls.caFile,
  // Clients prove themselves with a password or ACL, not with a certificate of their own.
  "--tls-auth-clients", "no",
  "--tls-protocols", "TLSv1.3",
];

/** ioredis options for a URL: rediss:// with the CA that signed the server's certificate. */
export const redisTlsOptions = (url: string, caFile: string | undefined): { tls?: { ca: Buffer } } =>
  url.startsWith("rediss:") && caFile ? { tls: { ca: readFileSync(caFile) } } : {};

export const startRedis = async (opts: RedisOptions): Promise<RedisServer> => {
  mkdirSync(opts.dir, { recursive: true });
  const pidFile = join(opts.dir, "redis.pid");
  const args = [
    ...(opts.tls ? redisTlsArgs(opts.port, opts.tls) : ["--port", String(opts.port)]),
    "--bind", "127.0.0.1",
    "--dir", opts.dir,
    "--daemonize", "yes",
    "--pidfile", pidFile,
    "--logfile", join(opts.dir, "redis.log"),
    "--save", "",
    "--maxmemory-policy", "noeviction",
    "--appendonly", opts.appendOnly === false ? "no" : "yes",
    "--appendfsync", "everysec",
    ...(opts.databases !== undefined ? ["--databases", String(opts.databases)] : []),
  ];
  const res = spawnSync("redis-server", args, { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`redis-server failed: ${res.stderr}${res.stdout}`);
  const url = `${opts.tls ? "rediss" : "redis"}://127.0.0.1:${opts.port}`;
  await waitFor(async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...redisTlsOptions(url, opts.tls?.caFile) });
    client.on("error", () => undefined); // refused connections are expected until the server listens
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }, 10_000, `redis on port ${opts.port}`);
  return { port: opts.port, dir: opts.dir, url };
};

const readPid = (pidFile: string): number | undefined => {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
};

export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const stopRedis = async (dir: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
  const pid = readPid(join(dir, "redis.pid"));
  if (pid === undefined || !isProcessAlive(pid)) return;
  process.kill(pid, signal);
  await waitFor(async () => !isProcessAlive(pid), 10_000, `redis pid ${pid} to exit`);
};

export const waitFor = async (probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
};

/** Runs a detached helper process whose lifetime the caller manages through its pid. */
export const spawnDetached = (cmd: string, args: string[], logFile: string): number => {
  const fd = openSync(logFile, "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd] });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
};
