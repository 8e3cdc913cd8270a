// The live feed: bus events reach logged-in browsers over WebSocket, each user gets only the topics
// their role may see, a handshake without a session or from another site is refused, a slow client is
// dropped while the others keep receiving, and logging out ends the socket.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { systemClock } from "../../../services/shared/clock.js";
import { makeEnvelope, streamOf, type ConsoleEvent } from "../../../services/shared/contracts/index.js";
import { encodeEntryFields } from "../../../services/shared/messaging/index.js";
import { SAMPLE_PAYLOADS } from "../../../services/shared/contracts/samples.js";
import { firstAdmin, invite, loggedIn, startConsole, type ConsoleWorld, type Session } from "./support.js";

let world: ConsoleWorld;
let redis: Redis;
let admin: Session;
let viewer: Session;

interface Frame {
  kind: string;
  event?: ConsoleEvent;
  role?: string;
  topics?: string[];
}

interface Client {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  /** The kind of every WebSocket frame as it arrived (before an `events` frame is read as its events). */
  readonly rawKinds: string[];
  readonly closed: Promise<{ code: number; reason: string }>;
  waitFor(predicate: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
}

const connect = (session: Session | null, headers: Record<string, string> = {}): Promise<Client> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${world.running.port}/api/live`, { headers: { ...(session ? { cookie: session.cookie } : {}), ...headers } });
    const frames: Frame[] = [];
    const rawKinds: string[] = [];
    const waiters: Array<{ predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.on("close", (code, reason) => done({ code, reason: reason.toString() })));
    ws.on("message", (data) => {
      // A frame of several events (one bus read) is read as the events it carries, as the page does.
      const parsed = JSON.parse(data.toString()) as Frame & { events?: ConsoleEvent[] };
      rawKinds.push(parsed.kind);
      const arrived: Frame[] = parsed.kind === "events" ? (parsed.events ?? []).map((event) => ({ kind: "event", event })) : [parsed];
      for (const frame of arrived) {
        frames.push(frame);
        for (const w of [...waiters]) if (w.predicate(frame)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
    const client: Client = {
      ws,
      frames,
      rawKinds,
      closed,
      waitFor: (predicate, timeoutMs = 5_000) =>
        new Promise((res, rej) => {
          const found = frames.find(predicate);
          if (found) return res(found);
          const timer = setTimeout(() => rej(new Error("no such frame in time")), timeoutMs);
          waiters.push({ predicate, resolve: (f) => (clearTimeout(timer), res(f)) });
        }),
    };
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on("error", reject);
    ws.on("open", () => resolve(client));
  });

const positionSnapshot = (symbol: string, qty: number) =>
  makeEnvelope(
    "position-snapshot",
    { version: 1, venue: "paper", symbol, source: "shadow", side: "long", qty, entryPriceUsd: 100, markPriceUsd: 101, notionalUsd: qty * 101, leverage: 2, unrealisedPnlUsd: qty, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs: Date.now() },
    { source: "execution", clock: systemClock },
  );

const consoleEvent = (topic: ConsoleEvent["topic"], title: string, padding = 0): ConsoleEvent => ({
  version: 1,
  eventId: randomUUID(),
  topic,
  severity: "info",
  title,
  ...(padding > 0 ? { detail: "x".repeat(padding) } : {}),
  tsMs: Date.now(),
});

const deliveries = async (): Promise<number> => {
  const metric = await world.running.ctx.metrics.registry.getSingleMetric("titan_console_websocket_delivery_seconds")?.get();
  return (metric?.values as Array<{ metricName?: string; value: number }> | undefined)?.find((v) => v.metricName === "titan_console_websocket_delivery_seconds_count")?.value ?? 0;
};

beforeAll(async () => {
  world = await startConsole("console_live", { TITAN_CONSOLE_WS_MAX_BUFFERED_BYTES: "16384" });
  redis = new Redis(world.env.TITAN_REDIS_URL as string);
  const alice = await firstAdmin(world);
  admin = await loggedIn(world, alice);
  viewer = await loggedIn(world, await invite(world, admin, "victor", "viewer"));
});

afterAll(async () => {
  redis?.disconnect();
  await world?.stop();
});

describe("the live feed", () => {
  it("refuses a handshake without a session, and one from another site", async () => {
    await expect(connect(null)).rejects.toThrow(/HTTP 401/);
    await expect(connect({ ...admin, cookie: "__Host-titan_session=0" })).rejects.toThrow(/HTTP 401/);
    await expect(connect(admin, { origin: "https://evil.example" })).rejects.toThrow(/HTTP 403/);
  });

  it("greets each user with the topics their role may receive", async () => {
    const a = await connect(admin);
    const v = await connect(viewer);
    expect((await a.waitFor((f) => f.kind === "hello")).topics).toContain("audit");
    const hello = await v.waitFor((f) => f.kind === "hello");
    expect(hello).toMatchObject({ role: "viewer" });
    expect(hello.topics).not.toContain("audit");
    a.ws.close();
    v.ws.close();
  });

  it("delivers a bus event from its stream to every browser, timed by the delivery histogram", async () => {
    const a = await connect(admin);
    const v = await connect(viewer);
    await a.waitFor((f) => f.kind === "hello");
    const before = await deliveries();
    const envelope = positionSnapshot("BTCUSDT", 0.5);
    await redis.xadd(streamOf("position-snapshot"), "*", ...encodeEntryFields(envelope));
    for (const c of [a, v]) {
      const frame = await c.waitFor((f) => f.event?.source?.messageId === envelope.id);
      expect(frame.event).toMatchObject({ topic: "position", title: "BTCUSDT long 0.5 (50.50 USD)", symbol: "BTCUSDT", data: { qty: 0.5 } });
    }
    // Once per event (when the last socket has it), not once per socket.
    expect(await deliveries()).toBe(before + 1);
    a.ws.close();
    v.ws.close();
  });

  it("sends the audit topic to admins only", async () => {
    const a = await connect(admin);
    const v = await connect(viewer);
    await Promise.all([a.waitFor((f) => f.kind === "hello"), v.waitFor((f) => f.kind === "hello")]);
    world.parts.hub.publish(consoleEvent("audit", "someone did something"));
    world.parts.hub.publish(consoleEvent("system", "marker"));
    await a.waitFor((f) => f.event?.title === "marker");
    await v.waitFor((f) => f.event?.title === "marker");
    expect(a.frames.some((f) => f.event?.topic === "audit")).toBe(true);
    expect(v.frames.some((f) => f.event?.topic === "audit")).toBe(false);
    a.ws.close();
    v.ws.close();
  });

  it("sends the events of one bus read to each socket in one frame, with only what its role may see", async () => {
    const a = await connect(admin);
    const v = await connect(viewer);
    await Promise.all([a.waitFor((f) => f.kind === "hello"), v.waitFor((f) => f.kind === "hello")]);
    world.parts.hub.publishAll([consoleEvent("system", "first"), consoleEvent("audit", "someone did something"), consoleEvent("system", "second")]);
    await a.waitFor((f) => f.event?.title === "second");
    await v.waitFor((f) => f.event?.title === "second");
    expect(a.rawKinds).toEqual(["hello", "events"]);
    expect(a.frames.slice(1).map((f) => f.event?.title)).toEqual(["first", "someone did something", "second"]);
    expect(v.rawKinds).toEqual(["hello", "events"]);
    expect(v.frames.slice(1).map((f) => f.event?.title)).toEqual(["first", "second"]);
    world.parts.hub.publishAll([consoleEvent("audit", "admins only")]);
    world.parts.hub.publish(consoleEvent("system", "marker"));
    await Promise.all([a.waitFor((f) => f.event?.title === "marker"), v.waitFor((f) => f.event?.title === "marker")]);
    expect(v.frames.some((f) => f.event?.title === "admins only")).toBe(false);
    expect(a.rawKinds.slice(2)).toEqual(["event", "event"]);
    a.ws.close();
    v.ws.close();
  });

  it("drops a client that stops reading, and keeps delivering to the others", async () => {
    const fast = await connect(admin);
    const slow = await connect(viewer);
    await Promise.all([fast.waitFor((f) => f.kind === "hello"), slow.waitFor((f) => f.kind === "hello")]);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 2_000; i += 1) {
      world.parts.hub.publish(consoleEvent("system", `burst ${i}`, 3_000));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    world.parts.hub.publish(consoleEvent("system", "after the burst"));
    await fast.waitFor((f) => f.event?.title === "after the burst", 15_000);
    expect(fast.frames.filter((f) => f.event?.title.startsWith("burst")).length).toBe(2_000);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.closed).code).toBe(4008);
    const dropped = await world.running.ctx.metrics.registry.getSingleMetric("titan_console_websocket_disconnects_total")?.get();
    expect(dropped?.values.find((v) => v.labels.reason === "slow")?.value).toBeGreaterThanOrEqual(1);
    fast.ws.close();
  }, 60_000);

  it("ends the socket when its session logs out", async () => {
    const session = await loggedIn(world, { username: "victor", password: "a long enough pass phrase", totpSecret: null });
    const c = await connect(session);
    await c.waitFor((f) => f.kind === "hello");
    expect((await world.app.inject({ method: "DELETE", url: "/api/session", headers: session.headers })).statusCode).toBe(204);
    expect((await c.closed).code).toBe(4001);
  });
});

describe("the pages' views", () => {
  it("report a service that does not answer beside the others, instead of failing", async () => {
    const res = await world.app.inject({ method: "GET", url: "/api/views/overview", headers: viewer.headers });
    expect(res.statusCode).toBe(200);
    const view = res.json() as { brain: { ok: boolean; error: string }; health: Array<{ service: string; status: string }>; kpis: { ok: boolean } };
    expect(view.brain).toMatchObject({ ok: false, error: expect.stringMatching(/brain did not answer/) });
    expect(view.health.find((h) => h.service === "console")?.status).toBe("ok");
    expect(view.health.find((h) => h.service === "execution")?.status).toBe("unreachable");
  });

  it("list the signals on the bus, newest first, whichever phase sent them", async () => {
    const signal = makeEnvelope("signal", { ...SAMPLE_PAYLOADS.signal, signalId: randomUUID(), symbol: "ETHUSDT", tsMs: Date.now() }, { source: "scavenger", clock: systemClock });
    await redis.xadd(streamOf("signal"), "*", ...encodeEntryFields(signal));
    const view = (await world.app.inject({ method: "GET", url: "/api/views/signals", headers: viewer.headers })).json() as { signals: { ok: boolean; data: { recent: Array<{ signalId: string }> } }; decisions: { ok: boolean } };
    expect(view.signals.ok).toBe(true);
    expect(view.signals.data.recent[0]?.signalId).toBe(signal.payload.signalId);
    expect(view.decisions.ok).toBe(false);
  });

  it("draw the trap chart's candles from the market-data stream, one symbol and interval", async () => {
    const t0 = Date.UTC(2026, 0, 1, 10, 0);
    for (let i = 0; i < 3; i += 1) {
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        const kline = makeEnvelope(
          "market-kline",
          { version: 1, venue: "paper", marketType: "linear", symbol, interval: "1m", openTsMs: t0 + i * 60_000, closeTsMs: t0 + (i + 1) * 60_000 - 1, openPriceUsd: 100 + i, highPriceUsd: 102 + i, lowPriceUsd: 99 + i, closePriceUsd: 101 + i, volumeQty: 1, turnoverUsd: 100, closed: true, venueTsMs: t0, tsMs: t0 },
          { source: "execution", clock: systemClock },
        );
        await redis.xadd(streamOf("market-kline"), "*", ...encodeEntryFields(kline));
      }
    }
    const res = await world.app.inject({ method: "GET", url: "/api/klines?symbol=BTCUSDT&interval=1m&limit=10", headers: viewer.headers });
    expect(res.json()).toEqual({
      symbol: "BTCUSDT",
      interval: "1m",
      bars: [0, 1, 2].map((i) => ({ time: (t0 + i * 60_000) / 1000, open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i })),
    });
    expect((await world.app.inject({ method: "GET", url: "/api/klines?symbol=BTC%20USDT", headers: viewer.headers })).statusCode).toBe(400);
  });
});
