// What each page shows, as JSON: gathered from the services that own it, with the caller's authority
// (each service decides what the caller may read). A source that does not answer is reported as such
// beside the others, so one service down never blanks the console.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { contractValidator } from "../../shared/bus.js";
import { streamOf, type Envelope } from "../../shared/contracts/index.js";
import { HttpProblem, PROBLEM_TYPES } from "../../shared/http/index.js";
import { parseStreamEntry } from "../../shared/messaging/index.js";
import { activeAlerts, readKpis, serviceHealth } from "../adapters/monitoring.js";
import { UpstreamUnavailable } from "../adapters/upstream.js";
import { upstreamFor, type Upstream, type UpstreamService, type UpstreamTargets } from "./guards.js";
import { KlineQuerySchema, ProposalParamsSchema } from "./schemas.js";

export interface ViewRoutesOptions {
  readonly targets: UpstreamTargets;
  readonly redis: Redis;
  readonly alertmanagerUrl: string;
  readonly prometheusUrl: string;
  /** This console's own readiness URL, listed with the others on the overview. */
  readonly selfUrl: () => string;
}

export type Sourced<T = unknown> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: string };

const viewer = { auth: { role: "viewer" as const } };
const tags = ["views"];

/** One source of a view: its data, or why there is none. */
export const fetchSource = async <T = unknown>(upstream: Upstream, service: UpstreamService, path: string): Promise<Sourced<T>> => {
  try {
    const a = await upstream(service, { method: "GET", path });
    if (a.status !== 200) {
      const detail = (a.body as { detail?: unknown } | null)?.detail;
      return { ok: false, error: `${service}: ${typeof detail === "string" ? detail : `HTTP ${a.status}`}` };
    }
    return { ok: true, data: a.body as T };
  } catch (err) {
    return { ok: false, error: err instanceof UpstreamUnavailable || err instanceof HttpProblem ? err.message : String(err) };
  }
};

const settled = async <T>(what: string, fn: () => Promise<T>): Promise<Sourced<T>> => {
  try {
    return { ok: true, data: await fn() };
  } catch (err) {
    return { ok: false, error: `${what}: ${(err as Error).message}` };
  }
};

/** The newest `count` entries of a stream, oldest first, as envelopes. */
const recentEntries = async (redis: Redis, stream: string, count: number) => {
  const entries = (await redis.xrevrange(stream, "+", "-", "COUNT", count)) as Array<[string, string[]]>;
  return entries
    .reverse()
    .map(([, fields]) => parseStreamEntry(fields, contractValidator))
    .flatMap((p) => (p.kind === "message" ? [p.envelope as Envelope] : []));
};

export const viewRoutes = async (parent: FastifyInstance, opts: ViewRoutesOptions): Promise<void> => {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const up = (request: FastifyRequest): Upstream => upstreamFor(opts.targets, request);
  const timeoutMs = opts.targets.timeoutMs;

  app.get("/api/views/overview", { config: viewer, schema: { tags, summary: "Equity, daily PnL, drawdown against the breaker, allocation, trading state, services' health, KPIs" } }, async (request) => {
    const u = up(request);
    const services: Record<string, string> = { brain: opts.targets.urls.brain, execution: opts.targets.urls.execution, console: opts.selfUrl(), scavenger: opts.targets.urls.scavenger };
    if (opts.targets.urls.quant !== null) services["ai-quant"] = opts.targets.urls.quant;
    const [brain, execution, health, kpis] = await Promise.all([
      fetchSource(u, "brain", "/status"),
      fetchSource(u, "execution", "/trading-state"),
      serviceHealth(services, timeoutMs),
      settled("prometheus", () => readKpis(opts.prometheusUrl, timeoutMs)),
    ]);
    return { tsMs: Date.now(), brain, execution, health, kpis };
  });

  app.get("/api/views/positions", { config: viewer, schema: { tags, summary: "Positions and orders, as execution holds them" } }, async (request) => {
    const u = up(request);
    const [positions, orders] = await Promise.all([fetchSource(u, "execution", "/positions"), fetchSource(u, "execution", "/orders?limit=50")]);
    return { positions, orders };
  });

  app.get("/api/views/signals", { config: viewer, schema: { tags, summary: "Recent signals (every phase's, from the bus) and the brain's decisions with their reasons" } }, async (request) => {
    const [decisions, signals] = await Promise.all([
      fetchSource(up(request), "brain", "/decisions?limit=100"),
      settled("redis", async () => ({ recent: (await recentEntries(opts.redis, streamOf("signal"), 100)).flatMap((e) => (e.type === "signal" ? [e.payload] : [])).reverse() })),
    ]);
    return { decisions, signals };
  });

  app.get("/api/views/traps", { config: viewer, schema: { tags, summary: "Armed traps with their distance to the trigger" } }, async (request) => ({ traps: await fetchSource(up(request), "scavenger", "/traps") }));

  app.get("/api/views/breaker", { config: viewer, schema: { tags, summary: "The circuit breaker: state, figures, limits and its recent history" } }, async (request) => {
    const [breaker, history] = await Promise.all([
      fetchSource(up(request), "brain", "/breaker"),
      settled("redis", async () => (await recentEntries(opts.redis, streamOf("breaker-event"), 200)).map((e) => e.payload).reverse()),
    ]);
    return { breaker, history };
  });

  app.get("/api/views/proposals", { config: viewer, schema: { tags, summary: "AI Quant proposals, newest first, and the scavenger's active parameter version" } }, async (request) => {
    const u = up(request);
    const configured = opts.targets.urls.quant !== null;
    const [proposals, versions] = await Promise.all([
      configured ? fetchSource(u, "quant", "/proposals?limit=50") : Promise.resolve({ ok: false as const, error: "the AI Quant API is not configured (TITAN_QUANT_URL)" }),
      fetchSource(u, "scavenger", "/config/versions"),
    ]);
    return { proposals, versions };
  });

  app.get(
    "/api/views/proposals/:proposalId",
    { config: viewer, schema: { tags, summary: "One proposal: parameter diff, in- and out-of-sample figures, the equity curves", params: ProposalParamsSchema } },
    async (request) => ({ proposal: await fetchSource(up(request), "quant", `/proposals/${request.params.proposalId}`) }),
  );

  app.get(
    "/api/proposals/:proposalId/equity.svg",
    { config: viewer, schema: { tags, summary: "The proposal's equity curves (current against proposed), as AI Quant drew them", params: ProposalParamsSchema } },
    async (request, reply) => {
      const a = await up(request)("quant", { method: "GET", path: `/proposals/${request.params.proposalId}/equity.svg`, accept: "image/svg+xml" }).catch((err: unknown) => {
        throw new HttpProblem(502, (err as Error).message, { type: PROBLEM_TYPES.unavailable });
      });
      if (a.status !== 200 || typeof a.body !== "string") throw new HttpProblem(a.status === 404 ? 404 : 502, `ai-quant: HTTP ${a.status}`);
      return reply.type("image/svg+xml; charset=utf-8").header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'").send(a.body);
    },
  );

  app.get("/api/views/alerts", { config: viewer, schema: { tags, summary: "Alertmanager's active alerts, critical first" } }, async () => ({ alerts: await settled("alertmanager", () => activeAlerts(opts.alertmanagerUrl, timeoutMs)) }));

  app.get("/api/klines", { config: viewer, schema: { tags, summary: "Recent klines of one symbol from the market-data stream, for the trap chart", querystring: KlineQuerySchema } }, async (request) => {
    const interval = request.query.interval ?? "1m";
    const limit = request.query.limit ?? 240;
    // The stream interleaves every symbol and interval: read enough of its tail to find `limit` bars.
    const envelopes = await recentEntries(opts.redis, streamOf("market-kline"), Math.min(limit * 40, 20_000));
    const bars = new Map<number, { time: number; open: number; high: number; low: number; close: number }>();
    for (const e of envelopes) {
      if (e.type !== "market-kline") continue;
      const k = e.payload;
      if (k.symbol !== request.query.symbol || k.interval !== interval || k.marketType !== "linear") continue;
      bars.set(k.openTsMs, { time: Math.floor(k.openTsMs / 1000), open: k.openPriceUsd, high: k.highPriceUsd, low: k.lowPriceUsd, close: k.closePriceUsd });
    }
    return { symbol: request.query.symbol, interval, bars: [...bars.values()].sort((a, b) => a.time - b.time).slice(-limit) };
  });
};
