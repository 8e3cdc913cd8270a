// Path 2: console WebSocket delivery on the running stack. The bench enrolls a viewer of its own (an
// admin token invites it: TITAN_TOKEN, or the stack's bootstrap token while no admin has enrolled),
// logs in as a browser does, opens the clients' sockets at the console's /api/live with that session,
// then puts console events on the bus at a steady rate as execution's reconciler does. Each delivery is
// timed from the event's tsMs to the frame parsed by a client. The viewer is disabled afterwards.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { Redis } from "ioredis";
import { redisTlsOptions } from "../../scripts/lib/local-servers.js";
import { secretFiles } from "../../scripts/stack/secrets.js";
import { systemClock } from "../../services/shared/clock.js";
import { makeEnvelope, streamOf } from "../../services/shared/contracts/index.js";
import { encodeEntryFields } from "../../services/shared/messaging/index.js";
import { httpsRequest } from "../lib/https.js";
import { CONSOLE_LOAD, TARGETS, judge, type ResultRow } from "../lib/results.js";
import type { BenchStack } from "../lib/stack.js";
import { summariseLatencies } from "../lib/stats.js";
import { openClientPool } from "../lib/ws-clients.js";

export const LIVE_PATH = "/api/live";

export type LiveEndpoint = { readonly kind: "absent" | "needs-session" | "open" | "unreachable"; readonly detail: string };

/** Asks the console for a WebSocket upgrade at LIVE_PATH without a session and reads the status. */
export const probeLiveEndpoint = (baseUrl: string, caFile: string, timeoutMs = 5_000): Promise<LiveEndpoint> =>
  new Promise((resolve) => {
    const url = new URL(LIVE_PATH, baseUrl);
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      ca: readFileSync(caFile),
      servername: "localhost",
      headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": Buffer.from("titan-bench-probe").toString("base64") },
      timeout: timeoutMs,
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ kind: "open", detail: "upgraded without a session" });
    });
    req.on("response", (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status === 401 || status === 403 ? { kind: "needs-session", detail: `${status} without a session` } : { kind: "absent", detail: `the console answers ${status} to a WebSocket upgrade at ${LIVE_PATH}` });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (err) => resolve({ kind: "unreachable", detail: err.message }));
    req.end();
  });

export interface ConsoleLoad {
  readonly clients: number;
  readonly messagesPerSecond: number;
  readonly seconds: number;
}

export const consoleLoad = (quick: boolean, seconds: number): ConsoleLoad =>
  quick ? { clients: 20, messagesPerSecond: 20, seconds: 2 } : { clients: CONSOLE_LOAD.clients, messagesPerSecond: CONSOLE_LOAD.messagesPerSecond, seconds };

const titleOf = (load: ConsoleLoad): string => `console WebSocket delivery, ${load.clients.toLocaleString("en-US")} clients at ${load.messagesPerSecond}/s`;

const notMeasurable = (load: ConsoleLoad, detail: string): ResultRow => ({
  id: "console",
  path: "console",
  title: titleOf(load),
  status: "not-measurable",
  unit: "seconds",
  targets: [],
  notes: [`not measurable: ${detail}`],
});

/** `no-token`: the bench was given no admin token it may use (not measurable); `broken`: the console misbehaved. */
class BenchLoginError extends Error {
  constructor(
    message: string,
    readonly kind: "no-token" | "broken" = "broken",
  ) {
    super(message);
  }
}

const expectStatus = (what: string, answer: { status: number; text: string }, status: number): void => {
  if (answer.status !== status) throw new BenchLoginError(`${what} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
};

/** An admin token: TITAN_TOKEN, else the stack's bootstrap token (valid until the first admin enrolls). */
const adminToken = (stack: BenchStack, env: NodeJS.ProcessEnv): string | undefined => {
  if (env.TITAN_TOKEN) return env.TITAN_TOKEN;
  const file = secretFiles(stack.ctx.layout.secretsDir).bootstrapAdminToken;
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
};

interface ViewerSession {
  readonly username: string;
  readonly cookie: string;
  /** Logs out and disables the bench's viewer. */
  end(): Promise<void>;
}

/** Invites, enrolls and logs in a viewer of the bench's own, through the console's public API. */
export const benchViewerSession = async (stack: BenchStack, env: NodeJS.ProcessEnv = process.env): Promise<ViewerSession> => {
  const base = stack.serviceUrl("console");
  const ca = readFileSync(stack.caFile);
  const token = adminToken(stack, env);
  if (token === undefined) throw new BenchLoginError("no admin token: set TITAN_TOKEN to an admin's API token (titanctl token create)", "no-token");
  const admin = { authorization: `Bearer ${token}` };
  const username = `bench-${Date.now().toString(36)}`;
  const password = randomUUID();
  const invited = await httpsRequest(`${base}/api/users`, { method: "POST", ca, headers: admin, json: { username, role: "viewer", reason: "npm run bench: console delivery" } });
  if (invited.status === 401 || invited.status === 403) throw new BenchLoginError(`the admin token was refused (${invited.status}): an admin has enrolled, so set TITAN_TOKEN to an admin's API token`, "no-token");
  expectStatus("inviting the bench viewer", invited, 201);
  const { code } = JSON.parse(invited.text) as { code: string };
  const enrollment = { authorization: `Titan-Enrollment ${code}` };
  expectStatus("starting enrollment", await httpsRequest(`${base}/api/enrollment/begin`, { method: "POST", ca, headers: enrollment }), 200);
  expectStatus("finishing enrollment", await httpsRequest(`${base}/api/enrollment/complete`, { method: "POST", ca, headers: enrollment, json: { password } }), 201);
  const login = await httpsRequest(`${base}/api/session`, { method: "POST", ca, headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` } });
  expectStatus("logging in", login, 201);
  const setCookie = [login.headers["set-cookie"] ?? []].flat()[0];
  if (setCookie === undefined) throw new BenchLoginError("the login answered without a session cookie");
  const cookie = setCookie.split(";")[0] as string;
  return {
    username,
    cookie,
    end: async () => {
      await httpsRequest(`${base}/api/session`, { method: "DELETE", ca, headers: { cookie } }).catch(() => undefined);
      await httpsRequest(`${base}/api/users/${username}/disable`, { method: "POST", ca, headers: admin, json: { reason: "npm run bench: done" } }).catch(() => undefined);
    },
  };
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Puts `count` console events on the bus, one every 1/rate s, as execution's reconciler does. */
const publishEvents = async (redis: Redis, load: ConsoleLoad): Promise<{ sent: number; maxLagMs: number }> => {
  const stream = streamOf("console-event");
  const count = Math.max(1, Math.round(load.messagesPerSecond * load.seconds));
  const intervalMs = 1000 / load.messagesPerSecond;
  const startMs = Date.now();
  let maxLagMs = 0;
  for (let i = 0; i < count; i++) {
    const dueMs = startMs + i * intervalMs;
    if (dueMs - Date.now() >= 1) await sleep(dueMs - Date.now());
    const nowMs = Date.now();
    maxLagMs = Math.max(maxLagMs, nowMs - dueMs);
    const envelope = makeEnvelope(
      "console-event",
      { version: 1, eventId: randomUUID(), topic: "system", severity: "info", title: `bench event ${i + 1} of ${count}`, tsMs: nowMs },
      { source: "execution", clock: systemClock },
    );
    void redis.xadd(stream, "*", ...encodeEntryFields(envelope));
  }
  return { sent: count, maxLagMs };
};

export const measureConsoleDelivery = async (stack: BenchStack, opts: { quick: boolean; seconds: number; log: (line: string) => void }): Promise<ResultRow> => {
  const load = consoleLoad(opts.quick, opts.seconds);
  const endpoint = await probeLiveEndpoint(stack.serviceUrl("console"), stack.caFile);
  if (endpoint.kind === "unreachable") return { ...notMeasurable(load, endpoint.detail), status: "failed", notes: [`the console is unreachable: ${endpoint.detail}`] };
  if (endpoint.kind === "absent") return { ...notMeasurable(load, endpoint.detail), status: "failed" };

  let viewer: ViewerSession;
  try {
    viewer = await benchViewerSession(stack);
  } catch (err) {
    if (err instanceof BenchLoginError) return err.kind === "no-token" ? notMeasurable(load, err.message) : { ...notMeasurable(load, err.message), status: "failed", notes: [`the bench could not log in: ${err.message}`] };
    throw err;
  }
  opts.log(`logged in as ${viewer.username} (viewer); opening ${load.clients} sockets`);
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true, ...redisTlsOptions(stack.redisUrl, stack.caFile) });
  const url = `${stack.serviceUrl("console").replace(/^https:/, "wss:")}${LIVE_PATH}`;
  const pool = await openClientPool({ url, clients: load.clients, workers: 2, headers: { cookie: viewer.cookie }, ca: readFileSync(stack.caFile, "utf8"), servername: "localhost" });
  try {
    await redis.connect();
    await sleep(500); // every socket's hello is read before the first event
    opts.log(`${load.clients} sockets open; ${load.messagesPerSecond} events/s for ${load.seconds} s`);
    const published = await publishEvents(redis, load);
    await sleep(1_000); // the last events reach the clients
    const latenciesMs = await pool.latenciesMs();
    const closed = await pool.closedByServer();
    const expected = published.sent * load.clients;
    const summary = summariseLatencies(latenciesMs.map((ms) => Math.max(0, ms) / 1000));
    const row: ResultRow = {
      id: "console",
      path: "console",
      title: titleOf(load),
      status: summary ? "measured" : "failed",
      unit: "seconds",
      ...(summary ? { latency: summary } : {}),
      targets: summary ? judge({ latency: summary }, TARGETS.consoleDelivery) : [],
      notes: [
        `${latenciesMs.length.toLocaleString("en-US")} of ${expected.toLocaleString("en-US")} deliveries read (${published.sent} events × ${load.clients} clients); ${closed} socket(s) closed by the console`,
        "timed from the event's tsMs (whole ms, so up to 1 ms too long) on the bus to the frame parsed by a client; the clients run in 2 worker threads of the bench on the same cores",
        ...(published.maxLagMs > 50 ? [`the publisher fell up to ${published.maxLagMs.toFixed(0)} ms behind its schedule`] : []),
      ],
      details: { load, deliveries: latenciesMs.length, expectedDeliveries: expected, closedByServer: closed },
    };
    return row;
  } finally {
    await pool.close();
    redis.disconnect();
    await viewer.end();
  }
};
