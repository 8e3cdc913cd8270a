// A period of execution's seeded synthetic market, as the job's data when asked for (`--data synthetic`):
// for a machine with nothing recorded yet, or a demonstration. The same generator execution runs, so
// the trades look like the local stack's, and its open interest, funding and spot prices go into the
// tape's market events as the recorded tape would carry them. Generating is slow (about 10 s per busy
// symbol-day), so it reports progress and yields to the event loop between hours.

import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { MarketEvent } from "../../execution/market-data/events.js";
import { SyntheticMarket } from "../../execution/market-data/synthetic/market.js";
import type { KlineInput } from "../../scavenger/domain/index.js";
import type { Dataset } from "../domain/dataset.js";
import { TapeEventCollector } from "./market-events.js";

const HOUR_MS = 3_600_000;

class Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1 << 16) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export async function syntheticDataset(
  seed: number,
  symbols: readonly string[],
  fromMs: number,
  toMs: number,
  klineIntervals: readonly string[],
  onProgress?: (fraction: number) => void,
): Promise<Dataset> {
  // With spot tickers, as the local stack runs it: the basis detector needs the spot side.
  const market = new SyntheticMarket({ seed, symbols, startMs: fromMs, spot: true });
  const names = market.symbols;
  const index = new Map(names.map((name, i) => [name, i]));
  const ts = new Column();
  const price = new Column();
  const qty = new Column();
  const side = new Column();
  const sym = new Column();
  const klines: KlineInput[] = [];
  const events = new TapeEventCollector(names);
  for (let hourEnd = fromMs + HOUR_MS; ; hourEnd += HOUR_MS) {
    const until = Math.min(hourEnd, toMs - 1);
    const out: MarketEvent[] = [];
    market.advanceTo(until, out);
    for (const event of out) {
      if (event.type === "market-trade" && event.payload.marketType === "linear") {
        const t = event.payload;
        ts.push(t.venueTsMs);
        price.push(t.priceUsd);
        qty.push(t.qty);
        side.push(t.side === "buy" ? 1 : -1);
        sym.push(index.get(t.symbol) as number);
      } else if (event.type === "market-kline") {
        if (event.payload.closed && event.payload.marketType === "linear" && klineIntervals.includes(event.payload.interval)) klines.push(event.payload);
      } else {
        events.add(event);
      }
    }
    onProgress?.((until - fromMs) / (toMs - fromMs));
    await yieldToLoop();
    if (until >= toMs - 1) break;
  }
  return {
    tape: {
      symbols: names,
      symbolIndex: Uint16Array.from(sym.view()),
      tsMs: ts.view().slice(),
      priceUsd: price.view().slice(),
      qty: qty.view().slice(),
      sideSign: Int8Array.from(side.view()),
      marketEvents: events.finish(),
    },
    klines,
  };
}
