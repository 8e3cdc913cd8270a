// Path 2: console WebSocket delivery. The fan-out (services/console, /api/live, session cookie) is being
// built; until the running console serves it, this path reports "not measurable yet" with what the
// console answered, and never a made-up figure.
import { readFileSync } from "node:fs";
import { request } from "node:https";
import type { BenchStack } from "../lib/stack.js";
import { CONSOLE_LOAD, type ResultRow } from "../lib/results.js";

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

const notMeasurable = (detail: string): ResultRow => ({
  id: "console",
  path: "console",
  title: `console WebSocket delivery, ${CONSOLE_LOAD.clients.toLocaleString("en-US")} clients at ${CONSOLE_LOAD.messagesPerSecond}/s`,
  status: "not-measurable",
  unit: "seconds",
  targets: [],
  notes: [`not measurable yet: ${detail}`],
});

export const measureConsoleDelivery = async (stack: BenchStack): Promise<ResultRow> => {
  const endpoint = await probeLiveEndpoint(stack.serviceUrl("console"), stack.caFile);
  if (endpoint.kind === "unreachable") {
    return { ...notMeasurable(endpoint.detail), status: "failed", notes: [`the console is unreachable: ${endpoint.detail}`] };
  }
  if (endpoint.kind === "absent") return notMeasurable(`${endpoint.detail} (the fan-out is not in the running build)`);
  return notMeasurable(`the console serves ${LIVE_PATH} (${endpoint.detail}), but the bench has no operator session to open it with yet: a bench login (enrolment, password and TOTP) is the next step for this path`);
};
