// The market events a recorded tape carries beside its trades, at the cadence execution's market data
// publishes them (spot prices every second, open interest every 5 s, funding every minute, per symbol),
// with quiet values — spot at the perpetual's last trade, steady open interest, positive funding — so no
// detector fires. For measuring what the detectors' inputs cost a replay, not for finding edges.

import { FUNDING_INTERVAL_MS, OPEN_INTEREST_INTERVAL_MS, TICKER_INTERVAL_MS } from "../../execution/market-data/synthetic/market.js";
import { TAPE_EVENT_KINDS } from "../../scavenger/domain/index.js";
import type { QuantTape, QuantTapeEvents } from "../domain/tape.js";

const QUIET_OPEN_INTEREST_QTY = 1_000_000;
const QUIET_FUNDING_RATE = 0.0001;

/** `tape` with quiet market events from its first to its last trade. */
export function withQuietMarketEvents(tape: QuantTape): QuantTape {
  const rows = tape.tsMs.length;
  if (rows === 0) return tape;
  const firstMs = Math.ceil((tape.tsMs[0] as number) / TICKER_INTERVAL_MS) * TICKER_INTERVAL_MS;
  const lastMs = tape.tsMs[rows - 1] as number;
  const symbols = tape.symbols.length;
  const capacity = (Math.floor((lastMs - firstMs) / TICKER_INTERVAL_MS) + 1) * symbols * 3;
  const out = { kind: new Uint8Array(capacity), symbolIndex: new Uint16Array(capacity), tsMs: new Float64Array(capacity), value: new Float64Array(capacity) };
  const lastPriceUsd = new Float64Array(symbols);
  let n = 0;
  const push = (kind: (typeof TAPE_EVENT_KINDS)[number], symbol: number, tsMs: number, value: number) => {
    out.kind[n] = TAPE_EVENT_KINDS.indexOf(kind);
    out.symbolIndex[n] = symbol;
    out.tsMs[n] = tsMs;
    out.value[n++] = value;
  };
  let row = 0;
  for (let t = firstMs; t <= lastMs; t += TICKER_INTERVAL_MS) {
    for (; row < rows && (tape.tsMs[row] as number) <= t; row++) lastPriceUsd[tape.symbolIndex[row] as number] = tape.priceUsd[row] as number;
    for (let symbol = 0; symbol < symbols; symbol++) {
      const priceUsd = lastPriceUsd[symbol] as number;
      if (!(priceUsd > 0)) continue;
      if (t % OPEN_INTEREST_INTERVAL_MS === 0) push("open-interest", symbol, t, QUIET_OPEN_INTEREST_QTY);
      if (t % FUNDING_INTERVAL_MS === 0) push("funding", symbol, t, QUIET_FUNDING_RATE);
      push("spot-price", symbol, t, priceUsd);
    }
  }
  const events: QuantTapeEvents = { kind: out.kind.slice(0, n), symbolIndex: out.symbolIndex.slice(0, n), tsMs: out.tsMs.slice(0, n), value: out.value.slice(0, n) };
  return { ...tape, marketEvents: events };
}
