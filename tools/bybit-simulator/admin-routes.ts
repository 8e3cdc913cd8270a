// /__sim/* — the operator's hand inside the simulated exchange: prices, positions behind the client's
// back, faults, dropped streams, restarts, the full state. Unauthenticated, so loopback only.

import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { JsonObject } from "./bybit-json.js";
import { FAULT_KINDS, type FaultSpec } from "./faults.js";
import type { StreamKind } from "./websocket.js";

export interface AdminActions {
  snapshot(): JsonObject;
  setPrice(symbol: string, priceUsd: number, qty?: number, takerSide?: "buy" | "sell"): void;
  setPosition(symbol: string, side: "long" | "short" | "flat", qty: number, entryPriceUsd: number | null, notify: boolean): void;
  adjustBalance(amountUsd: number): void;
  addFault(spec: FaultSpec): void;
  clearFaults(): void;
  setDuplicateCheck(enabled: boolean, retCode?: 30001 | 110072): void;
  dropStreams(which: StreamKind): number;
  restart(options: { resetState?: boolean; downtimeMs?: number }): Promise<void>;
  setFeed(intervalMs: number): void;
}

/** A refusal of an admin request: 400 with the reason, nothing changed. */
export class AdminInputError extends Error {}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

type Body = Record<string, unknown>;

function body(request: FastifyRequest): Body {
  const value = request.body;
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new AdminInputError("body must be a JSON object");
  return value as Body;
}

function num(b: Body, key: string, required: true): number;
function num(b: Body, key: string, required?: false): number | undefined;
function num(b: Body, key: string, required = false): number | undefined {
  const value = b[key];
  if (value === undefined || value === null) {
    if (required) throw new AdminInputError(`${key} is required`);
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) throw new AdminInputError(`${key} must be a finite number`);
  return value;
}

function oneOf<T extends string>(b: Body, key: string, allowed: readonly T[], fallback?: T): T {
  const value = b[key] ?? fallback;
  if (typeof value !== "string" || !allowed.includes(value as T)) throw new AdminInputError(`${key} must be one of ${allowed.join(", ")}`);
  return value as T;
}

function str(b: Body, key: string): string {
  const value = b[key];
  if (typeof value !== "string" || value.length === 0) throw new AdminInputError(`${key} must be a non-empty string`);
  return value;
}

function bool(b: Body, key: string, fallback: boolean): boolean {
  const value = b[key] ?? fallback;
  if (typeof value !== "boolean") throw new AdminInputError(`${key} must be a boolean`);
  return value;
}

export function registerAdminRoutes(app: FastifyInstance, actions: AdminActions): void {
  app.register(
    async (admin) => {
      admin.addHook("onRequest", async (request, reply) => {
        if (!LOOPBACK.has(request.socket.remoteAddress ?? "")) return reply.code(403).send({ error: "the simulator's admin API answers loopback clients only" });
      });
      admin.setErrorHandler((error, _request, reply) => {
        const status = error instanceof AdminInputError || error instanceof RangeError ? 400 : 500;
        void reply.code(status).send({ error: error instanceof Error ? error.message : String(error) });
      });
      const done = (reply: FastifyReply, extra: JsonObject = {}) => reply.send({ ok: true, ...extra });

      admin.get("/state", async () => actions.snapshot());
      admin.post("/price", async (request, reply) => {
        const b = body(request);
        const side = b.takerSide === undefined ? undefined : oneOf(b, "takerSide", ["buy", "sell"] as const);
        actions.setPrice(str(b, "symbol"), num(b, "priceUsd", true), num(b, "qty"), side);
        return done(reply);
      });
      admin.post("/position", async (request, reply) => {
        const b = body(request);
        const side = oneOf(b, "side", ["long", "short", "flat"] as const);
        actions.setPosition(str(b, "symbol"), side, num(b, "qty", true), num(b, "entryPriceUsd") ?? null, bool(b, "notify", false));
        return done(reply);
      });
      admin.post("/balance", async (request, reply) => {
        actions.adjustBalance(num(body(request), "amountUsd", true));
        return done(reply);
      });
      admin.post("/faults", async (request, reply) => {
        const b = body(request);
        const spec: FaultSpec = {
          kind: oneOf(b, "kind", FAULT_KINDS),
          ...(b.path === undefined ? {} : { path: str(b, "path") }),
          ...(b.count === undefined ? {} : { count: num(b, "count", true) }),
          processed: bool(b, "processed", false),
          ...(b.hangMs === undefined ? {} : { hangMs: num(b, "hangMs", true) }),
        };
        actions.addFault(spec);
        return done(reply);
      });
      admin.delete("/faults", async (_request, reply) => {
        actions.clearFaults();
        return done(reply);
      });
      admin.post("/duplicate-check", async (request, reply) => {
        const b = body(request);
        const retCode = b.retCode === undefined ? undefined : num(b, "retCode", true);
        if (retCode !== undefined && retCode !== 30001 && retCode !== 110072) throw new AdminInputError("retCode must be 30001 or 110072");
        actions.setDuplicateCheck(bool(b, "enabled", true), retCode as 30001 | 110072 | undefined);
        return done(reply);
      });
      admin.post("/websockets/drop", async (request, reply) => {
        const dropped = actions.dropStreams(oneOf(body(request), "which", ["private", "public", "all"] as const, "all"));
        return done(reply, { dropped });
      });
      admin.post("/restart", async (request, reply) => {
        const b = body(request);
        const options = { resetState: bool(b, "resetState", false), downtimeMs: num(b, "downtimeMs") ?? 0 };
        if (options.downtimeMs < 0) throw new AdminInputError("downtimeMs must not be negative");
        // Answer first: the restart drops this very connection.
        await reply.send({ ok: true });
        setImmediate(() => void actions.restart(options));
        return reply;
      });
      admin.post("/feed", async (request, reply) => {
        const intervalMs = num(body(request), "intervalMs", true);
        if (intervalMs < 0) throw new AdminInputError("intervalMs must not be negative (0 stops the feed)");
        actions.setFeed(intervalMs);
        return done(reply);
      });
    },
    { prefix: "/__sim" },
  );
}
