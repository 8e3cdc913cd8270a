// MEXC spot through ccxt's mexc class (loaded by file, nothing else of ccxt): spot orders and spot data
// only — MEXC closed futures order placement to API users. REST through ccxt's signed spot v3 endpoints
// (its implicit API, so the replies stay MEXC's JSON and go through parse.ts). MEXC's spot streams are
// protobuf, so order and fill reports are polled: every `pollIntervalMs` for the symbols with working
// or recent orders. Spot holds no positions; positions() reports each base asset held as a long position
// on its symbol, which is what the shadow state builds from the fills (see README, "Spot").

import type ccxtTypes from "ccxt";
import type { Logger } from "pino";
import type { Clock } from "../../../shared/clock.js";
import { formatOnStep } from "../../domain/matching/index.js";
import type { Instrument, OrderRequest, VenueBalance, VenueFill, VenueOrder, VenueTicker } from "../../domain/venue-types.js";
import { isOpenOrderStatus } from "../../domain/venue-types.js";
import { VenueError, isVenueError, type PositionSnapshot, type TransferRequest, type Venue, type VenueListener } from "../venue.js";
import { toMexcVenueError } from "./errors.js";
import { holdingsAsPositions, isTradableSpot, parseAccount, parseSpotInstrument, parseSpotOrder, parseSpotTrade, parseTicker24h, spotBalanceUsd, type Json, type SpotBalance } from "./parse.js";

type MexcClass = typeof ccxtTypes.mexc;
type Mexc = InstanceType<MexcClass>;
type Implicit = Record<string, (params?: Record<string, unknown>) => Promise<unknown>>;

let mexcClass: Promise<MexcClass> | null = null;

/** ccxt's package exports only its full bundle; the mexc class file alone keeps memory down. */
export function loadMexcClass(): Promise<MexcClass> {
  mexcClass ??= import(new URL("./src/mexc.js", import.meta.resolve("ccxt")).href).then((m: { default: MexcClass }) => m.default);
  return mexcClass;
}

export interface MexcVenueOptions {
  readonly apiKey: string;
  readonly secret: string;
  /** REST base URL (the simulator in tests and staging); MEXC's own when absent. */
  readonly restUrl?: string;
  readonly timeoutMs: number;
  /** Spot symbols traded, by MEXC's id (BTCUSDT); MEXC lists thousands. */
  readonly symbols: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often working and recent orders are polled for reports. */
  readonly pollIntervalMs?: number;
  readonly onVenueError?: (code: string) => void;
  /** ccxt's own pacing by MEXC's endpoint weights (default on; off against the simulator in tests). */
  readonly throttle?: boolean;
}

/** Orders created this recently are polled even when no longer open (their last fills and status). */
const RECENT_MS = 60_000;

export class MexcVenue implements Venue {
  readonly name = "mexc" as const;
  /** ccxt signs with a 5 s recvWindow: MEXC refuses a copy of the request arriving later. */
  readonly resendSafetyMs = 6_000;
  private exchange: Mexc | null = null;
  private bySymbol = new Map<string, Instrument>();
  private readonly ordersById = new Map<string, VenueOrder>();
  private readonly activeUntilMs = new Map<string, number>();
  private readonly lastPriceUsd = new Map<string, number>();
  private listener: VenueListener | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastPollMs = 0;

  constructor(private readonly opts: MexcVenueOptions) {}

  private get api(): Implicit {
    if (!this.exchange) throw new VenueError("unavailable", "not-started", "the MEXC venue is not started");
    return this.exchange as unknown as Implicit;
  }

  private async call(what: string, method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    try {
      return await this.api[method]!(params);
    } catch (err) {
      const error = toMexcVenueError(err, what);
      this.opts.onVenueError?.(error.code);
      throw error;
    }
  }

  async start(listener: VenueListener): Promise<void> {
    const Mexc = await loadMexcClass();
    const ex = new Mexc({ apiKey: this.opts.apiKey, secret: this.opts.secret, timeout: this.opts.timeoutMs, enableRateLimit: this.opts.throttle ?? true });
    (ex.has as Record<string, unknown>).fetchCurrencies = false;
    if (this.opts.restUrl) {
      const rest = this.opts.restUrl.replace(/\/$/, "");
      ex.urls.api = { ...(ex.urls.api as object), spot: { public: rest, private: rest } } as typeof ex.urls.api;
    }
    this.exchange = ex;
    const info = (await this.call("exchangeInfo", "spotPublicGetExchangeInfo", { symbols: this.opts.symbols.join(",") })) as Json;
    const wanted = new Set(this.opts.symbols);
    const listed = (Array.isArray(info.symbols) ? (info.symbols as Json[]) : []).filter((s) => wanted.has(String(s.symbol)) && isTradableSpot(s));
    this.bySymbol = new Map(listed.map((s) => parseSpotInstrument(s)).map((i) => [i.symbol, i]));
    for (const symbol of this.opts.symbols) if (!this.bySymbol.has(symbol)) this.opts.logger.warn({ symbol }, "MEXC lists no tradable spot market with this id; it is left out");
    this.listener = listener;
    this.running = true;
    this.lastPollMs = this.opts.clock.nowMs();
    this.loop = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.listener = null;
  }

  instruments(): readonly Instrument[] {
    return [...this.bySymbol.values()];
  }

  private instrument(symbol: string): Instrument {
    const i = this.bySymbol.get(symbol);
    if (!i) throw new VenueError("refused", "unknown-symbol", `symbol ${symbol} is not a MEXC spot market Titan trades`);
    return i;
  }

  async createOrder(order: OrderRequest): Promise<{ venueOrderId: string }> {
    const spec = this.instrument(order.symbol);
    if (order.reduceOnly && order.side === "buy") throw new VenueError("refused", "reduce-only-buy", "spot has no short to reduce: a reduce-only buy cannot be placed");
    if (order.stopLossPriceUsd !== null || order.takeProfitPriceUsd !== null) throw new VenueError("refused", "no-attached-stops", "MEXC spot orders take no attached stop loss or take profit");
    const params: Record<string, string> = {
      symbol: order.symbol,
      side: order.side === "buy" ? "BUY" : "SELL",
      type: order.orderType === "market" ? "MARKET" : order.orderType === "post-only" ? "LIMIT_MAKER" : "LIMIT",
      quantity: formatOnStep(order.qty, spec.lotStepQty),
      newClientOrderId: order.clientOrderId,
    };
    if (order.orderType !== "market" && order.limitPriceUsd !== null) params.price = formatOnStep(order.limitPriceUsd, spec.tickSizeUsd);
    this.markActive(order.symbol);
    const reply = (await this.call(`create ${order.clientOrderId}`, "spotPrivatePostOrder", params)) as Json;
    const venueOrderId = typeof reply.orderId === "string" || typeof reply.orderId === "number" ? String(reply.orderId) : "";
    if (!venueOrderId) throw new VenueError("outcome-unknown", "no-order-id", `MEXC answered the create of ${order.clientOrderId} without an order id`);
    this.wake?.();
    return { venueOrderId };
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | null> {
    try {
      const order = parseSpotOrder((await this.call(`find ${clientOrderId}`, "spotPrivateGetOrder", { symbol, origClientOrderId: clientOrderId })) as Json);
      this.ordersById.set(order.venueOrderId, order);
      return order;
    } catch (err) {
      if (isVenueError(err, "not-found")) return null;
      throw err;
    }
  }

  async cancelOrder(symbol: string, ids: { venueOrderId?: string; clientOrderId?: string }): Promise<void> {
    const params: Record<string, string> = { symbol };
    if (ids.venueOrderId) params.orderId = ids.venueOrderId;
    else if (ids.clientOrderId) params.origClientOrderId = ids.clientOrderId;
    this.markActive(symbol);
    try {
      await this.call(`cancel ${ids.clientOrderId ?? ids.venueOrderId}`, "spotPrivateDeleteOrder", params);
    } catch (err) {
      if (isVenueError(err, "not-found")) return; // finished already: what a cancel wants
      throw err;
    }
    this.wake?.();
  }

  async cancelAllOrders(symbol?: string): Promise<void> {
    for (const s of symbol ? [symbol] : [...this.bySymbol.keys()]) {
      this.markActive(s);
      try {
        await this.call(`cancel-all ${s}`, "spotPrivateDeleteOpenOrders", { symbol: s });
      } catch (err) {
        if (!isVenueError(err, "not-found")) throw err;
      }
    }
    this.wake?.();
  }

  async openOrders(): Promise<VenueOrder[]> {
    const out: VenueOrder[] = [];
    for (const symbol of this.bySymbol.keys()) {
      const list = (await this.call(`open orders ${symbol}`, "spotPrivateGetOpenOrders", { symbol })) as Json[];
      for (const item of list) {
        const order = parseSpotOrder(item);
        this.ordersById.set(order.venueOrderId, order);
        out.push(order);
      }
    }
    return out;
  }

  private async spotBalances(): Promise<SpotBalance[]> {
    return parseAccount((await this.call("account", "spotPrivateGetAccount")) as Json);
  }

  /** Each base asset held (free and locked) as a long position on its symbol; the quote asset is the balance. */
  async positions(): Promise<PositionSnapshot> {
    const balances = await this.spotBalances();
    const asOfMs = this.opts.clock.nowMs();
    return { positions: holdingsAsPositions(balances, this.instruments(), (s) => this.lastPriceUsd.get(s) ?? null, asOfMs), asOfMs };
  }

  async balance(): Promise<VenueBalance> {
    const balances = await this.spotBalances();
    const quote = this.instruments()[0]?.quoteAsset ?? "USDT";
    const priceOf = (asset: string) => {
      const i = this.instruments().find((x) => x.baseAsset === asset);
      return i ? (this.lastPriceUsd.get(i.symbol) ?? null) : null;
    };
    for (const i of this.instruments()) if (!this.lastPriceUsd.has(i.symbol) && balances.some((b) => b.asset === i.baseAsset && b.free + b.locked > 0)) await this.ticker(i.symbol).catch(() => undefined);
    return spotBalanceUsd(balances, quote, priceOf, this.opts.clock.nowMs());
  }

  /** Every symbol's trades at or after `sinceMs`, oldest first (MEXC serves at most 100 a call). */
  async fills(sinceMs: number, symbols: readonly string[] = [...this.bySymbol.keys()]): Promise<VenueFill[]> {
    const out: VenueFill[] = [];
    for (const symbol of symbols) {
      const spec = this.instrument(symbol);
      let from = Math.max(0, Math.floor(sinceMs));
      for (let page = 0; page < 20; page += 1) {
        const trades = (await this.call(`trades ${symbol}`, "spotPrivateGetMyTrades", { symbol, startTime: from, limit: 100 })) as Json[];
        for (const trade of trades) out.push(parseSpotTrade(trade, await this.orderOf(symbol, String(trade.orderId)), spec.baseAsset));
        if (trades.length < 100) break;
        from = Math.max(...trades.map((t) => Number(t.time)));
      }
    }
    const unique = new Map(out.map((f) => [f.fillId, f]));
    return [...unique.values()].sort((a, b) => a.tsMs - b.tsMs);
  }

  /** The order a trade belongs to; a finished one is asked once. */
  private async orderOf(symbol: string, venueOrderId: string): Promise<VenueOrder> {
    const known = this.ordersById.get(venueOrderId);
    if (known && !isOpenOrderStatus(known.status)) return known;
    const order = parseSpotOrder((await this.call(`order ${venueOrderId}`, "spotPrivateGetOrder", { symbol, orderId: venueOrderId })) as Json);
    this.ordersById.set(venueOrderId, order);
    return order;
  }

  async ticker(symbol: string): Promise<VenueTicker> {
    const ticker = parseTicker24h((await this.call(`ticker ${symbol}`, "spotPublicGetTicker24hr", { symbol })) as Json, this.opts.clock.nowMs());
    this.lastPriceUsd.set(symbol, ticker.lastPriceUsd);
    return ticker;
  }

  /** MEXC's raw 24 h ticker (the spot market-data poller publishes it). */
  async ticker24h(symbol: string): Promise<Json> {
    const item = (await this.call(`ticker ${symbol}`, "spotPublicGetTicker24hr", { symbol })) as Json;
    const last = Number(item.lastPrice);
    if (last > 0) this.lastPriceUsd.set(symbol, last);
    return item;
  }

  /** MEXC's raw kline rows, oldest first: `[openTime, open, high, low, close, volume, closeTime, quoteVolume]`. */
  async klineRows(symbol: string, interval: "1m" | "5m" | "15m" | "1h" | "4h" | "1d", limit: number): Promise<unknown[][]> {
    return (await this.call(`klines ${symbol}`, "spotPublicGetKlines", { symbol, interval: interval === "1h" ? "60m" : interval, limit })) as unknown[][];
  }

  /** Spot has no leverage. */
  async setLeverage(): Promise<void> {}

  transfer(request: TransferRequest): Promise<{ reference: string }> {
    return Promise.reject(new VenueError("refused", "not-supported", `transfer ${request.transferId}: transfers are made on the perpetuals venue, not on MEXC spot`));
  }

  private markActive(symbol: string): void {
    this.activeUntilMs.set(symbol, this.opts.clock.nowMs() + RECENT_MS);
  }

  /** Polls the active symbols' trades and orders; reports go to the listener as a stream's would. */
  private async pollLoop(): Promise<void> {
    while (this.running) {
      await new Promise<void>((resolve) => {
        const cancel = this.opts.clock.setTimer(this.opts.pollIntervalMs ?? 1_000, () => done());
        const done = () => {
          cancel();
          this.wake = null;
          resolve();
        };
        this.wake = done;
      });
      if (!this.running) return;
      const now = this.opts.clock.nowMs();
      const working = new Set([...this.ordersById.values()].filter((o) => isOpenOrderStatus(o.status)).map((o) => o.symbol));
      const active = [...this.bySymbol.keys()].filter((s) => working.has(s) || (this.activeUntilMs.get(s) ?? 0) > now);
      if (active.length === 0) continue;
      try {
        const since = this.lastPollMs - 2_000;
        const fills = await this.fills(since, active);
        const orders: VenueOrder[] = [];
        for (const symbol of active) {
          const open = ((await this.call(`open orders ${symbol}`, "spotPrivateGetOpenOrders", { symbol })) as Json[]).map(parseSpotOrder);
          const openIds = new Set(open.map((o) => o.venueOrderId));
          // Orders that left the open list finished: their final state is asked once.
          for (const known of [...this.ordersById.values()]) if (known.symbol === symbol && isOpenOrderStatus(known.status) && !openIds.has(known.venueOrderId)) orders.push(await this.orderOf(symbol, known.venueOrderId));
          for (const o of open) this.ordersById.set(o.venueOrderId, o);
          orders.push(...open);
        }
        // A fill's order (a market order finishes between two polls) is reported with it.
        for (const f of fills) {
          const order = this.ordersById.get(f.venueOrderId);
          if (order && !orders.some((o) => o.venueOrderId === order.venueOrderId)) orders.push(order);
        }
        this.lastPollMs = now;
        if (fills.length > 0) this.listener?.onFills(fills);
        if (orders.length > 0) this.listener?.onOrders(orders);
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, "polling MEXC spot orders failed; retrying");
      }
    }
  }
}
