// Bybit USDT perpetuals through ccxt: REST through ccxt's signed v5 endpoints (its implicit API, so the
// replies stay Bybit's JSON and go through parse.ts), pushes through ccxt pro's private stream
// (watchOrders / watchMyTrades, their raw `info` parsed the same way). Only ccxt's bybit class is loaded,
// by file, not the whole library. ccxt's own throttle is off: requests are paced by RequestPacer.

import type ccxtTypes from "ccxt";
import type { Logger } from "pino";
import type { Clock } from "../../../shared/clock.js";
import { formatOnStep } from "../../domain/matching/index.js";
import type { Instrument, OrderRequest, VenueBalance, VenueFill, VenueOrder, VenueTicker } from "../../domain/venue-types.js";
import type { ExecutionMetrics } from "../../adapters/execution-metrics.js";
import type { RequestPacer } from "../../adapters/request-pacer.js";
import { VenueError, isVenueError, type PositionSnapshot, type TransferRequest, type Venue, type VenueListener } from "../venue.js";
import { parseKeyCreatedAtMs, sameCredentials, type ApiCredentials } from "./credentials.js";
import { toVenueError } from "./errors.js";
import { parseCreateReply, parseExecution, parseInstrument, parseOrder, parsePosition, parseTicker, parseWallet, replyTimeMs, resultList, type Json } from "./parse.js";

type BybitPro = InstanceType<typeof ccxtTypes.pro.bybit>;
type BybitClass = typeof ccxtTypes.pro.bybit;

let bybitClass: Promise<BybitClass> | null = null;

/** ccxt's package exports only its full bundle; the pro bybit class file alone keeps memory down. */
export function loadBybitClass(): Promise<BybitClass> {
  bybitClass ??= import(new URL("./src/pro/bybit.js", import.meta.resolve("ccxt")).href).then((m: { default: BybitClass }) => m.default);
  return bybitClass;
}

export interface BybitVenueOptions {
  readonly apiKey: string;
  readonly secret: string;
  /** REST base URL (the simulator in tests and staging); Bybit's own when absent. */
  readonly restUrl?: string;
  /** WebSocket base URL; the private stream is `${wsUrl}/v5/private`. */
  readonly wsUrl?: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ExecutionMetrics;
  readonly pacer: RequestPacer;
  /** Largest page Bybit serves for executions. */
  readonly executionPageSize?: number;
}

const ACCOUNT_TYPE = { futures: "UNIFIED", spot: "FUND" } as const;

export class BybitVenue implements Venue {
  readonly name = "bybit" as const;
  /** Bybit refuses a request stamped more than its recv window (5 s, ccxt's default) ago. */
  readonly resendSafetyMs = 6_000;
  private exchange: BybitPro | null = null;
  private byVenueSymbol = new Map<string, Instrument>();
  private running = false;
  private loops: Promise<void>[] = [];
  private streamUp = false;
  private credentials: ApiCredentials;
  /** The private stream was closed on purpose to authenticate with a new key: its drop is no failure. */
  private reauthenticating = false;

  constructor(private readonly opts: BybitVenueOptions) {
    this.credentials = { apiKey: opts.apiKey, secret: opts.secret };
  }

  async start(listener: VenueListener): Promise<void> {
    const ex = await this.newExchange(this.credentials);
    this.exchange = ex;
    const listing = await this.call("instruments", () => ex.publicGetV5MarketInstrumentsInfo({ category: "linear" }), "other");
    this.byVenueSymbol = new Map(resultList(listing, "instruments").map((item) => parseInstrument(item)).map((i) => [i.symbol, i]));
    await this.call("markets", () => ex.loadMarkets(), "other");
    this.running = true;
    this.loops = [this.watchLoop("orders", listener), this.watchLoop("fills", listener)];
  }

  /** A ccxt instance pointed at the configured URLs, signing with `credentials`. */
  private async newExchange(credentials: ApiCredentials): Promise<BybitPro> {
    const Bybit = await loadBybitClass();
    const ex = new Bybit({
      apiKey: credentials.apiKey,
      secret: credentials.secret,
      timeout: this.opts.timeoutMs,
      enableRateLimit: false,
      options: { fetchMarkets: { types: ["linear"] }, enableUnifiedAccount: true, enableUnifiedMargin: false, defaultType: "swap" },
    });
    (ex.has as Record<string, unknown>).fetchCurrencies = false;
    if (this.opts.restUrl) {
      const rest = this.opts.restUrl.replace(/\/$/, "");
      ex.urls.api = { ...(ex.urls.api as object), spot: rest, futures: rest, v2: rest, public: rest, private: rest } as typeof ex.urls.api;
    }
    if (this.opts.wsUrl) {
      const ws = this.opts.wsUrl.replace(/\/$/, "");
      const priv = `${ws}/v5/private`;
      (ex.urls.api as Record<string, unknown>).ws = {
        public: { spot: `${ws}/v5/public/spot`, inverse: `${ws}/v5/public/inverse`, option: `${ws}/v5/public/option`, linear: `${ws}/v5/public/linear` },
        private: { spot: { unified: priv, nonUnified: priv }, contract: priv, usdc: priv, trade: `${ws}/v5/trade` },
      };
      // ccxt pro refuses plain ws:// URLs until its http agent is loaded.
      await ex.loadHttpProxyAgent();
    }
    return ex;
  }

  /**
   * When the venue says `credentials` (default: the pair in use) were created: a signed query-api call,
   * so it also proves a candidate pair works before it replaces the one in use.
   */
  async keyCreatedAtMs(credentials: ApiCredentials = this.credentials): Promise<number> {
    const ex = sameCredentials(credentials, this.credentials) ? this.ex : await this.newExchange(credentials);
    const reply = await this.call("query-api", () => ex.privateGetV5UserQueryApi(), "other");
    return parseKeyCreatedAtMs(reply);
  }

  /**
   * Signs every request from now on with `next`; requests already sent finish with the old pair. The
   * private stream authenticated once per connection, so it is reopened to authenticate with `next`
   * (the old key may be deleted at the exchange next); reports missed meanwhile are polled as after any drop.
   */
  async useCredentials(next: ApiCredentials): Promise<void> {
    const ex = this.ex;
    if (sameCredentials(next, this.credentials)) return;
    ex.apiKey = next.apiKey;
    ex.secret = next.secret;
    this.credentials = next;
    this.reauthenticating = true;
    await ex.close();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.exchange?.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
  }

  instruments(): readonly Instrument[] {
    return [...this.byVenueSymbol.values()];
  }

  private get ex(): BybitPro {
    if (!this.exchange) throw new VenueError("unavailable", "not-started", "the Bybit venue is not started");
    return this.exchange;
  }

  private instrument(symbol: string): Instrument {
    const instrument = this.byVenueSymbol.get(symbol);
    if (!instrument) throw new VenueError("refused", "unknown-symbol", `symbol ${symbol} is not listed on Bybit linear`);
    return instrument;
  }

  /** One paced REST call; every failure is counted by code and comes back as a VenueError. */
  private async call<T>(what: string, fn: () => Promise<T>, kind: "create" | "other"): Promise<T> {
    await this.opts.pacer.acquire(kind);
    try {
      return await fn();
    } catch (err) {
      const error = toVenueError(err, what);
      this.opts.metrics.venueErrorsTotal.inc({ code: error.code });
      throw error;
    }
  }

  async createOrder(order: OrderRequest): Promise<{ venueOrderId: string }> {
    const spec = this.instrument(order.symbol);
    const params: Record<string, string | boolean | number> = {
      category: "linear",
      symbol: order.symbol,
      side: order.side === "buy" ? "Buy" : "Sell",
      orderType: order.orderType === "market" ? "Market" : "Limit",
      qty: formatOnStep(order.qty, spec.lotStepQty),
      timeInForce: order.orderType === "post-only" ? "PostOnly" : order.orderType === "market" ? "IOC" : "GTC",
      orderLinkId: order.clientOrderId,
      positionIdx: 0,
    };
    if (order.limitPriceUsd !== null && order.orderType !== "market") params.price = formatOnStep(order.limitPriceUsd, spec.tickSizeUsd);
    if (order.reduceOnly) params.reduceOnly = true;
    if (order.stopLossPriceUsd !== null || order.takeProfitPriceUsd !== null) params.tpslMode = "Full";
    if (order.stopLossPriceUsd !== null) params.stopLoss = formatOnStep(order.stopLossPriceUsd, spec.tickSizeUsd);
    if (order.takeProfitPriceUsd !== null) params.takeProfit = formatOnStep(order.takeProfitPriceUsd, spec.tickSizeUsd);
    const reply = await this.call(`create ${order.clientOrderId}`, () => this.ex.privatePostV5OrderCreate(params), "create");
    return { venueOrderId: parseCreateReply(reply).venueOrderId };
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | null> {
    // order/realtime answers for any status when asked by orderLinkId; history covers what it has dropped.
    const live = await this.call(`find ${clientOrderId}`, () => this.ex.privateGetV5OrderRealtime({ category: "linear", symbol, orderLinkId: clientOrderId }), "other");
    const found = resultList(live, "orders").map(parseOrder);
    if (found.length > 0) return newest(found);
    const history = await this.call(`history ${clientOrderId}`, () => this.ex.privateGetV5OrderHistory({ category: "linear", symbol, orderLinkId: clientOrderId }), "other");
    const past = resultList(history, "orders").map(parseOrder);
    return past.length > 0 ? newest(past) : null;
  }

  async cancelOrder(symbol: string, ids: { venueOrderId?: string; clientOrderId?: string }): Promise<void> {
    const params: Record<string, string> = { category: "linear", symbol };
    if (ids.venueOrderId) params.orderId = ids.venueOrderId;
    else if (ids.clientOrderId) params.orderLinkId = ids.clientOrderId;
    try {
      await this.call(`cancel ${ids.clientOrderId ?? ids.venueOrderId}`, () => this.ex.privatePostV5OrderCancel(params), "other");
    } catch (err) {
      // 110001 "order does not exist": already finished, which is what a cancel wants.
      if (isVenueError(err) && (err.kind === "not-found" || err.code === "110001")) return;
      throw err;
    }
  }

  async cancelAllOrders(symbol?: string): Promise<void> {
    const params: Record<string, string> = symbol ? { category: "linear", symbol } : { category: "linear", settleCoin: "USDT" };
    await this.call("cancel-all", () => this.ex.privatePostV5OrderCancelAll(params), "other");
  }

  /** Every working order, page by page (Bybit serves 50 a page and a cursor while there are more). */
  async openOrders(): Promise<VenueOrder[]> {
    const out: VenueOrder[] = [];
    let cursor = "";
    for (let page = 0; page < 40; page += 1) {
      const params: Record<string, string | number> = { category: "linear", settleCoin: "USDT", limit: 50 };
      if (cursor) params.cursor = cursor;
      const reply = await this.call("open orders", () => this.ex.privateGetV5OrderRealtime(params), "other");
      const items = resultList(reply, "orders");
      out.push(...items.map(parseOrder));
      cursor = nextCursor(reply);
      // Bybit returns a cursor with a last page too: a short page is the end.
      if (!cursor || items.length < 50) break;
    }
    return out;
  }

  async positions(): Promise<PositionSnapshot> {
    const reply = await this.call("positions", () => this.ex.privateGetV5PositionList({ category: "linear", settleCoin: "USDT", limit: 200 }), "other");
    const asOfMs = replyTimeMs(reply, this.opts.clock.nowMs());
    return { positions: resultList(reply, "positions").map((item) => parsePosition(item, asOfMs)), asOfMs };
  }

  async balance(): Promise<VenueBalance> {
    const reply = await this.call("wallet", () => this.ex.privateGetV5AccountWalletBalance({ accountType: "UNIFIED" }), "other");
    const [account] = resultList(reply, "wallet");
    if (!account) throw new VenueError("outcome-unknown", "empty-wallet", "wallet-balance answered with no account");
    return parseWallet(account, replyTimeMs(reply, this.opts.clock.nowMs()));
  }

  /** Pages back from now to `sinceMs`, newest first, as Bybit lists executions. */
  async fills(sinceMs: number): Promise<VenueFill[]> {
    const pageSize = this.opts.executionPageSize ?? 100;
    const out = new Map<string, VenueFill>();
    let endMs: number | undefined;
    for (let page = 0; page < 50; page += 1) {
      const params: Record<string, string | number> = { category: "linear", startTime: Math.max(0, Math.floor(sinceMs)), limit: pageSize };
      if (endMs !== undefined) params.endTime = endMs;
      const reply = await this.call("executions", () => this.ex.privateGetV5ExecutionList(params), "other");
      const items = resultList(reply, "executions");
      let oldest = Number.POSITIVE_INFINITY;
      for (const item of items) {
        const fill = parseExecution(item);
        const execTime = Number(item.execTime);
        if (Number.isFinite(execTime)) oldest = Math.min(oldest, execTime);
        if (fill) out.set(fill.fillId, fill);
      }
      // A full page may have more behind it; the next one ends at this page's oldest (inclusive, deduplicated).
      if (items.length < pageSize || !Number.isFinite(oldest) || oldest === endMs) break;
      endMs = oldest;
    }
    return [...out.values()].sort((a, b) => a.tsMs - b.tsMs);
  }

  async ticker(symbol: string): Promise<VenueTicker> {
    const reply = await this.call(`ticker ${symbol}`, () => this.ex.publicGetV5MarketTickers({ category: "linear", symbol }), "other");
    const [item] = resultList(reply, "tickers");
    if (!item) throw new VenueError("not-found", "no-ticker", `no ticker for ${symbol}`);
    return parseTicker(item, replyTimeMs(reply, this.opts.clock.nowMs()));
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    const value = String(leverage);
    try {
      await this.call(`leverage ${symbol}`, () => this.ex.privatePostV5PositionSetLeverage({ category: "linear", symbol, buyLeverage: value, sellLeverage: value }), "other");
    } catch (err) {
      if (isVenueError(err) && err.code === "110043") return; // "leverage not modified": already so
      throw err;
    }
  }

  async transfer(request: TransferRequest): Promise<{ reference: string }> {
    // Bybit takes the transfer id from the client, so a repeated request is the same transfer.
    const reply = await this.call(`transfer ${request.transferId}`, () =>
      this.ex.privatePostV5AssetTransferInterTransfer({
        transferId: request.transferId,
        coin: request.asset,
        amount: String(request.amount),
        fromAccountType: ACCOUNT_TYPE[request.fromAccount],
        toAccountType: ACCOUNT_TYPE[request.toAccount],
      }), "other");
    const result = (reply as Json).result as Json | undefined;
    return { reference: typeof result?.transferId === "string" ? result.transferId : request.transferId };
  }

  /** One push subscription, reopened with backoff after every drop; the listener hears each drop and return. */
  private async watchLoop(kind: "orders" | "fills", listener: VenueListener): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const pending = kind === "orders" ? this.ex.watchOrders() : this.ex.watchMyTrades();
        if (!this.streamUp) void this.announceWhenConnected(listener);
        const items = (await pending) as Array<{ info: unknown }>;
        failures = 0;
        if (!this.streamUp) this.setStream(listener, true);
        if (kind === "orders") listener.onOrders(parseItems(items, parseOrder, this.opts.logger));
        else listener.onFills(parseItems(items, parseExecution, this.opts.logger).filter((f): f is VenueFill => f !== null));
      } catch (err) {
        if (!this.running) return;
        failures += 1;
        this.opts.metrics.websocketReconnectsTotal.inc();
        this.setStream(listener, false);
        if (this.reauthenticating) this.opts.logger.info({ kind }, "bybit private stream reconnecting with the new API key");
        else this.opts.logger.warn({ err: (err as Error).message, kind, failures }, "bybit private stream failed; reconnecting");
        await this.opts.clock.sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** The stream counts as back once its socket connected again, so missed reports are fetched at once. */
  private async announceWhenConnected(listener: VenueListener): Promise<void> {
    for (let i = 0; i < 50 && this.running && !this.streamUp; i += 1) {
      const clients = Object.values((this.ex as unknown as { clients: Record<string, { isConnected?: boolean }> }).clients ?? {});
      if (clients.some((c) => c.isConnected)) {
        this.setStream(listener, true);
        return;
      }
      await this.opts.clock.sleep(100);
    }
  }

  private setStream(listener: VenueListener, up: boolean): void {
    if (up) this.reauthenticating = false;
    if (this.streamUp === up) return;
    this.streamUp = up;
    listener.onStreamState(up);
  }
}

function nextCursor(reply: unknown): string {
  const result = typeof reply === "object" && reply !== null ? ((reply as Json).result as Json | undefined) : undefined;
  return typeof result?.nextPageCursor === "string" ? result.nextPageCursor : "";
}

function newest(orders: readonly VenueOrder[]): VenueOrder {
  return [...orders].sort((a, b) => b.createdTsMs - a.createdTsMs)[0]!;
}

function parseItems<T>(items: ReadonlyArray<{ info: unknown }>, parse: (item: Json) => T, logger: Logger): T[] {
  const out: T[] = [];
  for (const item of items) {
    try {
      out.push(parse(item.info as Json));
    } catch (err) {
      // One item we cannot read must not stop the stream; polling and reconciliation will see it again.
      logger.error({ err: (err as Error).message }, "bybit stream item not understood");
    }
  }
  return out;
}
