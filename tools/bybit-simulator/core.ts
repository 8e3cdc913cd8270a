// The simulator's exchange: one matching engine (the same one the paper venue uses), the order and
// execution records Bybit would keep, the market tape, and the fan-out of what happened to WebSocket
// listeners. Transport-free: HTTP and WebSocket layers call into it.

import { TransferLedger } from "./transfers.js";
import type { Clock } from "../../services/shared/clock.js";
import {
  createEngineState,
  markPriceUsd,
  roundToStep,
  step,
  type EngineConfig,
  type EngineInput,
  type EngineState,
  type Position,
  type StepResult,
} from "../../services/execution/domain/matching/index.js";
import {
  executionJson,
  orderJson,
  positionStreamJson,
  walletJson,
  type ExecutionRecord,
  type JsonObject,
  type OrderRecord,
} from "./bybit-json.js";
import { uuidFrom } from "./ids.js";
import { DEFAULT_INSTRUMENTS, type SimInstrument } from "./instruments.js";
import { MarketTape } from "./market-tape.js";
import { tickerJson, publicTradeJson } from "./public-json.js";
import type { ApiCredential } from "./signature.js";

export const DEFAULT_CREDENTIAL: ApiCredential = { apiKey: "titan-sim-key", secret: "titan-sim-secret" };

export interface SimulatorCoreOptions {
  readonly seed: number;
  readonly clock: Clock;
  readonly instruments?: readonly SimInstrument[];
  readonly credentials?: readonly ApiCredential[];
  readonly initialBalanceUsd?: number;
  readonly engineConfig?: Partial<EngineConfig>;
  /** Size shown at the touch, in USD per side: deep enough that ordinary market orders fill whole. */
  readonly depthNotionalUsd?: number;
}

export type PrivateTopic = "order" | "execution" | "position" | "wallet";

export interface SimulatorListener {
  onPrivate(topic: PrivateTopic, data: JsonObject[]): void;
  onPublic(topic: string, data: JsonObject | JsonObject[]): void;
}

/** Bybit answers duplicate orderLinkIds with 30001 (v3 code, per the issue) or 110072 (v5 linear). */
export type DuplicateOrderLinkIdCode = 30001 | 110072;

export class BybitSimulatorCore {
  readonly seed: number;
  readonly clock: Clock;
  readonly instruments: ReadonlyMap<string, SimInstrument>;
  /** API key → secret of every key the exchange accepts now. */
  readonly credentials: ReadonlyMap<string, string>;
  private readonly secrets: Map<string, string>;
  private readonly keyCreatedAtMs = new Map<string, number>();
  readonly duplicateCheck = { enabled: true, retCode: 30001 as DuplicateOrderLinkIdCode };
  private readonly listeners = new Set<SimulatorListener>();
  private readonly options: SimulatorCoreOptions;

  engine!: EngineState;
  /** Every order the venue accepted, by Bybit order id, in creation order. */
  orders!: Map<string, OrderRecord>;
  private bybitIdByEngineId!: Map<string, string>;
  private orderIdsByLinkId!: Map<string, string[]>;
  executions!: ExecutionRecord[];
  tape!: MarketTape;
  private positionSeq!: Map<string, number>;
  private counters!: { order: number; exec: number; trade: number };
  /** Internal transfers and the balances of the accounts outside the trading wallet. */
  transferLedger!: TransferLedger;

  constructor(options: SimulatorCoreOptions) {
    this.options = options;
    this.seed = options.seed;
    this.clock = options.clock;
    const instruments = options.instruments ?? DEFAULT_INSTRUMENTS;
    this.instruments = new Map(instruments.map((instrument) => [instrument.spec.symbol, instrument]));
    this.secrets = new Map();
    this.credentials = this.secrets;
    for (const credential of options.credentials ?? [DEFAULT_CREDENTIAL]) this.addCredential(credential);
    this.reset();
  }

  /** Back to the starting book: no orders, no positions, the initial balance, prices at their start. */
  reset(): void {
    const instruments = [...this.instruments.values()];
    this.engine = createEngineState({
      instruments: instruments.map((instrument) => instrument.spec),
      walletBalanceUsd: this.options.initialBalanceUsd ?? 100_000,
      config: { fillIdPrefix: `sim${this.seed}`, ...this.options.engineConfig },
    });
    this.orders = new Map();
    this.bybitIdByEngineId = new Map();
    this.orderIdsByLinkId = new Map();
    this.executions = [];
    this.positionSeq = new Map();
    this.counters = { order: 0, exec: 0, trade: 0 };
    this.transferLedger = new TransferLedger();
    this.tape = new MarketTape((symbol) => this.instruments.get(symbol)?.initialPriceUsd ?? 0);
    // An opening print per symbol, so every market has a last price and a touch from the start.
    for (const instrument of instruments) this.printTrade(instrument.spec.symbol, instrument.initialPriceUsd, instrument.spec.minQty, "buy");
  }

  subscribe(listener: SimulatorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  nextOrderId(): string {
    this.counters.order += 1;
    return uuidFrom(this.seed, `order:${this.counters.order}`);
  }

  /** Key rotation at the exchange, step 1: a new key works from the next request on (created now unless told). */
  addCredential(credential: ApiCredential, createdAtMs = this.nowMs()): void {
    this.secrets.set(credential.apiKey, credential.secret);
    this.keyCreatedAtMs.set(credential.apiKey, createdAtMs);
  }

  /** Step 2: the old key is deleted; requests signed with it are refused (10003), its stream sessions end at their next event. */
  revokeCredential(apiKey: string): boolean {
    this.keyCreatedAtMs.delete(apiKey);
    return this.secrets.delete(apiKey);
  }

  /** When a key was created, as GET /v5/user/query-api reports it. */
  credentialCreatedAtMs(apiKey: string): number | undefined {
    return this.keyCreatedAtMs.get(apiKey);
  }

  ordersByLinkId(orderLinkId: string): OrderRecord[] {
    return (this.orderIdsByLinkId.get(orderLinkId) ?? []).map((id) => this.orders.get(id)!);
  }

  /** Registers a client order before the engine sees it, so its events find their record. */
  registerOrder(orderId: string, orderLinkId: string): void {
    this.bybitIdByEngineId.set(orderId, orderId);
    if (orderLinkId) this.orderIdsByLinkId.set(orderLinkId, [...(this.orderIdsByLinkId.get(orderLinkId) ?? []), orderId]);
  }

  forgetOrder(orderId: string, orderLinkId: string): void {
    this.bybitIdByEngineId.delete(orderId);
    if (!orderLinkId) return;
    const remaining = (this.orderIdsByLinkId.get(orderLinkId) ?? []).filter((id) => id !== orderId);
    if (remaining.length) this.orderIdsByLinkId.set(orderLinkId, remaining);
    else this.orderIdsByLinkId.delete(orderLinkId);
  }

  markPrice(symbol: string): number | null {
    return markPriceUsd(this.engine.markets[symbol]);
  }

  position(symbol: string): Position | undefined {
    return this.engine.positions[symbol];
  }

  positionSeqOf(symbol: string): number {
    return this.positionSeq.get(symbol) ?? 0;
  }

  /** Runs one engine step, keeps the records and tells the listeners. */
  apply(input: EngineInput, options: { notify?: boolean } = {}): StepResult {
    const result = step(this.engine, input);
    if (result.error) return result;
    this.engine = result.state;
    const pushes: { topic: PrivateTopic; item: JsonObject }[] = [];
    for (const event of result.events) {
      // A refused order never reaches Bybit's book (the create call fails), except a crossing post-only
      // order, which Bybit accepts and cancels at once.
      if (event.kind === "order" && event.order.status === "rejected" && event.order.rejectReason !== "post-only-would-take") continue;
      if (event.kind === "order") {
        const bybitId = this.bybitIdByEngineId.get(event.order.orderId) ?? this.adoptVenueOrder(event.order.orderId);
        const previous = this.orders.get(bybitId);
        const record: OrderRecord = { orderId: bybitId, orderLinkId: previous?.orderLinkId ?? this.linkIdOf(bybitId), order: event.order };
        this.orders.set(bybitId, record);
        pushes.push({ topic: "order", item: { category: "linear", ...orderJson(record, this.spec(event.order.symbol)) } });
      } else if (event.kind === "fill") {
        const orderId = this.bybitIdByEngineId.get(event.fill.orderId) ?? this.adoptVenueOrder(event.fill.orderId);
        this.counters.exec += 1;
        const record: ExecutionRecord = {
          execId: uuidFrom(this.seed, `exec:${event.fill.fillId}`),
          orderId,
          orderLinkId: this.linkIdOf(orderId),
          seq: this.counters.exec,
          fill: event.fill,
        };
        this.executions.push(record);
        pushes.push({ topic: "execution", item: { category: "linear", ...executionJson(record, this.spec(event.fill.symbol)), isLeverage: "0" } });
      } else if (event.kind === "position") {
        const symbol = event.position.symbol;
        this.positionSeq.set(symbol, this.positionSeqOf(symbol) + 1);
        pushes.push({ topic: "position", item: this.positionStream(event.position) });
      } else {
        pushes.push({ topic: "wallet", item: walletJson(this.engine) });
      }
    }
    if (options.notify !== false) this.pushPrivate(pushes);
    return result;
  }

  positionStream(position: Position): JsonObject {
    const instrument = this.instruments.get(position.symbol)!;
    return positionStreamJson(position, instrument, { markPriceUsd: this.markPrice(position.symbol), seq: this.positionSeqOf(position.symbol) });
  }

  /** A trade printed by the market (feed or admin): the engine matches against it, the tape records it. */
  printTrade(symbol: string, priceUsd: number, qty: number | undefined, takerSide?: "buy" | "sell"): StepResult {
    const instrument = this.instruments.get(symbol)!;
    const snapped = Math.max(instrument.spec.tickSizeUsd, roundToStep(priceUsd, instrument.spec.tickSizeUsd));
    const previous = this.engine.markets[symbol]?.lastPriceUsd ?? snapped;
    const side = takerSide ?? (snapped >= previous ? "buy" : "sell");
    const tradeQty = Math.max(instrument.spec.minQty, roundToStep(qty ?? this.depthQty(instrument, snapped), instrument.spec.lotStepQty));
    const tsMs = this.nowMs();
    const result = this.apply({ kind: "trade", tsMs, symbol, priceUsd: snapped, qty: tradeQty, takerSide: side });
    if (result.error) return result;
    this.counters.trade += 1;
    const trade = { tradeId: uuidFrom(this.seed, `trade:${this.counters.trade}`), symbol, priceUsd: snapped, qty: tradeQty, takerSide: side, tsMs };
    this.tape.record(trade);
    this.pushPublic(`publicTrade.${symbol}`, [publicTradeJson(trade, instrument.spec)]);
    this.quoteAround(instrument, snapped, side);
    return result;
  }

  /** Puts the touch one tick from the last trade, on the side its taker did not come from. */
  private quoteAround(instrument: SimInstrument, priceUsd: number, takerSide: "buy" | "sell"): void {
    const tick = instrument.spec.tickSizeUsd;
    const bid = takerSide === "buy" ? roundToStep(priceUsd - tick, tick) : priceUsd;
    const ask = takerSide === "buy" ? priceUsd : roundToStep(priceUsd + tick, tick);
    const size = this.depthQty(instrument, priceUsd);
    this.apply({ kind: "quote", tsMs: this.nowMs(), symbol: instrument.spec.symbol, bidPriceUsd: Math.max(tick, bid), askPriceUsd: ask, bidQty: size, askQty: size });
    this.pushPublic(`tickers.${instrument.spec.symbol}`, this.ticker(instrument.spec.symbol));
  }

  ticker(symbol: string): JsonObject {
    const instrument = this.instruments.get(symbol)!;
    const market = this.engine.markets[symbol]!;
    const openInterestQty = Math.abs(this.engine.positions[symbol]?.qty ?? 0);
    return tickerJson(instrument, market, this.tape.stats24h(symbol, this.nowMs(), market.lastPriceUsd ?? instrument.initialPriceUsd), openInterestQty, this.nowMs());
  }

  private depthQty(instrument: SimInstrument, priceUsd: number): number {
    const qty = (this.options.depthNotionalUsd ?? 2_000_000) / priceUsd;
    return Math.min(instrument.spec.maxQty, Math.max(instrument.spec.minQty, roundToStep(qty, instrument.spec.lotStepQty, "down")));
  }

  spec(symbol: string) {
    return this.instruments.get(symbol)!.spec;
  }

  private linkIdOf(orderId: string): string {
    const existing = this.orders.get(orderId);
    if (existing) return existing.orderLinkId;
    for (const [linkId, ids] of this.orderIdsByLinkId) if (ids.includes(orderId)) return linkId;
    return "";
  }

  /** Orders the venue created itself (a triggered stop) get a Bybit-shaped id of their own. */
  private adoptVenueOrder(engineId: string): string {
    const bybitId = uuidFrom(this.seed, `venue-order:${engineId}`);
    this.bybitIdByEngineId.set(engineId, bybitId);
    return bybitId;
  }

  private pushPrivate(pushes: { topic: PrivateTopic; item: JsonObject }[]): void {
    const byTopic = new Map<PrivateTopic, JsonObject[]>();
    for (const push of pushes) byTopic.set(push.topic, [...(byTopic.get(push.topic) ?? []), push.item]);
    for (const [topic, items] of byTopic) for (const listener of this.listeners) listener.onPrivate(topic, items);
  }

  private pushPublic(topic: string, data: JsonObject | JsonObject[]): void {
    for (const listener of this.listeners) listener.onPublic(topic, data);
  }
}
