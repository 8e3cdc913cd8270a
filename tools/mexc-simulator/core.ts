// The MEXC simulator's exchange: the execution service's matching engine run as a spot book (leverage
// 1, long-only, balances per asset: services/execution/domain/matching/spot.ts), the order and trade
// records MEXC keeps, and the printed market. Transport-free: the HTTP layer calls into it.

import type { Clock } from "../../services/shared/clock.js";
import {
  checkSpotOrder,
  createEngineState,
  markPriceUsd,
  roundToStep,
  setSpotHoldingInputs,
  spotBalances,
  step,
  type EngineConfig,
  type EngineInput,
  type EngineState,
  type OrderType,
  type SpotAssetBalance,
  type StepResult,
  type TimeInForce,
} from "../../services/execution/domain/matching/index.js";
import type { ApiCredential } from "../sim-common/hmac.js";
import { MarketTape } from "../sim-common/market-tape.js";
import { DEFAULT_SPOT_INSTRUMENTS, type MexcSpotInstrument } from "./instruments.js";
import type { SpotOrderRecord, SpotTradeRecord } from "./mexc-json.js";

export const DEFAULT_CREDENTIAL: ApiCredential = { apiKey: "titan-mexc-sim-key", secret: "titan-mexc-sim-secret" };

/** A refusal as MEXC answers it: HTTP status, MEXC code, message. */
export class MexcError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    readonly msg: string,
  ) {
    super(msg);
  }
}

export interface MexcCoreOptions {
  readonly seed: number;
  readonly clock: Clock;
  readonly instruments?: readonly MexcSpotInstrument[];
  readonly credentials?: readonly ApiCredential[];
  /** Starting balances by asset; USDT 100,000 by default. */
  readonly balances?: Readonly<Record<string, number>>;
  readonly engineConfig?: Partial<EngineConfig>;
  /** Size shown at the touch, in USD per side. */
  readonly depthNotionalUsd?: number;
}

export interface NewSpotOrder {
  readonly symbol: string;
  readonly side: "buy" | "sell";
  /** MEXC's type: LIMIT, MARKET, LIMIT_MAKER, IMMEDIATE_OR_CANCEL. */
  readonly mexcType: string;
  readonly qty: number | null;
  readonly quoteQty: number | null;
  readonly priceUsd: number | null;
  readonly clientOrderId: string;
}

const TYPES: Record<string, { type: OrderType; timeInForce: TimeInForce }> = {
  LIMIT: { type: "limit", timeInForce: "GTC" },
  MARKET: { type: "market", timeInForce: "IOC" },
  LIMIT_MAKER: { type: "post-only", timeInForce: "GTC" },
  IMMEDIATE_OR_CANCEL: { type: "limit", timeInForce: "IOC" },
};

export class MexcSimulatorCore {
  readonly seed: number;
  readonly clock: Clock;
  readonly instruments: ReadonlyMap<string, MexcSpotInstrument>;
  readonly credentials: ReadonlyMap<string, string>;
  readonly duplicateCheck = { enabled: true };
  private readonly options: MexcCoreOptions;

  engine!: EngineState;
  /** Every order accepted, by MEXC order id, in creation order. */
  orders!: Map<string, SpotOrderRecord>;
  private idByEngineId!: Map<string, string>;
  trades!: SpotTradeRecord[];
  tape!: MarketTape;
  private counters!: { order: number; trade: number; tape: number };

  constructor(options: MexcCoreOptions) {
    this.options = options;
    this.seed = options.seed;
    this.clock = options.clock;
    this.instruments = new Map((options.instruments ?? DEFAULT_SPOT_INSTRUMENTS).map((i) => [i.spec.symbol, i]));
    this.credentials = new Map((options.credentials ?? [DEFAULT_CREDENTIAL]).map((c) => [c.apiKey, c.secret]));
    this.reset();
  }

  /** The starting book: no orders, the starting balances, every market at its opening price. */
  reset(): void {
    const balances = this.options.balances ?? { USDT: 100_000 };
    this.engine = createEngineState({
      instruments: [...this.instruments.values()].map((i) => i.spec),
      walletBalanceUsd: 0,
      config: { fillIdPrefix: `mexc${this.seed}`, ...this.options.engineConfig, defaultLeverage: 1 },
    });
    this.orders = new Map();
    this.idByEngineId = new Map();
    this.trades = [];
    this.counters = { order: 0, trade: 0, tape: 0 };
    this.tape = new MarketTape((symbol) => this.instruments.get(symbol)?.initialPriceUsd ?? 0);
    for (const i of this.instruments.values()) this.printTrade(i.spec.symbol, i.initialPriceUsd, i.spec.minQty, "buy");
    for (const [asset, amount] of Object.entries(balances)) this.setBalance(asset, amount);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  instrument(symbol: string): MexcSpotInstrument {
    const i = this.instruments.get(symbol);
    if (!i) throw new MexcError(400, -1121, "Invalid symbol.");
    return i;
  }

  balances(): SpotAssetBalance[] {
    return spotBalances(this.engine, "USDT");
  }

  /** A deposit or withdrawal (or a trade made elsewhere): the asset's total becomes `amount`. */
  setBalance(asset: string, amount: number): void {
    const spec = [...this.instruments.values()].find((i) => i.spec.baseAsset === asset);
    const priceUsd = spec ? (markPriceUsd(this.engine.markets[spec.spec.symbol]) ?? spec.initialPriceUsd) : 1;
    for (const input of setSpotHoldingInputs(this.engine, asset, amount, priceUsd, this.nowMs())) this.run(input);
  }

  private run(input: EngineInput): StepResult {
    const result = step(this.engine, input);
    if (result.error) throw new MexcError(400, 30010, result.error.message);
    this.engine = result.state;
    for (const event of result.events) {
      if (event.kind === "order") {
        const id = this.idByEngineId.get(event.order.orderId);
        const previous = id ? this.orders.get(id) : undefined;
        if (id && previous) this.orders.set(id, { ...previous, order: event.order });
      } else if (event.kind === "fill") {
        const orderId = this.idByEngineId.get(event.fill.orderId) ?? event.fill.orderId;
        this.counters.trade += 1;
        this.trades.push({ id: String(this.seed * 1_000_000_000 + this.counters.trade), orderId, clientOrderId: this.orders.get(orderId)?.clientOrderId ?? "", fill: event.fill });
      }
    }
    return result;
  }

  ordersByClientId(clientOrderId: string): SpotOrderRecord[] {
    return [...this.orders.values()].filter((r) => r.clientOrderId === clientOrderId);
  }

  /** POST /api/v3/order: refused (MexcError) or placed, matching at once against the touch. */
  placeOrder(req: NewSpotOrder): SpotOrderRecord {
    const i = this.instrument(req.symbol);
    const kind = TYPES[req.mexcType];
    if (!kind) throw new MexcError(400, 30041, `current order type can not place order: ${req.mexcType} is not simulated`);
    if (req.clientOrderId && this.duplicateCheck.enabled && this.ordersByClientId(req.clientOrderId).length > 0) throw new MexcError(400, -2010, "Duplicate order sent.");
    const market = this.engine.markets[req.symbol];
    let qty = req.qty;
    if (qty === null && req.quoteQty !== null && kind.type === "market") {
      const ask = market?.askPriceUsd ?? markPriceUsd(market);
      qty = ask ? roundToStep(req.quoteQty / ask, i.spec.lotStepQty, "down") : null;
    }
    if (qty === null || !(qty > 0)) throw new MexcError(400, 10095, "amount cannot be null");
    if (kind.type !== "market" && req.priceUsd === null) throw new MexcError(400, 700004, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    if (qty < i.spec.minQty) throw new MexcError(400, 30002, `The minimum transaction volume cannot be less than ${i.spec.minQty}`);
    const refusal = checkSpotOrder(this.engine, { symbol: req.symbol, side: req.side, type: kind.type, qty, limitPriceUsd: req.priceUsd });
    if (refusal === "oversold") throw new MexcError(400, 30005, "Oversold");
    if (refusal === "insufficient-balance") throw new MexcError(400, 30004, "Insufficient position");
    if (refusal === "no-market-price") throw new MexcError(400, 30010, "no valid trade price");
    this.counters.order += 1;
    const orderId = `C02__${String(this.seed).padStart(4, "0")}${String(this.counters.order).padStart(14, "0")}`;
    this.idByEngineId.set(orderId, orderId);
    const placeholder: SpotOrderRecord = { orderId, clientOrderId: req.clientOrderId, mexcType: req.mexcType, order: null as never };
    this.orders.set(orderId, placeholder);
    const result = this.run({
      kind: "place",
      tsMs: this.nowMs(),
      request: { orderId, clientOrderId: req.clientOrderId || null, symbol: req.symbol, side: req.side, type: kind.type, qty, limitPriceUsd: req.priceUsd, timeInForce: kind.timeInForce },
    });
    const placed = result.events.find((e) => e.kind === "order" && e.order.orderId === orderId);
    if (placed?.kind === "order" && placed.order.status === "rejected" && placed.order.rejectReason !== "post-only-would-take") {
      this.orders.delete(orderId);
      throw new MexcError(400, rejectCode(placed.order.rejectReason), `order refused: ${placed.order.rejectReason}`);
    }
    return this.orders.get(orderId)!;
  }

  findOrder(symbol: string, ids: { orderId?: string; clientOrderId?: string }): SpotOrderRecord {
    const record = ids.orderId ? this.orders.get(ids.orderId) : this.ordersByClientId(ids.clientOrderId ?? "").at(-1);
    if (!record || record.order.symbol !== symbol) throw new MexcError(400, -2013, "Order does not exist.");
    return record;
  }

  cancelOrder(symbol: string, ids: { orderId?: string; clientOrderId?: string }): SpotOrderRecord {
    const record = this.findOrder(symbol, ids);
    if (!this.engine.openOrders[record.orderId]) throw new MexcError(400, -2011, "Unknown order sent.");
    this.run({ kind: "cancel", tsMs: this.nowMs(), orderId: record.orderId });
    return this.orders.get(record.orderId)!;
  }

  cancelAll(symbol: string): SpotOrderRecord[] {
    const open = Object.values(this.engine.openOrders).filter((o) => o.symbol === symbol);
    if (open.length === 0) return [];
    this.run({ kind: "cancel-all", tsMs: this.nowMs(), symbol });
    return open.map((o) => this.orders.get(o.orderId)!);
  }

  openOrders(symbol?: string): SpotOrderRecord[] {
    return Object.values(this.engine.openOrders)
      .filter((o) => symbol === undefined || o.symbol === symbol)
      .map((o) => this.orders.get(o.orderId)!);
  }

  /** A trade printed by the market: resting orders it reaches fill; the touch moves one tick around it. */
  printTrade(symbol: string, priceUsd: number, qty?: number, takerSide?: "buy" | "sell"): void {
    const i = this.instrument(symbol);
    const tick = i.spec.tickSizeUsd;
    const price = Math.max(tick, roundToStep(priceUsd, tick));
    const previous = this.engine.markets[symbol]?.lastPriceUsd ?? price;
    const side = takerSide ?? (price >= previous ? "buy" : "sell");
    const depth = Math.max(i.spec.minQty, roundToStep((this.options.depthNotionalUsd ?? 2_000_000) / price, i.spec.lotStepQty, "down"));
    const tradeQty = Math.max(i.spec.minQty, roundToStep(qty ?? depth, i.spec.lotStepQty));
    const tsMs = this.nowMs();
    this.run({ kind: "trade", tsMs, symbol, priceUsd: price, qty: tradeQty, takerSide: side });
    this.counters.tape += 1;
    this.tape.record({ tradeId: String(this.counters.tape), symbol, priceUsd: price, qty: tradeQty, takerSide: side, tsMs });
    const bid = side === "buy" ? roundToStep(price - tick, tick) : price;
    const ask = side === "buy" ? price : roundToStep(price + tick, tick);
    this.run({ kind: "quote", tsMs, symbol, bidPriceUsd: Math.max(tick, bid), askPriceUsd: ask, bidQty: depth, askQty: depth });
  }
}

function rejectCode(reason: string | null): number {
  if (reason === "qty-below-min" || reason === "notional-below-min") return 30002;
  if (reason === "qty-above-max") return 30003;
  if (reason === "insufficient-balance") return 30004;
  if (reason === "price-not-on-tick" || reason === "qty-not-on-step") return 400;
  return 30087;
}
