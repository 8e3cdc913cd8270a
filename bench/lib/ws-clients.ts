// Many browsers' live-feed sockets, in worker threads so that reading the frames does not share an
// event loop with whatever publishes them. Each client times every event frame it reads, from the
// event's own tsMs (whole milliseconds, so each sample carries up to 1 ms of rounding, never less) to
// the moment the frame was parsed.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface ClientPoolOptions {
  readonly url: string;
  readonly clients: number;
  /** Worker threads the clients are spread over. */
  readonly workers: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Only event frames whose title starts with this are timed (the stack publishes events of its own). */
  readonly titlePrefix?: string;
  /** PEM of the CA a wss:// server's certificate is checked against. */
  readonly ca?: string;
  /** The name the server's certificate must carry (the URL's host is an IP). */
  readonly servername?: string;
  readonly connectTimeoutMs?: number;
}

export interface ClientPool {
  /** Event frames read by every client since start, as latencies in ms. */
  latenciesMs(): Promise<number[]>;
  /** How many timed event frames the clients have read so far. */
  received(): Promise<number>;
  /** Sockets closed by the server while measuring (a slow client dropped, a session ended). */
  closedByServer(): Promise<number>;
  close(): Promise<void>;
}

const CLIENTS_JS = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const { WebSocket } = require(workerData.wsPath);
const latencies = [];
let open = 0;
let closed = 0;
let ready = false;
const sockets = [];
for (let i = 0; i < workerData.clients; i += 1) {
  const ws = new WebSocket(workerData.url, { headers: workerData.headers, ca: workerData.ca, servername: workerData.servername, perMessageDeflate: false });
  sockets.push(ws);
  ws.on("open", () => { open += 1; if (open === workerData.clients) { ready = true; parentPort.postMessage({ ready: true }); } });
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    const events = frame.kind === "event" ? [frame.event] : frame.kind === "events" ? frame.events : [];
    const nowMs = performance.timeOrigin + performance.now();
    for (const e of events) if (e.title.startsWith(workerData.titlePrefix)) latencies.push(nowMs - e.tsMs);
  });
  ws.on("close", () => { if (ready) closed += 1; });
  ws.on("unexpected-response", (_req, res) => parentPort.postMessage({ error: "the server answered " + res.statusCode + " to the upgrade" }));
  ws.on("error", (err) => { if (!ready) parentPort.postMessage({ error: String(err) }); });
}
parentPort.on("message", (m) => {
  if (m === "count") parentPort.postMessage({ count: latencies.length });
  if (m === "report") parentPort.postMessage({ latencies: Float64Array.from(latencies), closed });
  if (m === "close") { for (const ws of sockets) ws.terminate(); parentPort.postMessage({ closed: true }); }
});
`;

const once = <T>(worker: Worker, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> =>
  new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>): void => {
      if (typeof m.error === "string") {
        worker.off("message", onMessage);
        reject(new Error(m.error));
        return;
      }
      const value = pick(m);
      if (value === undefined) return;
      worker.off("message", onMessage);
      resolve(value);
    };
    worker.on("message", onMessage);
    worker.once("error", reject);
  });

/** Opens every client; resolves once all of them are open (or rejects naming the first failure). */
export const openClientPool = async (o: ClientPoolOptions): Promise<ClientPool> => {
  if (!(o.clients > 0 && o.workers > 0)) throw new RangeError("openClientPool: clients and workers must be positive");
  const wsPath = createRequire(import.meta.url).resolve("ws");
  const per = Math.ceil(o.clients / o.workers);
  const workers: Worker[] = [];
  for (let left = o.clients; left > 0; left -= per) {
    workers.push(new Worker(CLIENTS_JS, { eval: true, workerData: { url: o.url, clients: Math.min(per, left), headers: o.headers, titlePrefix: o.titlePrefix ?? "", ca: o.ca, servername: o.servername, wsPath } }));
  }
  const timeoutMs = o.connectTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(workers.map((w) => once(w, (m) => (m.ready === true ? true : undefined)))),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${o.clients} clients not all open after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const reports = (): Promise<{ latencies: Float64Array; closed: number }[]> =>
    Promise.all(
      workers.map((w) => {
        const reply = once(w, (m) => (m.latencies instanceof Float64Array ? { latencies: m.latencies, closed: Number(m.closed) } : undefined));
        w.postMessage("report");
        return reply;
      }),
    );
  return {
    received: async () => {
      const counts = await Promise.all(
        workers.map((w) => {
          const reply = once(w, (m) => (typeof m.count === "number" ? m.count : undefined));
          w.postMessage("count");
          return reply;
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
    latenciesMs: async () => (await reports()).flatMap((r) => Array.from(r.latencies)),
    closedByServer: async () => (await reports()).reduce((n, r) => n + r.closed, 0),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
};
