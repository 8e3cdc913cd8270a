// The stack the bench measures: the local stack TITAN_STACK_DIR and TITAN_STACK_PORT_OFFSET point at
// (as `npm start` made it), or one the bench starts itself in a scratch folder with free offset ports.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceName } from "../../ops/services.js";
import { stackContext, type StackContext } from "../../scripts/stack/context.js";
import { listPm2, type Pm2Process } from "../../scripts/stack/pm2.js";
import { stackPorts } from "../../scripts/stack/ports.js";
import { isPortFree } from "../../scripts/stack/processes.js";
import { secretFiles } from "../../scripts/stack/secrets.js";
import { REPO_DIR, readManifest } from "../../scripts/stack/state.js";
import { DATABASE, serviceDatabaseUrl } from "../../scripts/stack/postgres.js";
import { benchBrainParametersEnv } from "./brain-parameters.js";
import type { CpuTargets } from "./cpu.js";
import { httpsRequest } from "./https.js";

export const LONG_RUNNING_SERVICES = ["brain", "execution", "console", "scavenger"] as const;
export type LongRunningService = (typeof LONG_RUNNING_SERVICES)[number];

export interface BenchStack {
  readonly ctx: StackContext;
  /** Superuser URL (trusted on loopback in the local stack): the bench only reads with it. */
  readonly adminDatabaseUrl: string;
  readonly redisUrl: string;
  /** The stack's CA: every service, Redis and PostgreSQL speak TLS signed by it. */
  readonly caFile: string;
  serviceUrl(service: LongRunningService): string;
  /** GET over TLS, trusting the stack's CA (fetch cannot be given a CA). */
  get(url: string, timeoutMs?: number): Promise<{ status: number; text: string }>;
  serviceDatabase(service: ServiceName): { readonly url: string; readonly password: string };
  pm2(): Pm2Process[];
  /** The processes whose CPU time the signal path reports: each service under PM2, Redis, PostgreSQL's postmaster. */
  cpuTargets(): CpuTargets;
}

/** The pid a component's pid file names (PostgreSQL's postmaster.pid holds it on its first line). */
const pidFromFile = (file: string | undefined): number | undefined => {
  if (!file) return undefined;
  try {
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]?.trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

export const benchStack = (ctx: StackContext): BenchStack => {
  const manifest = readManifest(ctx.layout);
  if (manifest?.state !== "up") {
    throw new Error(
      `no running stack in ${ctx.layout.root} (stack.json says ${manifest?.state ?? "nothing"}): start one with npm start, ` +
        "point TITAN_STACK_DIR and TITAN_STACK_PORT_OFFSET at yours, or pass --own-stack",
    );
  }
  const { ports, layout } = ctx;
  return {
    ctx,
    adminDatabaseUrl: `postgres://postgres@127.0.0.1:${ports.postgres}/${DATABASE}`,
    redisUrl: `rediss://127.0.0.1:${ports.redis}`,
    caFile: manifest.caFile,
    serviceUrl: (service) => `https://127.0.0.1:${ports[service]}`,
    get: async (url, timeoutMs = 5_000) => {
      const { status, text } = await httpsRequest(url, { ca: readFileSync(manifest.caFile), timeoutMs });
      return { status, text };
    },
    // Service roles log in over TLS only, with the server's certificate checked against the stack's CA.
    serviceDatabase: (service) => ({
      url: `${serviceDatabaseUrl(service, ports.postgres)}?sslmode=verify-full&sslrootcert=${encodeURIComponent(manifest.caFile)}`,
      password: readFileSync(secretFiles(layout.secretsDir).databasePassword(service), "utf8").trim(),
    }),
    pm2: () => listPm2(layout, ctx.portOffset),
    cpuTargets: () => {
      const processes = new Map<string, number>();
      for (const p of listPm2(layout, ctx.portOffset)) if (p.status === "online" && p.pid > 0) processes.set(p.name, p.pid);
      const pidOf = (name: string) => pidFromFile(manifest.components.find((c) => c.name === name)?.pidFile);
      const redis = pidOf("redis");
      if (redis !== undefined) processes.set("redis", redis);
      const postgres = pidOf("postgres");
      return { processes, trees: new Map(postgres === undefined ? [] : [["postgres", postgres]]) };
    },
  };
};

/** Waits until every long-running service answers its readiness probe; names the ones that never did. */
export const waitServicesReady = async (stack: BenchStack, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let pending: LongRunningService[] = [...LONG_RUNNING_SERVICES];
  while (pending.length > 0 && Date.now() < deadline) {
    const ready = await Promise.all(
      pending.map(async (s) => {
        try {
          return (await stack.get(`${stack.serviceUrl(s)}/health/ready`, 2_000)).status === 200;
        } catch {
          return false;
        }
      }),
    );
    pending = pending.filter((_, i) => !ready[i]);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
  if (pending.length > 0) throw new Error(`not ready after ${timeoutMs / 1000} s: ${pending.join(", ")}`);
};

export interface OwnStack {
  readonly env: NodeJS.ProcessEnv;
  readonly ctx: StackContext;
  readonly upOutput: string;
  stop(): Promise<{ code: number; output: string }>;
}

const TSX = join(REPO_DIR, "node_modules", ".bin", "tsx");

const runStackCommand = (command: "up" | "down", env: NodeJS.ProcessEnv, timeoutMs: number, onLine?: (line: string) => void): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(TSX, ["scripts/stack.ts", command, ...(command === "up" ? ["--timeout", "180"] : [])], { cwd: REPO_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (d: Buffer): void => {
      const text = d.toString();
      output += text;
      for (const line of text.split("\n").filter(Boolean)) onLine?.(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });

/** Port offsets tried for a stack of the bench's own, away from the e2e tests' ranges. */
export const OWN_STACK_OFFSETS = [8300, 8600, 8900, -1400, -1700] as const;

export const freeOffset = async (candidates: readonly number[] = OWN_STACK_OFFSETS): Promise<number> => {
  for (const offset of candidates) {
    if ((await Promise.all(Object.values(stackPorts(offset)).map(isPortFree))).every(Boolean)) return offset;
  }
  throw new Error(`no free port range for the bench's own stack (offsets tried: ${candidates.join(", ")})`);
};

/**
 * Starts a stack in a scratch folder on free offset ports (the services must be built: npm run build).
 * Its `up` may report a failed ai-quant job: the bench needs the long-running services, which the
 * caller checks with waitServicesReady.
 */
export const startOwnStack = async (onLine: (line: string) => void): Promise<OwnStack> => {
  const parent = mkdtempSync(join(tmpdir(), "titan-bench-"));
  chmodSync(parent, 0o755); // PostgreSQL runs as the postgres user and must reach its data folder
  const offset = await freeOffset();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...benchBrainParametersEnv(parent),
    TITAN_STACK_DIR: join(parent, ".titan"),
    TITAN_STACK_PORT_OFFSET: String(offset),
    TITAN_STATE_DIR: join(parent, ".titan"),
  };
  const up = await runStackCommand("up", env, 600_000, onLine);
  return { env, ctx: stackContext(env), upOutput: up.output, stop: () => runStackCommand("down", env, 180_000) };
};
