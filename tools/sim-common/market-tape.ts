// What a simulated exchange's market printed: one-minute bars (for klines and 24 h figures) and recent
// trades. Shared by the Bybit and MEXC simulators; each names its kline intervals its own way.
// Before the first trade of a symbol there is no history: bars are flat at the starting price, volume 0.

const MINUTE_MS = 60_000;
const BARS_KEPT = 3 * 1_440;
const TRADES_KEPT = 1_000;

export interface Bar {
  readonly startMs: number;
  readonly openUsd: number;
  readonly highUsd: number;
  readonly lowUsd: number;
  readonly closeUsd: number;
  readonly volumeQty: number;
  readonly turnoverUsd: number;
}

export interface TapeTrade {
  readonly tradeId: string;
  readonly symbol: string;
  readonly priceUsd: number;
  readonly qty: number;
  readonly takerSide: "buy" | "sell";
  readonly tsMs: number;
}

export class MarketTape {
  private readonly bars = new Map<string, Bar[]>();
  private readonly trades = new Map<string, TapeTrade[]>();

  constructor(private readonly initialPriceUsd: (symbol: string) => number) {}

  record(trade: TapeTrade): void {
    const startMs = Math.floor(trade.tsMs / MINUTE_MS) * MINUTE_MS;
    const bars = this.bars.get(trade.symbol) ?? [];
    const last = bars[bars.length - 1];
    if (last && last.startMs === startMs) {
      bars[bars.length - 1] = {
        ...last,
        highUsd: Math.max(last.highUsd, trade.priceUsd),
        lowUsd: Math.min(last.lowUsd, trade.priceUsd),
        closeUsd: trade.priceUsd,
        volumeQty: last.volumeQty + trade.qty,
        turnoverUsd: last.turnoverUsd + trade.qty * trade.priceUsd,
      };
    } else if (!last || startMs > last.startMs) {
      const p = trade.priceUsd;
      bars.push({ startMs, openUsd: last?.closeUsd ?? p, highUsd: Math.max(p, last?.closeUsd ?? p), lowUsd: Math.min(p, last?.closeUsd ?? p), closeUsd: p, volumeQty: trade.qty, turnoverUsd: trade.qty * p });
      if (bars.length > BARS_KEPT) bars.splice(0, bars.length - BARS_KEPT);
    }
    // A trade stamped before the current bar (clock moved back) is kept in the trade list only.
    this.bars.set(trade.symbol, bars);
    const trades = this.trades.get(trade.symbol) ?? [];
    trades.push(trade);
    if (trades.length > TRADES_KEPT) trades.splice(0, trades.length - TRADES_KEPT);
    this.trades.set(trade.symbol, trades);
  }

  recentTrades(symbol: string, limit: number): TapeTrade[] {
    return (this.trades.get(symbol) ?? []).slice(-limit).reverse();
  }

  /** Bars of `intervalMinutes` ending at `endMs`, newest first, as Bybit lists them. */
  klines(symbol: string, intervalMinutes: number, endMs: number, limit: number, startMs?: number): Bar[] {
    const intervalMs = intervalMinutes * MINUTE_MS;
    const lastStart = Math.floor(endMs / intervalMs) * intervalMs;
    let firstStart = lastStart - (limit - 1) * intervalMs;
    if (startMs !== undefined) firstStart = Math.max(firstStart, Math.floor(startMs / intervalMs) * intervalMs);
    const minuteBars = this.bars.get(symbol) ?? [];
    let previousClose = this.closeBefore(minuteBars, firstStart) ?? this.initialPriceUsd(symbol);
    const out: Bar[] = [];
    for (let bucket = firstStart; bucket <= lastStart; bucket += intervalMs) {
      const inside = minuteBars.filter((bar) => bar.startMs >= bucket && bar.startMs < bucket + intervalMs);
      if (inside.length === 0) {
        out.push({ startMs: bucket, openUsd: previousClose, highUsd: previousClose, lowUsd: previousClose, closeUsd: previousClose, volumeQty: 0, turnoverUsd: 0 });
        continue;
      }
      const bar: Bar = {
        startMs: bucket,
        openUsd: inside[0]!.openUsd,
        highUsd: Math.max(...inside.map((b) => b.highUsd)),
        lowUsd: Math.min(...inside.map((b) => b.lowUsd)),
        closeUsd: inside[inside.length - 1]!.closeUsd,
        volumeQty: inside.reduce((sum, b) => sum + b.volumeQty, 0),
        turnoverUsd: inside.reduce((sum, b) => sum + b.turnoverUsd, 0),
      };
      previousClose = bar.closeUsd;
      out.push(bar);
    }
    return out.reverse();
  }

  /** High, low, volume and turnover over the 24 h before `nowMs`, and the prices 24 h and 1 h ago. */
  stats24h(symbol: string, nowMs: number, lastPriceUsd: number) {
    const bars = (this.bars.get(symbol) ?? []).filter((bar) => bar.startMs > nowMs - 24 * 60 * MINUTE_MS);
    const initial = this.initialPriceUsd(symbol);
    return {
      highUsd: bars.length ? Math.max(...bars.map((b) => b.highUsd)) : lastPriceUsd,
      lowUsd: bars.length ? Math.min(...bars.map((b) => b.lowUsd)) : lastPriceUsd,
      volumeQty: bars.reduce((sum, b) => sum + b.volumeQty, 0),
      turnoverUsd: bars.reduce((sum, b) => sum + b.turnoverUsd, 0),
      prevPrice24hUsd: this.closeBefore(this.bars.get(symbol) ?? [], nowMs - 24 * 60 * MINUTE_MS) ?? bars[0]?.openUsd ?? initial,
      prevPrice1hUsd: this.closeBefore(this.bars.get(symbol) ?? [], nowMs - 60 * MINUTE_MS) ?? bars[0]?.openUsd ?? initial,
    };
  }

  private closeBefore(bars: readonly Bar[], tsMs: number): number | null {
    let close: number | null = null;
    for (const bar of bars) {
      if (bar.startMs >= tsMs) break;
      close = bar.closeUsd;
    }
    return close;
  }
}
