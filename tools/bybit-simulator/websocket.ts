// Bybit v5 WebSocket streams on the simulator's HTTP port.
//   /v5/private        auth op (HMAC of "GET/realtime" + expires), subscribe to order, execution,
//                      position, wallet; ping/pong. Fed by the engine's events.
//   /v5/public/linear  subscribe to publicTrade.<symbol> and tickers.<symbol>; ping/pong.

import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { JsonObject } from "./bybit-json.js";
import type { BybitSimulatorCore, PrivateTopic } from "./core.js";
import { uuidFrom } from "./ids.js";
import { signaturesMatch, wsAuthSignature } from "./signature.js";

export const PRIVATE_WS_PATH = "/v5/private";
export const PUBLIC_WS_PATH = "/v5/public/linear";

const PRIVATE_TOPICS: Readonly<Record<string, PrivateTopic>> = {
  order: "order",
  "order.linear": "order",
  execution: "execution",
  "execution.linear": "execution",
  position: "position",
  "position.linear": "position",
  wallet: "wallet",
};

interface Connection {
  readonly socket: WebSocket;
  readonly connId: string;
  readonly kind: "private" | "public";
  apiKey: string | null;
  readonly topics: Set<string>;
}

export type StreamKind = "private" | "public" | "all";

export class SimulatorStreams {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private connCounter = 0;
  private messageCounter = 0;
  private publicSeq = 0;
  private readonly unsubscribe: () => void;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head);

  constructor(
    private readonly core: BybitSimulatorCore,
    private readonly httpServer: Server,
  ) {
    httpServer.on("upgrade", this.onUpgrade);
    this.unsubscribe = core.subscribe({
      onPrivate: (topic, data) => this.pushPrivate(topic, data),
      onPublic: (topic, data) => this.pushPublic(topic, data),
    });
  }

  counts(): { private: number; public: number } {
    let priv = 0;
    for (const connection of this.connections) if (connection.kind === "private") priv += 1;
    return { private: priv, public: this.connections.size - priv };
  }

  /** Who is connected and listening to what: lets tests wait until a client has subscribed. */
  subscriptions(): { kind: "private" | "public"; authenticated: boolean; apiKey: string | null; topics: string[] }[] {
    return [...this.connections].map((c) => ({ kind: c.kind, authenticated: c.apiKey !== null, apiKey: c.apiKey, topics: [...c.topics].sort() }));
  }

  /** Drops connections without a close handshake, as a network failure would. */
  drop(which: StreamKind = "all"): number {
    let dropped = 0;
    for (const connection of [...this.connections]) {
      if (which !== "all" && connection.kind !== which) continue;
      connection.socket.terminate();
      this.connections.delete(connection);
      dropped += 1;
    }
    return dropped;
  }

  close(): void {
    this.drop("all");
    this.unsubscribe();
    this.httpServer.off("upgrade", this.onUpgrade);
    this.server.close();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? "").split("?")[0];
    const kind = path === PRIVATE_WS_PATH ? "private" : path === PUBLIC_WS_PATH ? "public" : null;
    if (!kind) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.connCounter += 1;
      const connection: Connection = { socket: ws, connId: uuidFrom(this.core.seed, `conn:${this.connCounter}`), kind, apiKey: null, topics: new Set() };
      this.connections.add(connection);
      ws.on("message", (raw) => this.receive(connection, raw.toString()));
      ws.on("close", () => this.connections.delete(connection));
      ws.on("error", () => this.connections.delete(connection));
    });
  }

  private send(connection: Connection, message: JsonObject): void {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(message));
  }

  private receive(connection: Connection, raw: string): void {
    let message: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      this.send(connection, { success: false, ret_msg: "error:invalid op", conn_id: connection.connId, request: { op: "", args: null } });
      return;
    }
    const reqId = typeof message.req_id === "string" || typeof message.req_id === "number" ? String(message.req_id) : undefined;
    const args = Array.isArray(message.args) ? message.args.map(String) : [];
    // Bybit echoes the request in a refusal; ccxt reads request.op to tell an auth failure from others.
    const answer = (fields: JsonObject) =>
      this.send(connection, {
        ...fields,
        conn_id: connection.connId,
        ...(reqId === undefined ? {} : { req_id: reqId }),
        ...(fields.success === false ? { request: { op: String(message.op ?? ""), args: args.length ? args : null } } : {}),
      });
    switch (message.op) {
      case "ping":
        if (connection.kind === "private") answer({ op: "pong", args: [String(this.core.nowMs())] });
        else answer({ success: true, ret_msg: "pong", op: "ping" });
        return;
      case "auth":
        answer(this.authenticate(connection, args));
        return;
      case "subscribe":
        answer(this.subscribe(connection, args));
        if (connection.kind === "public") this.sendTickerSnapshots(connection, args);
        return;
      case "unsubscribe":
        for (const topic of args) connection.topics.delete(topic);
        answer({ success: true, ret_msg: "", op: "unsubscribe" });
        return;
      default:
        answer({ success: false, ret_msg: `error:invalid op ${String(message.op)}`, op: String(message.op) });
    }
  }

  private authenticate(connection: Connection, args: string[]): JsonObject {
    const [apiKey, expires, signature] = args;
    const fail = (reason: string): JsonObject => ({ success: false, ret_msg: reason, op: "auth" });
    if (connection.kind !== "private") return fail("error:auth is only for the private stream");
    if (!apiKey || !expires || !signature) return fail("Params Error");
    const secret = this.core.credentials.get(apiKey);
    if (secret === undefined) return fail("error:USVC1111 api key invalid");
    if (!(Number(expires) > this.core.nowMs())) return fail("error:Request expired");
    if (!signaturesMatch(wsAuthSignature(secret, expires), signature)) return fail("error:signature invalid");
    connection.apiKey = apiKey;
    return { success: true, ret_msg: "", op: "auth" };
  }

  private subscribe(connection: Connection, topics: string[]): JsonObject {
    if (connection.kind === "private" && connection.apiKey === null) return { success: false, ret_msg: "Request not authorized", op: "subscribe" };
    for (const topic of topics) {
      if (!this.topicKnown(connection, topic)) return { success: false, ret_msg: `error:handler not found,topic:${topic}`, op: "subscribe" };
    }
    for (const topic of topics) connection.topics.add(connection.kind === "private" ? PRIVATE_TOPICS[topic]! : topic);
    return { success: true, ret_msg: connection.kind === "private" ? "" : "subscribe", op: "subscribe" };
  }

  private topicKnown(connection: Connection, topic: string): boolean {
    if (connection.kind === "private") return topic in PRIVATE_TOPICS;
    const [channel, symbol] = topic.split(".");
    return (channel === "publicTrade" || channel === "tickers") && symbol !== undefined && this.core.instruments.has(symbol);
  }

  private sendTickerSnapshots(connection: Connection, topics: string[]): void {
    for (const topic of topics) {
      const [channel, symbol] = topic.split(".");
      if (channel === "tickers" && symbol && connection.topics.has(topic)) this.pushPublicTo(connection, topic, this.core.ticker(symbol));
    }
  }

  private pushPrivate(topic: PrivateTopic, data: JsonObject[]): void {
    this.messageCounter += 1;
    const message = { id: uuidFrom(this.core.seed, `msg:${this.messageCounter}`), topic, creationTime: this.core.nowMs(), data };
    for (const connection of [...this.connections]) {
      if (connection.kind !== "private" || connection.apiKey === null) continue;
      // A deleted key's sessions end, as at the exchange: the client must authenticate with a key that works.
      if (!this.core.credentials.has(connection.apiKey)) {
        connection.socket.terminate();
        this.connections.delete(connection);
        continue;
      }
      if (connection.topics.has(topic)) this.send(connection, message);
    }
  }

  private pushPublic(topic: string, data: JsonObject | JsonObject[]): void {
    for (const connection of this.connections) {
      if (connection.kind === "public" && connection.topics.has(topic)) this.pushPublicTo(connection, topic, data);
    }
  }

  private pushPublicTo(connection: Connection, topic: string, data: JsonObject | JsonObject[]): void {
    this.publicSeq += 1;
    const tsMs = this.core.nowMs();
    this.send(connection, topic.startsWith("tickers.") ? { topic, type: "snapshot", data, cs: this.publicSeq, ts: tsMs } : { topic, type: "snapshot", ts: tsMs, data });
  }
}
