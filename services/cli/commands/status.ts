// `titanctl status`: the seed's health check — one line per component, non-zero exit if any is unhealthy.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { withPassword } from "../../shared/config/index.js";
import { send } from "../http-client.js";

export type StatusTarget =
  | { readonly name: string; readonly kind: "http"; readonly url: string; readonly critical?: boolean }
  | { readonly name: string; readonly kind: "postgres"; readonly url: string; readonly passwordFile?: string; readonly critical?: boolean }
  | { readonly name: string; readonly kind: "redis"; readonly url: string; readonly passwordFile?: string; readonly critical?: boolean };

export interface ProbeResult {
  readonly name: string;
  readonly healthy: boolean;
  readonly detail: string;
  readonly latencyMs: number;
}

const readSecret = (file: string | undefined): string | undefined => (file && existsSync(file) ? readFileSync(file, "utf8").trim() : undefined);

const timed = async (name: string, probe: () => Promise<string>): Promise<ProbeResult> => {
  const started = performance.now();
  try {
    const detail = await probe();
    return { name, healthy: true, detail, latencyMs: performance.now() - started };
  } catch (err) {
    return { name, healthy: false, detail: (err as Error).message.split("\n")[0] ?? "error", latencyMs: performance.now() - started };
  }
};

/** A readiness body lists failing checks; show them so the on-call engineer sees which dependency is down. */
const describeReadiness = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { checks?: Record<string, { status?: string; error?: string }> };
    if (!parsed.checks) return "";
    return Object.entries(parsed.checks)
      .map(([dep, check]) => (check.status === "ok" ? `${dep} ok` : `${dep} FAIL${check.error ? ` (${check.error})` : ""}`))
      .join(", ");
  } catch {
    return "";
  }
};

export const probe = (target: StatusTarget, opts: { caFile?: string; timeoutMs: number }): Promise<ProbeResult> => {
  switch (target.kind) {
    case "http":
      return timed(target.name, async () => {
        const answer = await send(target.url, { timeoutMs: opts.timeoutMs, ...(opts.caFile ? { caFile: opts.caFile } : {}) });
        const checks = describeReadiness(answer.body);
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}${checks ? ` (${checks})` : ""} from ${target.url}`);
        return checks || `HTTP 200 ${target.url}`;
      });
    case "postgres":
      return timed(target.name, async () => {
        const password = readSecret(target.passwordFile);
        const client = new pg.Client({ connectionString: withPassword(target.url, password), connectionTimeoutMillis: opts.timeoutMs });
        try {
          await client.connect();
          const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
          return `PostgreSQL ${rows[0]?.server_version ?? "?"} at ${new URL(target.url).host}`;
        } finally {
          await client.end().catch(() => undefined);
        }
      });
    case "redis":
      return timed(target.name, async () => {
        const password = readSecret(target.passwordFile);
        // rediss:// (the local stack's Redis speaks TLS only): trust the same CA as for the HTTPS targets.
        const tls = target.url.startsWith("rediss:") && opts.caFile ? { tls: { ca: readFileSync(opts.caFile) } } : {};
        const client = new Redis(target.url, { lazyConnect: true, connectTimeout: opts.timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...(password ? { password } : {}), ...tls });
        try {
          await client.connect();
          const pong = await client.ping();
          if (pong !== "PONG") throw new Error(`unexpected reply ${pong}`);
          return `Redis at ${new URL(target.url).host}`;
        } finally {
          client.disconnect();
        }
      });
  }
};

/** Renders one aligned line per component; the exit code is 1 when any component is unhealthy. */
export const renderStatus = (results: readonly ProbeResult[]): { text: string; exitCode: number } => {
  const width = Math.max(9, ...results.map((r) => r.name.length));
  const lines = results.map((r) => `${r.name.padEnd(width)}  ${(r.healthy ? "healthy" : "UNHEALTHY").padEnd(9)}  ${r.latencyMs.toFixed(0).padStart(5)} ms  ${r.detail}`);
  const unhealthy = results.filter((r) => !r.healthy).length;
  const summary = unhealthy === 0 ? `all ${results.length} components healthy` : `${unhealthy} of ${results.length} components unhealthy`;
  return { text: [`${"COMPONENT".padEnd(width)}  STATE      LATENCY  DETAIL`, ...lines, summary].join("\n"), exitCode: unhealthy === 0 ? 0 : 1 };
};

/** Targets of the local stack come from the state file it writes; otherwise the services behind the API entry point. */
export const loadTargets = (stateDir: string, apiUrl: string): StatusTarget[] => {
  const stateFile = join(stateDir, "stack.json");
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as { statusTargets?: StatusTarget[] };
    if (Array.isArray(state.statusTargets) && state.statusTargets.length > 0) return state.statusTargets;
  }
  const base = apiUrl.replace(/\/$/, "");
  return [
    { name: "console", kind: "http", url: `${base}/health/ready` },
    { name: "brain", kind: "http", url: `${base}/api/brain/health/ready` },
    { name: "execution", kind: "http", url: `${base}/api/execution/health/ready` },
    { name: "scavenger", kind: "http", url: `${base}/api/scavenger/health/ready` },
    { name: "ai-quant-api", kind: "http", url: `${base}/api/quant/health/ready` },
  ];
};

export const runStatus = async (targets: readonly StatusTarget[], opts: { caFile?: string; timeoutMs: number }): Promise<{ text: string; exitCode: number; results: ProbeResult[] }> => {
  const results = await Promise.all(targets.map((t) => probe(t, opts)));
  return { ...renderStatus(results), results };
};
