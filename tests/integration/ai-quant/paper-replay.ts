// The paper-mode side of the parity tests: a tape replayed through the scavenger's live engine
// (services/scavenger/engine.ts) on PostgreSQL, fed what execution and the service would feed it, in the
// order the backtester's replay loop documents — market events before a trade of the same millisecond,
// each trade, then the closed bars execution builds from it, the minute's recomputation on the service's
// clock before anything of a new interval — and the simulated book's opens and closes as shadow position
// snapshots and closed-trade outcomes, just before the trade that caused them.
import type { BacktestResult } from "../../../services/ai-quant/domain/backtester.js";
import type { QuantTape } from "../../../services/ai-quant/domain/tape.js";
import { derivedTradeId } from "../../../services/execution/market-data/events.js";
import { scavengerMetrics } from "../../../services/scavenger/adapters/metrics.js";
import type { StreamBatch } from "../../../services/scavenger/adapters/market-data-reader.js";
import { TAPE_EVENT_KINDS, type KlineInput, type ScavengerParameters, type TrapType } from "../../../services/scavenger/domain/index.js";
import { TradeBarBuilder } from "../../../services/scavenger/domain/trade-bar-builder.js";
import { ScavengerEngine } from "../../../services/scavenger/engine.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { makeEnvelope, type MessageOf, type MessageType } from "../../../services/shared/contracts/index.js";
import type { Database } from "../../../services/shared/db/database.js";
import { encodeEntryFields, silentLogger } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";

export interface PaperReplayOptions {
  readonly params: ScavengerParameters;
  readonly configVersion: number;
  readonly allocationUsd: number;
  /** What the backtest's book did: replayed to the engine as the live service would learn it. */
  readonly backtest: BacktestResult;
  readonly instanceId: string;
}

const INTERVAL_MS: Record<string, number> = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000 };
const FUNDING_PERIOD_MS = 8 * 3_600_000;
const market = { version: 1 as const, venue: "paper" as const, marketType: "linear" as const };

/** Replays `tape` through a fresh engine writing to `db`; resolves once every message has been handled. */
export async function paperReplay(db: Database, tape: QuantTape, o: PaperReplayOptions): Promise<ScavengerEngine> {
  const clock = new ManualClock(tape.tsMs[0] ?? 0);
  const engine = new ScavengerEngine({
    db,
    clock,
    metrics: scavengerMetrics(new ServiceMetrics("scavenger", { defaultMetrics: false })),
    logger: silentLogger,
    instanceId: o.instanceId,
    fallbackAllocationUsd: o.allocationUsd,
  });
  engine.applyConfig({ version: o.configVersion, parameters: o.params, activationSeq: 1 });

  let pending: { type: MessageType; payload: unknown }[] = [];
  let entryId = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch: StreamBatch = {
      stream: "paper-replay",
      entries: pending.map((m) => ({ id: `${++entryId}-0`, fields: encodeEntryFields(makeEnvelope(m.type, m.payload as MessageOf<typeof m.type>, { source: "execution", clock })) })),
    };
    pending = [];
    await engine.handleBatches([batch]);
  };
  const kline = (k: KlineInput) => {
    const closeTsMs = k.openTsMs + (INTERVAL_MS[k.interval] as number);
    pending.push({
      type: "market-kline",
      payload: { ...market, symbol: k.symbol, venueTsMs: closeTsMs, tsMs: closeTsMs, interval: k.interval, openTsMs: k.openTsMs, closeTsMs: closeTsMs - 1,
        openPriceUsd: k.openPriceUsd, highPriceUsd: k.highPriceUsd, lowPriceUsd: k.lowPriceUsd, closePriceUsd: k.closePriceUsd, volumeQty: k.volumeQty, turnoverUsd: k.turnoverUsd ?? 0, closed: true },
    });
  };
  const event = (row: number) => {
    const e = tape.marketEvents!;
    const symbol = tape.symbols[e.symbolIndex[row] as number] as string;
    const t = e.tsMs[row] as number;
    const value = e.value[row] as number;
    const at = { ...market, symbol, venueTsMs: t, tsMs: t };
    const kind = TAPE_EVENT_KINDS[e.kind[row] as number];
    if (kind === "open-interest") pending.push({ type: "market-open-interest", payload: { ...at, openInterestQty: value } });
    else if (kind === "funding") pending.push({ type: "market-funding", payload: { ...at, fundingRate: value, nextFundingTsMs: (Math.floor(t / FUNDING_PERIOD_MS) + 1) * FUNDING_PERIOD_MS } });
    // The spot market's ticker, as execution publishes the spot side.
    else pending.push({ type: "market-ticker", payload: { ...at, marketType: "spot", bidPriceUsd: null, askPriceUsd: null, lastPriceUsd: value, volume24hQty: 0, turnover24hUsd: 0 } });
  };
  const snapshot = (symbol: string, open: boolean, tsMs: number) =>
    pending.push({
      type: "position-snapshot",
      payload: { version: 1, venue: "paper", symbol, source: "shadow", side: open ? "long" : "flat", qty: open ? 1 : 0, entryPriceUsd: null, markPriceUsd: null, notionalUsd: 0, leverage: null, unrealisedPnlUsd: 0, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs },
    });

  // What the book did, keyed by the trade that did it: the live scavenger hears of it before that trade.
  const opens = new Set(o.backtest.trades.map((t) => `${t.symbol}@${t.entryTsMs}`));
  const closes = new Map(o.backtest.trades.map((t) => [`${t.symbol}@${t.exitTsMs}`, t]));
  const bars = new TradeBarBuilder([o.params.universe.barInterval, "5m"], kline);
  bars.setSymbols(tape.symbols);
  const recomputeMs = o.params.universe.recomputeIntervalMs;
  const events = tape.marketEvents;
  const eventRows = events?.tsMs.length ?? 0;
  const firstTsMs = Math.min(tape.tsMs[0] ?? Infinity, events?.tsMs[0] ?? Infinity);
  let nextRecomputeMs = Math.floor(firstTsMs / recomputeMs) * recomputeMs + recomputeMs;
  const recomputeAt = async (t: number) => {
    if (t < nextRecomputeMs) return;
    const boundary = Math.floor(t / recomputeMs) * recomputeMs;
    bars.flush(boundary);
    await flush();
    clock.set(boundary);
    engine.recompute();
    nextRecomputeMs = boundary + recomputeMs;
  };
  let nextEvent = 0;
  const rank = new Map<string, { tsMs: number; rank: number }>();
  for (let row = 0; row < tape.tsMs.length; row++) {
    const t = tape.tsMs[row] as number;
    for (; nextEvent < eventRows && (events!.tsMs[nextEvent] as number) <= t; nextEvent++) {
      await recomputeAt(events!.tsMs[nextEvent] as number);
      event(nextEvent);
    }
    await recomputeAt(t);
    const symbol = tape.symbols[tape.symbolIndex[row] as number] as string;
    const key = `${symbol}@${t}`;
    const closed = closes.get(key);
    if (closed) {
      await flush();
      engine.strategy.recordTradeOutcome({ trapType: closed.trapType as TrapType, pnlPercentOfAllocation: (closed.pnlUsd / closed.equityAtOpenUsd) * 100, closedTsMs: t });
      snapshot(symbol, false, t);
      closes.delete(key);
    }
    if (opens.delete(key)) snapshot(symbol, true, t);
    const previous = rank.get(symbol);
    const inMs = previous && previous.tsMs === t ? previous.rank + 1 : 0;
    rank.set(symbol, { tsMs: t, rank: inMs });
    const price = tape.priceUsd[row] as number;
    const qty = tape.qty[row] as number;
    pending.push({ type: "market-trade", payload: { ...market, symbol, venueTsMs: t, tsMs: t, tradeId: derivedTradeId(symbol, t, inMs), side: tape.sideSign[row] === 1 ? "buy" : "sell", priceUsd: price, qty } });
    bars.onTrade(tape.symbolIndex[row] as number, price, qty, t);
    if (pending.length >= 2_000) await flush();
  }
  for (; nextEvent < eventRows; nextEvent++) {
    await recomputeAt(events!.tsMs[nextEvent] as number);
    event(nextEvent);
  }
  await flush();
  return engine;
}

/** The signals the engine published between `fromMs` and `toMs`, as the brain receives them, in time order. */
export async function publishedSignals(db: Database, fromMs: number, toMs: number): Promise<{ payload: MessageOf<"signal">; configVersion: number }[]> {
  const { rows } = await db.query<{ payload: MessageOf<"signal">; config_version: number }>(
    "paper_replay_signals",
    "SELECT payload, config_version FROM signals WHERE signal_at >= $1 AND signal_at < $2 ORDER BY signal_at, signal_id",
    [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
  );
  return rows.map((r) => ({ payload: r.payload, configVersion: r.config_version }));
}
