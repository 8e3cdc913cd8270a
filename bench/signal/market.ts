// What the bench reads back from the stack to shape its signals: the latest linear trade price per symbol
// from the market-data stream execution publishes (execution refuses a command whose zone is not near the
// market), and the side of each paper position (so signals work positions back towards flat).
import type pg from "pg";
import type { Redis } from "ioredis";
import { streamOf } from "../../services/shared/contracts/index.js";

interface TradeEnvelope {
  readonly type?: string;
  readonly payload?: { readonly symbol?: string; readonly marketType?: string; readonly priceUsd?: number };
}

/** Symbol → last linear trade price among the newest `count` entries of the trade stream (spot trades share it, and bursts crowd it). */
export const latestPrices = async (redis: Redis, count = 3_000): Promise<Map<string, number>> => {
  const entries = (await redis.xrevrange(streamOf("market-trade"), "+", "-", "COUNT", count)) as Array<[string, string[]]>;
  const prices = new Map<string, number>();
  for (const [, fields] of entries) {
    const at = fields.indexOf("env");
    if (at < 0) continue;
    let envelope: TradeEnvelope;
    try {
      envelope = JSON.parse(fields[at + 1] ?? "") as TradeEnvelope;
    } catch {
      continue;
    }
    const p = envelope.payload;
    if (envelope.type !== "market-trade" || p?.marketType !== "linear" || !p.symbol || !(typeof p.priceUsd === "number" && p.priceUsd > 0)) continue;
    if (!prices.has(p.symbol)) prices.set(p.symbol, p.priceUsd);
  }
  return prices;
};

/** Keeps a price map fresh in the background while the load runs. */
export class PriceWatch {
  private prices = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly intervalMs = 500,
  ) {}

  async start(): Promise<Map<string, number>> {
    this.prices = await latestPrices(this.redis);
    this.timer = setInterval(() => {
      void latestPrices(this.redis)
        .then((fresh) => {
          for (const [symbol, p] of fresh) this.prices.set(symbol, p);
        })
        .catch(() => undefined); // the last known price serves until the next refresh
    }, this.intervalMs);
    this.timer.unref();
    return this.prices;
  }

  price(symbol: string): number {
    return this.prices.get(symbol) ?? Number.NaN;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/**
 * The side of each symbol's paper position, from execution's shadow positions (read with the bench's
 * admin connection, refreshed in the background; a failed read keeps the last answer).
 */
export class PositionWatch {
  private sides = new Map<string, "long" | "short" | "flat">();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly admin: pg.Pool,
    private readonly intervalMs = 100,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  side(symbol: string): "long" | "short" | "flat" {
    return this.sides.get(symbol) ?? "flat";
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async refresh(): Promise<void> {
    const { rows } = await this.admin.query<{ symbol: string; side: string; qty: number }>("SELECT symbol, side, qty::float8 AS qty FROM execution.positions");
    this.sides = new Map(rows.map((r) => [r.symbol, r.qty > 0 && (r.side === "long" || r.side === "short") ? r.side : "flat"]));
  }
}
