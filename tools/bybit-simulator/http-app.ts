// The REST face of the simulator: Bybit v5 paths, the {retCode, retMsg, result, retExtInfo, time}
// envelope, signature checks on private paths, rate limits, and the injected faults.

import { interTransfer } from "./transfers.js";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { BybitSimulatorCore } from "./core.js";
import type { FaultPlan } from "./faults.js";
import * as q from "./queries.js";
import type { RateLimiter } from "./rate-limit.js";
import { fail, type BybitReply, type Params } from "./reply.js";
import { verifyRestRequest } from "./signature.js";
import * as t from "./trading.js";

interface RawBodyRequest {
  rawBody?: string;
}

/** Marks a body that was not JSON, so the route answers in Bybit's envelope rather than Fastify's. */
const UNPARSABLE = Symbol("unparsable body");

export interface HttpAppDeps {
  readonly core: BybitSimulatorCore;
  readonly faults: FaultPlan;
  readonly limiter: RateLimiter | null;
  /** Check request timestamps against the simulator's clock (off when that clock is a manual one). */
  readonly verifyTimestamps?: boolean;
  /** Registers the /__sim admin routes. */
  readonly registerAdmin: (app: FastifyInstance) => void;
}

type Handler = (core: BybitSimulatorCore, params: Params, apiKey: string) => BybitReply;

const PUBLIC_GET: Record<string, Handler> = {
  "/v5/market/time": (core) => q.serverTime(core),
  "/v5/market/instruments-info": q.instrumentsInfo,
  "/v5/market/tickers": q.tickers,
  "/v5/market/kline": q.klines,
  "/v5/market/recent-trade": q.recentTrades,
  "/v5/market/orderbook": q.orderBook,
};

const PRIVATE_GET: Record<string, Handler> = {
  "/v5/user/query-api": (core, _params, apiKey) => q.queryApi(core, apiKey),
  "/v5/account/info": (core) => q.accountInfo(core),
  "/v5/account/wallet-balance": q.walletBalance,
  "/v5/account/fee-rate": q.feeRates,
  "/v5/order/realtime": q.realtimeOrders,
  "/v5/order/history": q.orderHistory,
  "/v5/position/list": q.positionList,
  "/v5/execution/list": q.executionList,
};

const PRIVATE_POST: Record<string, Handler> = {
  "/v5/order/create": t.createOrder,
  "/v5/order/amend": t.amendOrder,
  "/v5/order/cancel": t.cancelOrder,
  "/v5/order/cancel-all": t.cancelAllOrders,
  "/v5/position/set-leverage": t.setLeverage,
  "/v5/position/trading-stop": t.setTradingStop,
  "/v5/asset/transfer/inter-transfer": (core, params) => interTransfer(core, core.transferLedger, params),
};

export function buildHttpApp(deps: HttpAppDeps): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    (request as unknown as RawBodyRequest).rawBody = body as string;
    if (body === "") return done(null, {});
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(null, UNPARSABLE);
    }
  });

  for (const [path, handler] of Object.entries(PUBLIC_GET)) app.get(path, (request, reply) => serve(deps, request, reply, handler, "public"));
  for (const [path, handler] of Object.entries(PRIVATE_GET)) app.get(path, (request, reply) => serve(deps, request, reply, handler, "private"));
  for (const [path, handler] of Object.entries(PRIVATE_POST)) app.post(path, (request, reply) => serve(deps, request, reply, handler, "private"));
  deps.registerAdmin(app);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ ...fail(10017, `request path not found or request method is invalid: ${request.method} ${request.url.split("?")[0]}`), time: deps.core.nowMs() });
  });
  return app;
}

function envelope(core: BybitSimulatorCore, body: BybitReply) {
  return { retCode: body.retCode, retMsg: body.retMsg, result: body.result, retExtInfo: body.retExtInfo, time: core.nowMs() };
}

async function serve(deps: HttpAppDeps, request: FastifyRequest, reply: FastifyReply, handler: Handler, access: "public" | "private") {
  const { core, faults, limiter } = deps;
  const [path = "", rawQuery = ""] = request.url.split(/\?(.*)/s);
  const send = (body: BybitReply) => reply.code(200).header("content-type", "application/json").send(envelope(core, body));

  const fault = faults.take(path);
  if (fault?.kind === "rate-limit") return send(fail(10006, "Too many visits. Exceeded the API Rate Limit."));

  let apiKey = "";
  const isPost = request.method === "POST";
  if (access === "private") {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const failure = verifyRestRequest(
      {
        apiKey: header("x-bapi-api-key"),
        timestampMs: header("x-bapi-timestamp"),
        recvWindowMs: header("x-bapi-recv-window"),
        signature: header("x-bapi-sign"),
        payload: isPost ? ((request as unknown as RawBodyRequest).rawBody ?? "") : rawQuery,
      },
      core.credentials,
      deps.verifyTimestamps === false ? null : core.nowMs(),
    );
    if (failure) return send(fail(failure.retCode, failure.retMsg));
    apiKey = header("x-bapi-api-key")!;
  }

  if (limiter) {
    const decision = limiter.check(apiKey || request.ip, path, core.nowMs());
    void reply.header("X-Bapi-Limit", String(decision.limit));
    void reply.header("X-Bapi-Limit-Status", String(decision.remaining));
    void reply.header("X-Bapi-Limit-Reset-Timestamp", String(decision.resetAtMs));
    if (!decision.allowed) return send(fail(10006, "Too many visits. Exceeded the API Rate Limit."));
  }

  const params: unknown = isPost ? request.body : request.query;
  const run = (): BybitReply => {
    if (params === UNPARSABLE || typeof params !== "object" || params === null || Array.isArray(params)) return fail(10001, "params error: request body is not a JSON object");
    return handler(core, params as Params, apiKey);
  };

  if (fault?.kind === "timeout") {
    if (fault.processed) run();
    return send(fail(10016, "Request timeout, please try again later"));
  }
  if (fault?.kind === "hang") {
    if (fault.processed) run();
    reply.hijack();
    // Real time on purpose: the client's own timeout is what this fault exercises.
    setTimeout(() => request.raw.socket.destroy(), fault.hangMs ?? 30_000).unref();
    return;
  }
  const body = run();
  if (fault?.kind === "response-lost") {
    reply.hijack();
    request.raw.socket.destroy();
    return;
  }
  return send(body);
}
