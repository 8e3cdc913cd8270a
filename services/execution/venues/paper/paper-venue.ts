// The paper venue: the matching engine (the same one behind the Bybit simulator) run in-process against
// the market data feed — market, limit, post-only and reduce-only orders, attached stops, partial fills,
// maker/taker fees and slippage. It is an exchange, so it keeps its own books: every change that touches
// an order, fill or position is saved before it is reported, and a restart resumes from the saved books.
// Saves are group-committed: each call changes the books in memory at once (in call order) and waits
// for the save that carries its change; calls made while a save is in flight share the next one, so
// the venue's throughput is not one call per database round trip.

import type { Clock } from "../../../shared/clock.js";
import type { MarketTicker, MarketTrade } from "../../../shared/contracts/index.js";
import {
  createEngineState,
  markToMarket,
  step,
  type EngineConfig,
  type EngineInput,
  type InstrumentSpec,
  type StepResult,
} from "../../domain/matching/index.js";
import type { Instrument, OrderRequest, VenueBalance, VenueFill, VenueOrder, VenueTicker } from "../../domain/venue-types.js";
import { VenueError, type PositionSnapshot, type TransferRequest, type Venue, type VenueListener } from "../venue.js";
import { venueBalanceFromEngine, venueFillFromEngine, venueOrderFromEngine, venuePositionFromEngine } from "./paper-convert.js";
import { PaperLedger, type PaperBooksStore } from "./paper-ledger.js";

export type { PaperBooks, PaperBooksChange, PaperBooksStore } from "./paper-ledger.js";

/** Market events as the market-data module hands them over (its MarketEvent); others are ignored. */
export type PaperMarketEvent = { readonly type: "market-trade"; readonly payload: MarketTrade } | { readonly type: "market-ticker"; readonly payload: MarketTicker } | { readonly type: string; readonly payload: unknown };

export interface PaperVenueOptions {
  readonly instruments: readonly InstrumentSpec[];
  readonly walletBalanceUsd: number;
  readonly clock: Clock;
  readonly store: PaperBooksStore;
  readonly engineConfig?: Partial<EngineConfig>;
  /** Finished orders and fills kept for lookups. */
  readonly keepRecords?: number;
}

/** Bybit's published filters for the perpetuals the paper venue lists by default. */
export const PAPER_INSTRUMENTS: readonly InstrumentSpec[] = [
  { symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT", tickSizeUsd: 0.1, lotStepQty: 0.001, minQty: 0.001, maxQty: 1190, minNotionalUsd: 5, minPriceUsd: 0.1, maxPriceUsd: 1_999_999.8, maxLeverage: 100 },
  { symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT", tickSizeUsd: 0.01, lotStepQty: 0.01, minQty: 0.01, maxQty: 7240, minNotionalUsd: 5, minPriceUsd: 0.01, maxPriceUsd: 199_999.98, maxLeverage: 100 },
  { symbol: "SOLUSDT", baseAsset: "SOL", quoteAsset: "USDT", tickSizeUsd: 0.01, lotStepQty: 0.1, minQty: 0.1, maxQty: 79_770, minNotionalUsd: 5, minPriceUsd: 0.01, maxPriceUsd: 19_999.98, maxLeverage: 100 },
];

export class PaperVenue implements Venue {
  readonly name = "paper" as const;
  /** In-process: a create either happened or not by the time its call returns. */
  readonly resendSafetyMs = 0;
  private books!: PaperLedger;
  private listener: VenueListener | null = null;
  /** The save in flight, and the one that will carry the changes made meanwhile. */
  private saving: Promise<void> | null = null;
  private nextSave: Promise<void> | null = null;
  private readonly keep: number;

  constructor(private readonly opts: PaperVenueOptions) {
    this.keep = opts.keepRecords ?? 5_000;
  }

  async start(listener: VenueListener): Promise<void> {
    const saved = await this.opts.store.load(this.keep);
    const books = saved ?? {
      engine: createEngineState({ instruments: this.opts.instruments, walletBalanceUsd: this.opts.walletBalanceUsd, config: { fillIdPrefix: "paper", ...this.opts.engineConfig } }),
      orders: {},
      fills: [],
      orderSeq: 0,
    };
    this.books = new PaperLedger(books, this.keep);
    this.listener = listener;
    listener.onStreamState(true);
  }

  async stop(): Promise<void> {
    await (this.nextSave ?? this.saving)?.catch(() => undefined);
    this.listener = null;
  }

  instruments(): readonly Instrument[] {
    return Object.values(this.books.engine.instruments);
  }

  /** Market data in: trades match resting orders and fire stops; tickers move the touch. */
  async feed(events: readonly PaperMarketEvent[]): Promise<void> {
    let changed = false;
    for (const event of events) {
      const input = this.marketInput(event);
      if (!input) continue;
      const result = step(this.books.engine, input);
      if (result.error) continue;
      changed = this.absorb(result) || changed;
    }
    if (changed) await this.persistAndReport();
  }

  private pendingReports: { orders: VenueOrder[]; fills: VenueFill[] } = { orders: [], fills: [] };

  private marketInput(event: PaperMarketEvent): EngineInput | null {
    if (event.type === "market-trade") {
      const t = event.payload as MarketTrade;
      if (t.marketType !== "linear" || !this.books.engine.instruments[t.symbol]) return null;
      return { kind: "trade", tsMs: t.venueTsMs, symbol: t.symbol, priceUsd: t.priceUsd, qty: t.qty, takerSide: t.side };
    }
    if (event.type === "market-ticker") {
      const t = event.payload as MarketTicker;
      if (t.marketType !== "linear" || !this.books.engine.instruments[t.symbol] || t.bidPriceUsd === null || t.askPriceUsd === null) return null;
      return { kind: "quote", tsMs: t.venueTsMs, symbol: t.symbol, bidPriceUsd: t.bidPriceUsd, askPriceUsd: t.askPriceUsd };
    }
    return null;
  }

  /** Takes a step's new state and queues its reports; true when orders, fills or positions changed. */
  private absorb(result: StepResult): boolean {
    let changed = false;
    for (const event of result.events) {
      if (event.kind === "order") {
        this.books.recordOrder(event.order);
        this.pendingReports.orders.push(venueOrderFromEngine(event.order));
        changed = true;
      } else if (event.kind === "fill") {
        this.books.recordFill(event.fill);
        this.pendingReports.fills.push(venueFillFromEngine(event.fill));
        changed = true;
      } else if (event.kind === "position") {
        changed = true;
      }
    }
    this.books.engine = result.state;
    return changed;
  }

  /** Resolves once every change made so far is saved; its reports then go to the listener. */
  private persistAndReport(): Promise<void> {
    if (this.nextSave) return this.nextSave;
    if (!this.saving) return this.startSave();
    const next = this.saving.catch(() => undefined).then(() => {
      this.nextSave = null;
      return this.startSave();
    });
    this.nextSave = next;
    return next;
  }

  private startSave(): Promise<void> {
    const change = this.books.takeChange();
    const reports = this.pendingReports;
    this.pendingReports = { orders: [], fills: [] };
    const save = this.opts.store.save(change).then(
      () => {
        const listener = this.listener;
        // Reported after the callers' answers, as a venue's stream would be.
        if (listener) {
          setImmediate(() => {
            if (reports.orders.length > 0) listener.onOrders(reports.orders);
            if (reports.fills.length > 0) listener.onFills(reports.fills);
          });
        }
      },
      (err: unknown) => {
        // Nothing of it is lost: the next save carries it, and its reports wait for that save.
        this.books.returnChange(change);
        this.pendingReports = { orders: [...reports.orders, ...this.pendingReports.orders], fills: [...reports.fills, ...this.pendingReports.fills] };
        throw err;
      },
    );
    // For ordering only (never rejects): the next save starts after this one, whatever came of it.
    const tracked: Promise<void> = save.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      if (this.saving === tracked) this.saving = null;
    });
    this.saving = tracked;
    return save;
  }

  private apply(input: EngineInput): StepResult {
    const result = step(this.books.engine, input);
    if (result.error) throw new VenueError(result.error.code === "order-not-found" ? "not-found" : "refused", result.error.code, result.error.message);
    return result;
  }

  async createOrder(order: OrderRequest): Promise<{ venueOrderId: string }> {
    if (!this.books.engine.instruments[order.symbol]) throw new VenueError("refused", "unknown-symbol", `symbol ${order.symbol} is not listed on the paper venue`);
    if (this.books.hasClientOrderId(order.clientOrderId)) {
      throw new VenueError("duplicate", "duplicate-order-id", `an order with client id ${order.clientOrderId} exists`);
    }
    this.books.orderSeq += 1;
    const venueOrderId = `paper-${this.books.orderSeq}`;
    const result = this.apply({
      kind: "place",
      tsMs: this.opts.clock.nowMs(),
      request: {
        orderId: venueOrderId,
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        type: order.orderType,
        qty: order.qty,
        limitPriceUsd: order.limitPriceUsd,
        timeInForce: order.orderType === "market" ? "IOC" : "GTC",
        reduceOnly: order.reduceOnly,
        stopLossPriceUsd: order.stopLossPriceUsd,
        takeProfitPriceUsd: order.takeProfitPriceUsd,
      },
    });
    const placed = result.events.find((e) => e.kind === "order" && e.order.orderId === venueOrderId);
    if (placed?.kind === "order" && placed.order.status === "rejected" && placed.order.rejectReason !== "post-only-would-take") {
      // Refused outright, as Bybit refuses the create call: nothing rests, nothing is reported.
      await this.opts.store.save(this.books.takeChange()); // the order id is used up; the books are as they were
      throw new VenueError("refused", placed.order.rejectReason ?? "rejected", `paper venue refused ${order.clientOrderId}: ${placed.order.rejectReason}`);
    }
    this.absorb(result);
    await this.persistAndReport();
    return { venueOrderId };
  }

  async findOrder(symbol: string, clientOrderId: string): Promise<VenueOrder | null> {
    const latest = this.books.findByClientId(symbol, clientOrderId);
    return latest ? venueOrderFromEngine(latest) : null;
  }

  async cancelOrder(symbol: string, ids: { venueOrderId?: string; clientOrderId?: string }): Promise<void> {
    const order = Object.values(this.books.engine.openOrders).find(
      (o) => o.symbol === symbol && ((ids.venueOrderId && o.orderId === ids.venueOrderId) || (ids.clientOrderId && o.clientOrderId === ids.clientOrderId)),
    );
    if (!order) return; // finished already: what a cancel wants
    this.absorb(this.apply({ kind: "cancel", tsMs: this.opts.clock.nowMs(), orderId: order.orderId }));
    await this.persistAndReport();
  }

  async cancelAllOrders(symbol?: string): Promise<void> {
    this.absorb(this.apply({ kind: "cancel-all", tsMs: this.opts.clock.nowMs(), ...(symbol ? { symbol } : {}) }));
    await this.persistAndReport();
  }

  async openOrders(): Promise<VenueOrder[]> {
    return Object.values(this.books.engine.openOrders).map(venueOrderFromEngine);
  }

  async positions(): Promise<PositionSnapshot> {
    // The books as they stand: every fill so far is in them, so the snapshot is as of the latest fill.
    const asOfMs = this.books.lastFillTsMs;
    const positions = Object.values(this.books.engine.positions)
      .filter((p) => p.side !== "flat")
      .map((p) => ({ ...venuePositionFromEngine(p, this.books.engine.markets[p.symbol], asOfMs), tsMs: asOfMs }));
    return { positions, asOfMs };
  }

  async balance(): Promise<VenueBalance> {
    return venueBalanceFromEngine(markToMarket(this.books.engine), this.opts.clock.nowMs());
  }

  async fills(sinceMs: number): Promise<VenueFill[]> {
    return this.books.fillsSince(sinceMs).map(venueFillFromEngine);
  }

  async ticker(symbol: string): Promise<VenueTicker> {
    const market = this.books.engine.markets[symbol];
    if (!market || market.lastPriceUsd === null) throw new VenueError("not-found", "no-market-price", `no price for ${symbol} on the paper venue yet`);
    return { symbol, lastPriceUsd: market.lastPriceUsd, bidPriceUsd: market.bidPriceUsd, askPriceUsd: market.askPriceUsd, markPriceUsd: market.lastPriceUsd, tsMs: market.tsMs };
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    if (this.books.engine.positions[symbol]?.leverage === leverage) return;
    this.absorb(this.apply({ kind: "set-leverage", tsMs: this.opts.clock.nowMs(), symbol, leverage }));
    await this.persistAndReport();
  }

  /** Simulated: funds leave (or join) the trading wallet; the spot side is not modelled. */
  async transfer(request: TransferRequest): Promise<{ reference: string }> {
    if (request.fromAccount === request.toAccount) throw new VenueError("refused", "same-account", "a transfer needs two different accounts");
    const amountUsd = request.fromAccount === "futures" ? -request.amount : request.amount;
    this.absorb(this.apply({ kind: "adjust-balance", tsMs: this.opts.clock.nowMs(), amountUsd }));
    await this.persistAndReport();
    return { reference: `paper-transfer-${request.transferId}` };
  }
}

