// Redis of the local stack: TLS only (TLS 1.3 on its port, no plain-text port), append-only and
// noeviction, its certificate from the stack's CA. A Redis left running from before TLS (plain text on
// the port) is stopped and started again with TLS; its append-only file keeps the streams.
import { join } from "node:path";
import { Redis } from "ioredis";
import { redisTlsOptions, startRedis, stopRedis, type RedisTls } from "../lib/local-servers.js";
import { requireFreePort } from "./context.js";
import { redisProbe } from "./health.js";
import type { StackPorts } from "./ports.js";
import { runningPid } from "./processes.js";
import type { StackLayout } from "./state.js";

export const stackRedisUrl = (ports: StackPorts): string => `rediss://127.0.0.1:${ports.redis}`;

/**
 * Redis rewrites its process title over its environment, wiping the stack marker: put the stack's
 * folder into the title instead, so `down` and CI still recognise an orphaned Redis as the stack's.
 */
const nameRedisProcess = async (url: string, caFile: string, dir: string): Promise<void> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, ...redisTlsOptions(url, caFile) });
  try {
    await client.connect();
    await client.call("CONFIG", "SET", "proc-title-template", `{title} {listen-addr} {server-mode} ${dir}/`);
  } finally {
    client.disconnect();
  }
};

/** Redis reads its certificate at start; setting the file names again makes it read them anew. */
const reloadCertificate = async (url: string, tls: RedisTls): Promise<void> => {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, ...redisTlsOptions(url, tls.caFile) });
  try {
    await client.connect();
    await client.call("CONFIG", "SET", "tls-cert-file", tls.certFile, "tls-key-file", tls.keyFile);
  } finally {
    client.disconnect();
  }
};

/** Starts Redis with TLS unless it already serves TLS (then takes a `renewed` certificate); says what it did. */
export const ensureStackRedis = async (layout: StackLayout, ports: StackPorts, tls: RedisTls, renewed = false): Promise<string> => {
  const url = stackRedisUrl(ports);
  let pid = runningPid(join(layout.redisDir, "redis.pid"), "redis-server");
  let restarted = false;
  if (pid !== undefined && !(await redisProbe(url, { timeoutMs: 2_000, caFile: tls.caFile })).healthy) {
    await stopRedis(layout.redisDir);
    pid = undefined;
    restarted = true;
  }
  if (pid === undefined) {
    await requireFreePort("redis", ports.redis);
    await startRedis({ dir: layout.redisDir, port: ports.redis, appendOnly: true, tls });
  }
  await nameRedisProcess(url, tls.caFile, layout.redisDir);
  if (pid !== undefined && renewed) await reloadCertificate(url, tls);
  if (pid !== undefined) return `already running (pid ${pid}, TLS 1.3${renewed ? ", certificate renewed" : ""})`;
  return `${restarted ? "restarted with TLS" : "started"} on ${url} (TLS 1.3 only, append-only, noeviction)`;
};
