// The REST face of the MEXC simulator: spot v3 paths, MEXC's error body {code, msg} with an HTTP 400
// (429 for the rate-limit fault), signature checks on private paths, and the injected faults. Futures
// (contract) markets answer with an empty list, so ccxt's full loadMarkets works against it.

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { FaultPlan } from "../sim-common/faults.js";
import { MexcError, type MexcSimulatorCore } from "./core.js";
import * as q from "./routes.js";
import { verifyMexcRequest } from "./signature.js";

export type Params = Record<string, string>;
type Handler = (core: MexcSimulatorCore, params: Params) => unknown;

const PUBLIC_GET: Record<string, Handler> = {
  "/api/v3/ping": () => ({}),
  "/api/v3/time": (core) => ({ serverTime: core.nowMs() }),
  "/api/v3/exchangeInfo": q.exchangeInfo,
  "/api/v3/ticker/24hr": q.ticker24h,
  "/api/v3/ticker/price": q.tickerPrice,
  "/api/v3/ticker/bookTicker": q.bookTicker,
  "/api/v3/depth": q.depth,
  "/api/v3/trades": q.trades,
  "/api/v3/aggTrades": q.aggTrades,
  "/api/v3/klines": q.klines,
  "/api/v1/contract/detail": () => ({ success: true, code: 0, data: [] }),
};

const PRIVATE: Record<string, Handler> = {
  "GET /api/v3/account": q.account,
  "GET /api/v3/order": q.queryOrder,
  "GET /api/v3/openOrders": q.openOrders,
  "GET /api/v3/allOrders": q.allOrders,
  "GET /api/v3/myTrades": q.myTrades,
  "POST /api/v3/order": q.createOrder,
  "DELETE /api/v3/order": q.cancelOrder,
  "DELETE /api/v3/openOrders": q.cancelOpenOrders,
};

export interface MexcHttpDeps {
  readonly core: MexcSimulatorCore;
  readonly faults: FaultPlan;
  readonly verifyTimestamps?: boolean;
  readonly registerAdmin: (app: FastifyInstance) => void;
}

const rawQueryOf = (request: FastifyRequest): string => {
  const at = request.url.indexOf("?");
  return at < 0 ? "" : request.url.slice(at + 1);
};

function paramsOf(request: FastifyRequest, rawBody: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(rawQueryOf(request))) out[k] = v;
  if (rawBody && !rawBody.trimStart().startsWith("{")) for (const [k, v] of new URLSearchParams(rawBody)) out[k] = v;
  return out;
}

export async function buildMexcHttpApp(deps: MexcHttpDeps): Promise<FastifyInstance> {
  const { core, faults } = deps;
  const app = Fastify({ logger: false });
  // Bodies are kept raw: the signature covers them byte for byte.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  const answer = async (request: FastifyRequest, reply: FastifyReply, handler: Handler, signed: boolean): Promise<unknown> => {
    const rawBody = typeof request.body === "string" ? request.body : "";
    const path = request.url.split("?")[0]!;
    const fault = faults.take(path);
    if (fault?.kind === "rate-limit") return reply.code(429).send({ code: 429, msg: "Too Many Requests" });
    if (fault?.kind === "hang") {
      await new Promise((resolve) => setTimeout(resolve, fault.hangMs ?? 30_000));
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (signed) {
      const failure = verifyMexcRequest({ apiKey: request.headers["x-mexc-apikey"] as string | undefined, rawQuery: rawQueryOf(request), rawBody }, core.credentials, deps.verifyTimestamps === false ? null : core.nowMs());
      if (failure) return reply.code(failure.httpStatus).send({ code: failure.code, msg: failure.msg });
    }
    const run = () => handler(core, paramsOf(request, rawBody));
    if (fault?.kind === "timeout") {
      if (fault.processed) {
        try {
          run();
        } catch {
          // the gateway timed out either way
        }
      }
      return reply.code(504).send({ code: 504, msg: "Gateway Time-out" });
    }
    try {
      const body = run();
      if (fault?.kind === "response-lost") {
        request.raw.socket.destroy();
        return reply.hijack();
      }
      return reply.code(200).send(body);
    } catch (err) {
      if (err instanceof MexcError) return reply.code(err.httpStatus).send({ code: err.code, msg: err.msg });
      if (err instanceof RangeError) return reply.code(400).send({ code: 400, msg: err.message });
      throw err;
    }
  };

  for (const [path, handler] of Object.entries(PUBLIC_GET)) app.get(path, (request, reply) => answer(request, reply, handler, false));
  for (const [route, handler] of Object.entries(PRIVATE)) {
    const [method, path] = route.split(" ") as ["GET" | "POST" | "DELETE", string];
    app.route({ method, url: path, handler: (request, reply) => answer(request, reply, handler, true) });
  }
  deps.registerAdmin(app);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 404, msg: "Not Found" }));
  return app;
}
