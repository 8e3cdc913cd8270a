// Path 2: console WebSocket delivery on the running stack. The bench enrolls a viewer of its own (an
// admin with a second factor invites it: on its own stack the bench enrolls the first admin with the
// setup code; on another stack it logs in as the admin it is given), logs in as a browser does, opens the clients' sockets at the console's /api/live with that session,
// then puts console events on the bus at a steady rate as execution's reconciler does. Each delivery is
// timed from the event's tsMs to the frame parsed by a client. The viewer is disabled afterwards.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { Redis } from "ioredis";
import { redisTlsOptions } from "../../scripts/lib/local-servers.js";
import type { CliContext } from "../../services/cli/context.js";
import { openConsoleSession, resolveCredentials, type ConsoleSession } from "../../services/cli/login.js";
import { TOTP_PERIOD_SECONDS, totpCode } from "../../services/console/domain/totp.js";
import { systemClock } from "../../services/shared/clock.js";
import { makeEnvelope, streamOf } from "../../services/shared/contracts/index.js";
import { encodeEntryFields } from "../../services/shared/messaging/index.js";
import { httpsRequest } from "../lib/https.js";
import { bucketQuantileUpperBound, histogramDelta, parseHistogram, type HistogramSeries } from "../lib/prom-text.js";
import { CONSOLE_LOAD, TARGETS, judge, type ResultRow } from "../lib/results.js";
import type { BenchStack } from "../lib/stack.js";
import { summariseLatencies } from "../lib/stats.js";
import { openClientPool } from "../lib/ws-clients.js";

export const LIVE_PATH = "/api/live";
/** The bench's events are told apart from the stack's own by their title. */
const BENCH_EVENT_TITLE = "bench event";

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

/** `no-admin`: the bench was given no admin it may log in as (not measurable); `broken`: the console misbehaved. */
class BenchLoginError extends Error {
  constructor(
    message: string,
    readonly kind: "no-admin" | "broken" = "broken",
  ) {
    super(message);
  }
}

const expectStatus = (what: string, answer: { status: number; text: string }, status: number): void => {
  if (answer.status !== status) throw new BenchLoginError(`${what} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
};

export interface BenchLogin {
  /** The bench may enroll the stack's first admin with the setup code (its own stack, or when told to). */
  readonly enrollFirstAdmin: boolean;
  /** An admin's login on a stack the bench did not start (the TOTP code comes from TITAN_OTP). */
  readonly adminUser?: string;
  readonly adminPasswordFile?: string;
}

const cliContextFor = (stack: BenchStack): CliContext => ({
  apiUrl: stack.serviceUrl("console"),
  stateDir: stack.ctx.layout.root,
  caFile: stack.caFile,
  request: () => ({ caFile: stack.caFile, headers: {} }),
});

/**
 * An admin session opened with a second factor (inviting a user needs one). On its own stack the bench
 * enrolls the first admin with the setup code: the code for the previous TOTP step finishes the
 * enrollment, the current one logs in (each step is accepted once).
 */
const adminSession = async (stack: BenchStack, login: BenchLogin): Promise<ConsoleSession> => {
  const ctx = cliContextFor(stack);
  if (!login.enrollFirstAdmin) {
    if (login.adminUser === undefined || login.adminPasswordFile === undefined) {
      throw new BenchLoginError("inviting the bench's viewer needs an admin: pass --console-user and --console-password-file (and TITAN_OTP), --console-first-admin on a fresh stack, or use --own-stack", "no-admin");
    }
    const creds = await resolveCredentials({ user: login.adminUser, passwordFile: login.adminPasswordFile }, process.env, { interactive: false, ask: async () => "", askHidden: async () => "" });
    return openConsoleSession(ctx, creds).catch((err: unknown) => {
      throw new BenchLoginError((err as Error).message, "no-admin");
    });
  }
  const setupCodeFile = join(stack.ctx.layout.secretsDir, "console-setup-code");
  if (!existsSync(setupCodeFile)) throw new BenchLoginError(`the bench's own stack has no setup code (${setupCodeFile}): an admin enrolled already`);
  const ca = readFileSync(stack.caFile);
  const base = stack.serviceUrl("console");
  const enrollment = { authorization: `Titan-Enrollment ${readFileSync(setupCodeFile, "utf8").trim()}` };
  const begun = await httpsRequest(`${base}/api/enrollment/begin`, { method: "POST", ca, headers: enrollment });
  expectStatus("starting the first admin's enrollment", begun, 200);
  const { totpSecret } = JSON.parse(begun.text) as { totpSecret: string };
  const username = "bench-admin";
  const password = randomUUID();
  const stepMs = TOTP_PERIOD_SECONDS * 1000;
  const done = await httpsRequest(`${base}/api/enrollment/complete`, { method: "POST", ca, headers: enrollment, json: { username, password, totpCode: totpCode(totpSecret, Date.now() - stepMs) } });
  expectStatus("finishing the first admin's enrollment", done, 201);
  return openConsoleSession(ctx, { username, password, otp: totpCode(totpSecret, Date.now()) });
};

interface ViewerSession {
  readonly username: string;
  readonly cookie: string;
  /** Logs out and disables the bench's viewer. */
  end(): Promise<void>;
}

/** Invites, enrolls and logs in a viewer of the bench's own, through the console's public API. */
export const benchViewerSession = async (stack: BenchStack, login: BenchLogin): Promise<ViewerSession> => {
  const base = stack.serviceUrl("console");
  const ca = readFileSync(stack.caFile);
  // The admin's session stays open while the bench measures: it disables the viewer afterwards (a TOTP
  // code is accepted once, so logging in again would need a new one).
  const admin = await adminSession(stack, login);
  const endAdmin = (): Promise<void> => admin.logout().catch(() => undefined);
  try {
    const username = `bench-${Date.now().toString(36)}`;
    const password = randomUUID();
    const invited = await httpsRequest(`${base}/api/users`, { method: "POST", ca, headers: admin.headers, json: { username, role: "viewer", reason: "npm run bench: console delivery" } });
    expectStatus("inviting the bench's viewer", invited, 201);
    const enrollment = { authorization: `Titan-Enrollment ${(JSON.parse(invited.text) as { code: string }).code}` };
    expectStatus("starting the viewer's enrollment", await httpsRequest(`${base}/api/enrollment/begin`, { method: "POST", ca, headers: enrollment }), 200);
    expectStatus("finishing the viewer's enrollment", await httpsRequest(`${base}/api/enrollment/complete`, { method: "POST", ca, headers: enrollment, json: { password } }), 201);
    const viewer = await openConsoleSession(cliContextFor(stack), { username, password });
    return {
      username,
      cookie: viewer.headers.cookie as string,
      end: async () => {
        await viewer.logout().catch(() => undefined);
        await httpsRequest(`${base}/api/users/${username}/disable`, { method: "POST", ca, headers: admin.headers, json: { reason: "npm run bench: done" } }).catch(() => undefined);
        await endAdmin();
      },
    };
  } catch (err) {
    await endAdmin();
    throw err;
  }
};

const DELIVERY_HISTOGRAM = "titan_console_websocket_delivery_seconds";

const scrapeDelivery = async (stack: BenchStack): Promise<Map<string, HistogramSeries>> => {
  const res = await stack.get(`${stack.serviceUrl("console")}/metrics`);
  if (res.status !== 200) throw new Error(`console /metrics answered ${res.status}`);
  return parseHistogram(res.text, DELIVERY_HISTOGRAM);
};

/** The console's own view: from the event's tsMs to its frame handed to each socket (before TLS and the network). */
const serverSideNote = (before: Map<string, HistogramSeries>, after: Map<string, HistogramSeries>): string => {
  const delta = histogramDelta(before, after)[0];
  if (delta === undefined) return "the console's delivery histogram saw nothing";
  const ms = (seconds: number): string => `${(seconds * 1000).toFixed(1)} ms`;
  return `console side (tsMs → frame handed to the socket, its own histogram): mean ${ms(delta.sum / delta.count)}, p50 ≤ ${ms(bucketQuantileUpperBound(delta, 0.5))}, p99 ≤ ${ms(bucketQuantileUpperBound(delta, 0.99))} over ${delta.count.toLocaleString("en-US")} writes`;
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
      { version: 1, eventId: randomUUID(), topic: "system", severity: "info", title: `${BENCH_EVENT_TITLE} ${i + 1} of ${count}`, tsMs: nowMs },
      { source: "execution", clock: systemClock },
    );
    void redis.xadd(stream, "*", ...encodeEntryFields(envelope));
  }
  return { sent: count, maxLagMs };
};

export const measureConsoleDelivery = async (stack: BenchStack, opts: { quick: boolean; seconds: number; login: BenchLogin; log: (line: string) => void }): Promise<ResultRow> => {
  const load = consoleLoad(opts.quick, opts.seconds);
  const endpoint = await probeLiveEndpoint(stack.serviceUrl("console"), stack.caFile);
  if (endpoint.kind === "unreachable") return { ...notMeasurable(load, endpoint.detail), status: "failed", notes: [`the console is unreachable: ${endpoint.detail}`] };
  if (endpoint.kind === "absent") return { ...notMeasurable(load, endpoint.detail), status: "failed" };

  let viewer: ViewerSession;
  try {
    viewer = await benchViewerSession(stack, opts.login);
  } catch (err) {
    if (err instanceof BenchLoginError) return err.kind === "no-admin" ? notMeasurable(load, err.message) : { ...notMeasurable(load, err.message), status: "failed", notes: [`the bench could not log in: ${err.message}`] };
    throw err;
  }
  opts.log(`logged in as ${viewer.username} (viewer); opening ${load.clients} sockets`);
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true, ...redisTlsOptions(stack.redisUrl, stack.caFile) });
  const url = `${stack.serviceUrl("console").replace(/^https:/, "wss:")}${LIVE_PATH}`;
  const pool = await openClientPool({ url, clients: load.clients, workers: 2, headers: { cookie: viewer.cookie }, titlePrefix: BENCH_EVENT_TITLE, ca: readFileSync(stack.caFile, "utf8"), servername: "localhost" });
  try {
    await redis.connect();
    await sleep(500); // every socket's hello is read before the first event
    opts.log(`${load.clients} sockets open; ${load.messagesPerSecond} events/s for ${load.seconds} s`);
    const before = await scrapeDelivery(stack);
    const published = await publishEvents(redis, load);
    // The last events reach the clients: wait until every delivery is read or none arrived for 2 s.
    const expected = published.sent * load.clients;
    for (let last = -1, quietSince = Date.now(); Date.now() - quietSince < 2_000; await sleep(200)) {
      const received = await pool.received();
      if (received >= expected) break;
      if (received !== last) [last, quietSince] = [received, Date.now()];
    }
    const latenciesMs = await pool.latenciesMs();
    const closed = await pool.closedByServer();
    const serverSide = serverSideNote(before, await scrapeDelivery(stack));
    const summary = summariseLatencies(latenciesMs.map((ms) => Math.max(0, ms) / 1000));
    const row: ResultRow = {
      id: "console",
      path: "console",
      title: titleOf(load),
      status: summary ? "measured" : "failed",
      unit: "seconds",
      ...(summary ? { latency: summary } : {}),
      // Quick mode passes no verdict on times.
      targets: summary && !opts.quick ? judge({ latency: summary }, TARGETS.consoleDelivery) : [],
      notes: [
        `${latenciesMs.length.toLocaleString("en-US")} of ${expected.toLocaleString("en-US")} deliveries read (${published.sent} events × ${load.clients} clients); ${closed} socket(s) closed by the console`,
        serverSide,
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
