// WebSocket delivery latency of the console's live feed, end to end on this machine: a throwaway Redis,
// messages XADDed to a bus stream at a steady rate, the console's own LiveFeed (XREAD from the tail)
// and LiveHub (frame once, write to every socket), and N browsers' sockets in a worker thread (so the
// clients do not share the server's event loop). Each delivery is timed from the message's timestamp
// to its frame read by the client. Prints the figure; nothing is asserted.
//   npx tsx services/console/bench.ts [--clients 100] [--rate 100] [--seconds 10]
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import getPort from "get-port";
import { Redis } from "ioredis";
import pino from "pino";
import { openClientPool } from "../../bench/lib/ws-clients.js";
import { PERFORMANCE_TARGETS, KPIS } from "../../ops/index.js";
import { startRedis, stopRedis } from "../../scripts/lib/local-servers.js";
import { systemClock } from "../shared/clock.js";
import { makeEnvelope, streamOf } from "../shared/contracts/index.js";
import { encodeEntryFields } from "../shared/messaging/index.js";
import { ServiceMetrics } from "../shared/metrics.js";
import type { SessionCheck } from "./adapters/console-auth.js";
import { LiveFeed } from "./adapters/live-feed.js";
import { LiveHub } from "./adapters/live-hub.js";
import { toConsoleEvent } from "./domain/live-events.js";
import { newSessionCredential, sessionCookieValue, SESSION_COOKIE } from "./domain/session-credentials.js";

export interface DeliveryOptions {
  readonly clients?: number;
  readonly messagesPerSecond?: number;
  readonly seconds?: number;
}

export interface DeliveryFigures {
  readonly clients: number;
  readonly messages: number;
  readonly deliveries: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Upper edge of the server histogram's bucket holding its p99 (send, not read). */
  readonly serverP99AtMostMs: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export async function measureDeliveryLatency(opts: DeliveryOptions = {}): Promise<DeliveryFigures> {
  const clients = opts.clients ?? 100;
  const rate = opts.messagesPerSecond ?? 100;
  const seconds = opts.seconds ?? 10;
  const dir = mkdtempSync(join(tmpdir(), "titan-console-bench-"));
  const redisServer = await startRedis({ dir, port: await getPort() });
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  const logger = pino({ level: "warn" });
  const metrics = new ServiceMetrics("console", { defaultMetrics: false });
  // Every socket is a viewer's: the session check is not what is measured.
  const viewer = { ok: true, context: { session: { id: "bench" }, user: { username: "bench", role: "viewer" } } } as unknown as SessionCheck;
  const hub = new LiveHub({ auth: { checkSession: async () => viewer }, metrics, logger, maxBufferedBytes: 4 * 1024 * 1024, maxConnections: clients + 10, nowMs: () => Date.now(), sweepMs: 3_600_000 });
  const server = createServer((_req, res) => res.writeHead(404).end());
  hub.attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const feed = new LiveFeed({
    redis,
    types: ["position-snapshot"],
    logger,
    onEnvelopes: (envelopes) => hub.publishAll(envelopes.map(toConsoleEvent).filter((e) => e !== null)),
  });
  const pool = await openClientPool({
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/live`,
    clients,
    workers: 1,
    headers: { cookie: `${SESSION_COOKIE}=${sessionCookieValue(newSessionCredential())}` },
  });
  try {
    feed.start();
    await new Promise((r) => setTimeout(r, 500)); // XREAD from the tail ($) must be waiting before the first message
    let sent = 0;
    const stream = streamOf("position-snapshot");
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const envelope = makeEnvelope(
          "position-snapshot",
          { version: 1, venue: "paper", symbol: "BTCUSDT", source: "shadow", side: "long", qty: 0.01 + sent / 1e6, entryPriceUsd: 60_000, markPriceUsd: 60_010, notionalUsd: 600, leverage: 5, unrealisedPnlUsd: 0.1, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs: Date.now() },
          { source: "execution", clock: systemClock },
        );
        void redis.xadd(stream, "*", ...encodeEntryFields(envelope));
        sent += 1;
        if (sent >= rate * seconds) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / rate);
    });
    await new Promise((r) => setTimeout(r, 1_000)); // the last messages reach the clients
    const latencies = await pool.latenciesMs();
    const sorted = [...latencies].sort((a, b) => a - b);
    const histogram = (await metrics.registry.getSingleMetric("titan_console_websocket_delivery_seconds")?.get())?.values ?? [];
    const buckets = histogram.filter((v) => v.labels.le !== undefined && v.labels.le !== "+Inf").map((v) => ({ le: Number(v.labels.le), count: v.value }));
    const total = histogram.find((v) => v.labels.le === "+Inf")?.value ?? 0;
    const serverP99 = buckets.find((b) => b.count >= 0.99 * total)?.le ?? Number.POSITIVE_INFINITY;
    return {
      clients,
      messages: sent,
      deliveries: sorted.length,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      serverP99AtMostMs: serverP99 * 1000,
    };
  } finally {
    await pool.close();
    await feed.stop();
    await hub.close();
    server.close();
    redis.disconnect();
    await stopRedis(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

const USAGE = `Usage: npx tsx services/console/bench.ts [--clients N] [--rate MESSAGES_PER_SECOND] [--seconds S]

Measures the console's WebSocket delivery latency end to end (Redis stream → live feed → sockets) on
this machine and prints p50/p95/p99. Defaults: 100 clients, 100 messages/s, 10 s.`;

const argValue = (args: readonly string[], name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${args[i + 1]}`);
  return value;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    const options = { clients: argValue(args, "--clients", 100), messagesPerSecond: argValue(args, "--rate", 100), seconds: argValue(args, "--seconds", 10) };
    process.stderr.write(`measuring: ${options.clients} clients, ${options.messagesPerSecond} messages/s for ${options.seconds} s…\n`);
    const f = await measureDeliveryLatency(options);
    const ms = (x: number): string => `${x.toFixed(2)} ms`;
    const say = (line: string): void => void process.stdout.write(`${line}\n`);
    say(`console WebSocket delivery, ${f.clients} clients, ${f.messages} messages, ${f.deliveries} deliveries (bus timestamp → frame read by the browser socket):`);
    say(`  p50 ${ms(f.p50Ms)}  p95 ${ms(f.p95Ms)}  p99 ${ms(f.p99Ms)}  max ${ms(f.maxMs)}  (server-side histogram p99 ≤ ${ms(f.serverP99AtMostMs)})`);
    say(`  targets: p99 ≤ ${ms(PERFORMANCE_TARGETS.consoleDeliveryP99.value * 1000)} at 1,000 clients (DESIGN.md); seed KPI p95 < ${ms(KPIS.websocketDeliveryLatencyP95.threshold * 1000)}`);
    say("  (timestamps are whole milliseconds: each figure carries up to 1 ms of rounding)");
  }
}
