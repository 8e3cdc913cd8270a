// Health probes of the stack's components: an HTTP(S) GET that must answer 200, a PostgreSQL login,
// a Redis PING. Each resolves to a verdict instead of throwing, so a wait loop can report all of them.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Redis } from "ioredis";
import pg from "pg";
import { SECURITY } from "../../ops/security.js";
import { redisTlsOptions } from "../lib/local-servers.js";

export interface Verdict {
  readonly healthy: boolean;
  readonly detail: string;
}

export const httpProbe = (url: string, opts: { timeoutMs: number; caFile?: string }): Promise<Verdict> =>
  new Promise((resolveVerdict) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: "GET",
        timeout: opts.timeoutMs,
        agent: false,
        // The stack's CA, and ops/'s TLS floor: a listener that only offers less is not healthy.
        ...(target.protocol === "https:" && opts.caFile ? { ca: readFileSync(opts.caFile), servername: "localhost", minVersion: SECURITY.minimumTlsVersion.value } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolveVerdict(res.statusCode === 200 ? { healthy: true, detail: "HTTP 200" } : { healthy: false, detail: `HTTP ${res.statusCode}` }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => resolveVerdict({ healthy: false, detail: err.code ?? err.message }));
    req.end();
  });

export const postgresProbe = async (url: string, opts: { timeoutMs: number; password?: string }): Promise<Verdict> => {
  // pg lets the URL's (empty) password win over a separate `password` option, so it goes into the URL.
  const withPassword = new URL(url);
  if (opts.password !== undefined) withPassword.password = encodeURIComponent(opts.password);
  const client = new pg.Client({ connectionString: withPassword.toString(), connectionTimeoutMillis: opts.timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { healthy: true, detail: "login ok" };
  } catch (err) {
    return { healthy: false, detail: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
};

export const redisProbe = async (url: string, opts: { timeoutMs: number; caFile?: string }): Promise<Verdict> => {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: opts.timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...redisTlsOptions(url, opts.caFile) });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === "PONG" ? { healthy: true, detail: "PONG" } : { healthy: false, detail: `answered ${pong}` };
  } catch (err) {
    return { healthy: false, detail: (err as Error).message };
  } finally {
    client.disconnect();
  }
};
