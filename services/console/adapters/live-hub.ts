// The browsers' WebSocket: the upgrade is authenticated with the session cookie (and a same-origin
// check, since browsers send cookies on cross-site WebSocket handshakes too); the events of one bus
// read are framed once per role and written to every socket whose user may see them. A socket with too much unsent is
// dropped (its page reconnects and reloads), so one slow browser never holds up the others. Sessions
// are re-checked periodically: a revoked or expired session loses its socket.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { ConsoleEvent, Role } from "../../shared/contracts/index.js";
import type { ServiceMetrics } from "../../shared/metrics.js";
import { eventsFrame, mayReceive, TOPIC_MIN_ROLE, type ConsoleTopic } from "../domain/live-events.js";
import { parseCookies, parseSessionCookieValue, SESSION_COOKIE, type SessionCredential } from "../domain/session-credentials.js";
import type { ConsoleAuth } from "./console-auth.js";

export const LIVE_PATH = "/api/live";
/** Close codes the page understands: 4001 = log in again, 4008 = too slow (reconnect), 1013 = full (retry later). */
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_TOO_SLOW = 4008;

interface Client {
  readonly ws: WebSocket;
  readonly credential: SessionCredential;
  readonly sessionId: string;
  role: Role;
  alive: boolean;
}

export interface LiveHubOptions {
  /** Only the session check is needed (the bench gives a stand-in). */
  readonly auth: Pick<ConsoleAuth, "checkSession">;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly maxBufferedBytes: number;
  readonly maxConnections: number;
  readonly nowMs: () => number;
  /** How often sessions are re-checked and dead sockets found. */
  readonly sweepMs?: number;
}

const sameOrigin = (req: IncomingMessage): boolean => {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: the cookie is the whole credential
  try {
    return new URL(origin).hostname === (req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
};

const reject = (socket: Duplex, status: number, text: string): void => {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
};

/** The live feed's metrics, registered once per process (the dashboards' name checks build them too). */
export const liveHubMetrics = (m: ServiceMetrics) => ({
  delivery: m.histogram("websocket_delivery_seconds", "From a bus event's timestamp to its frame written to the last browser's WebSocket (once per event)"),
  connections: m.gauge("websocket_connections", "Browsers connected to this console instance's live feed"),
  disconnects: m.counter("websocket_disconnects_total", "Live-feed sockets closed, by why", ["reason"]),
  eventsTotal: m.counter("live_events_total", "Bus events fanned out to browsers, by topic", ["topic"]),
});

export class LiveHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private readonly delivery: ReturnType<typeof liveHubMetrics>["delivery"];
  private readonly connections: ReturnType<typeof liveHubMetrics>["connections"];
  private readonly disconnects: ReturnType<typeof liveHubMetrics>["disconnects"];
  private readonly eventsTotal: ReturnType<typeof liveHubMetrics>["eventsTotal"];

  constructor(private readonly o: LiveHubOptions) {
    ({ delivery: this.delivery, connections: this.connections, disconnects: this.disconnects, eventsTotal: this.eventsTotal } = liveHubMetrics(o.metrics));
    for (const reason of ["slow", "session", "closed", "dead", "refused"]) this.disconnects.inc({ reason }, 0);
    this.connections.set(0);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over WebSocket upgrades at LIVE_PATH on the server; other upgrade paths are refused. */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(req, socket, head).catch((err: unknown) => {
        this.o.logger.warn({ err }, "live feed: upgrade failed");
        reject(socket, 500, "Internal Server Error");
      });
    });
    this.timer = setInterval(() => void this.sweep(), this.o.sweepMs ?? 15_000);
    this.timer.unref();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if ((req.url ?? "").split("?")[0] !== LIVE_PATH) return reject(socket, 404, "Not Found");
    if (!sameOrigin(req)) {
      this.disconnects.inc({ reason: "refused" });
      return reject(socket, 403, "Forbidden");
    }
    const value = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const credential = value === undefined ? null : parseSessionCookieValue(value);
    const checked = credential === null ? null : await this.o.auth.checkSession(credential);
    if (credential === null || checked === null || !checked.ok) {
      this.disconnects.inc({ reason: "refused" });
      return reject(socket, 401, "Unauthorized");
    }
    if (this.clients.size >= this.o.maxConnections) {
      this.disconnects.inc({ reason: "refused" });
      return reject(socket, 503, "Service Unavailable");
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, credential, sessionId: checked.context.session.id, role: checked.context.user.role, alive: true };
      this.clients.add(client);
      this.connections.set(this.clients.size);
      ws.on("pong", () => {
        client.alive = true;
      });
      ws.on("message", () => undefined); // the feed is one-way; input is ignored (and capped by maxPayload)
      ws.on("error", () => ws.terminate());
      ws.on("close", () => {
        if (this.clients.delete(client)) this.disconnects.inc({ reason: "closed" });
        this.connections.set(this.clients.size);
      });
      const topics = (Object.keys(TOPIC_MIN_ROLE) as ConsoleTopic[]).filter((t) => mayReceive(client.role, t));
      ws.send(JSON.stringify({ kind: "hello", user: checked.context.user.username, role: client.role, topics }));
    });
  }

  private drop(client: Client, reason: "slow" | "session" | "dead", code: number, text: string): void {
    if (!this.clients.delete(client)) return;
    this.disconnects.inc({ reason });
    this.connections.set(this.clients.size);
    if (reason === "dead") client.ws.terminate();
    else {
      client.ws.close(code, text);
      // A slow peer may never read the close frame either: cut it after a grace period.
      setTimeout(() => client.ws.terminate(), 1_000).unref();
    }
  }

  /** Frames the event once and writes it to every socket allowed to see its topic. */
  publish(event: ConsoleEvent): void {
    this.publishAll([event]);
  }

  /**
   * Writes the events of one bus read to every socket: one frame per role (what that role may see,
   * serialised once), one write per socket. The delivery histogram takes each event once, when the
   * last socket has its frame: the worst browser's wait, not an average over sockets.
   */
  publishAll(events: readonly ConsoleEvent[]): void {
    if (this.clients.size === 0 || events.length === 0) return;
    for (const event of events) this.eventsTotal.inc({ topic: event.topic });
    const frames = new Map<Role, Buffer | null>();
    const frameFor = (role: Role): Buffer | null => {
      let frame = frames.get(role);
      if (frame === undefined) {
        const visible = events.filter((e) => mayReceive(role, e.topic));
        frame = visible.length === 0 ? null : Buffer.from(eventsFrame(visible), "utf8");
        frames.set(role, frame);
      }
      return frame;
    };
    let delivered = false;
    for (const client of this.clients) {
      if (client.ws.readyState !== WebSocket.OPEN) continue;
      const frame = frameFor(client.role);
      if (frame === null) continue;
      if (client.ws.bufferedAmount > this.o.maxBufferedBytes) {
        this.drop(client, "slow", CLOSE_TOO_SLOW, "too slow: reconnect");
        continue;
      }
      client.ws.send(frame, { binary: false });
      delivered = true;
    }
    if (!delivered) return;
    const nowMs = this.o.nowMs();
    for (const event of events) this.delivery.observe(Math.max(0, nowMs - event.tsMs) / 1000);
  }

  /** Drops sockets whose session ended or whose peer stopped answering pings. */
  async sweep(): Promise<void> {
    for (const client of [...this.clients]) {
      if (!client.alive) {
        this.drop(client, "dead", 1001, "no pong");
        continue;
      }
      client.alive = false;
      client.ws.ping();
      const checked = await this.o.auth.checkSession(client.credential).catch(() => null);
      if (checked !== null && !checked.ok) this.drop(client, "session", CLOSE_SESSION_ENDED, "session ended");
      else if (checked?.ok) client.role = checked.context.user.role;
    }
  }

  /** Ends every socket of one session at once (logout). */
  endSession(sessionId: string): void {
    for (const client of [...this.clients]) if (client.sessionId === sessionId) this.drop(client, "session", CLOSE_SESSION_ENDED, "logged out");
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const client of this.clients) client.ws.terminate();
    this.clients.clear();
    this.connections.set(0);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
