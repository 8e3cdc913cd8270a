// Parity: the same tape through the backtester and through the scavenger's live path in paper mode gives
// identical signals. The live side is the scavenger's engine (services/scavenger/engine.ts) on
// PostgreSQL, fed what execution and the service would feed it: trades and closed bars as bus entries,
// the minute's recomputation on its clock, shadow position snapshots when the simulated book opens or
// closes a position, and the closed trades' outcomes. Its published signals (scavenger.signals, the
// brain's contract) must be exactly the backtester's signals turned into messages the same way.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../../services/ai-quant/domain/backtester.js";
import { DEFAULT_QUANT_SETTINGS } from "../../../services/ai-quant/domain/quant-settings.js";
import { derivedTradeId } from "../../../services/execution/market-data/events.js";
import { scavengerMetrics } from "../../../services/scavenger/adapters/metrics.js";
import type { StreamBatch } from "../../../services/scavenger/adapters/market-data-reader.js";
import { loadScavengerParameters, toSignalMessage, type KlineInput, type TrapType } from "../../../services/scavenger/domain/index.js";
import { TradeBarBuilder } from "../../../services/scavenger/domain/trade-bar-builder.js";
import { ScavengerEngine } from "../../../services/scavenger/engine.js";
import { ManualClock } from "../../../services/shared/clock.js";
import { makeEnvelope, type MessageOf, type MessageType } from "../../../services/shared/contracts/index.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { migrateService, roleFor } from "../../../services/shared/db/provision.js";
import { encodeEntryFields, silentLogger } from "../../../services/shared/messaging/index.js";
import { ServiceMetrics } from "../../../services/shared/metrics.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase } from "../../support/test-database.js";
import { CURRENT, DAY_MS, EDGE, T0, scenarioTape } from "./scenario.js";

const ALLOCATION_USD = 10_000;
const CONFIG_VERSION = 1;
/** Exits that win most of the planted breakouts, so trades close all day long and their outcomes matter. */
const PARAMS = loadScavengerParameters({ ...CURRENT, stopLossPercent: 0.61, takeProfitPercent: 2.6 });

describe("backtester and live scavenger, same tape", () => {
  let db: Database;

  beforeAll(async () => {
    const testDb = await withTestDatabase("aiquant_parity");
    await provisionTestDatabase(testDb);
    const url = new URL(testDb.url);
    url.username = roleFor("scavenger");
    await migrateService("scavenger", url.toString());
    db = createDatabase({ url: url.toString(), applicationName: "ai-quant-parity" });
  });

  afterAll(async () => {
    await db?.close();
  });

  it("give identical signals", async () => {
    // Two planted days: history, then 48 breakouts whose outcomes feed back into the win-rate calibration
    // (from the 30th closed trade on) and the daily-loss gate.
    const tape = scenarioTape(4, EDGE, 2);
    const window = { fromMs: T0, toMs: T0 + 2 * DAY_MS };
    const backtest = runBacktest(PARAMS, { tape, window }, DEFAULT_QUANT_SETTINGS.backtest, CONFIG_VERSION);
    expect(backtest.signals.length).toBeGreaterThan(40);
    expect(backtest.trades.length).toBeGreaterThan(30);

    const clock = new ManualClock(T0);
    const engine = new ScavengerEngine({
      db,
      clock,
      metrics: scavengerMetrics(new ServiceMetrics("scavenger", { defaultMetrics: false })),
      logger: silentLogger,
      instanceId: "parity",
      fallbackAllocationUsd: ALLOCATION_USD,
    });
    engine.applyConfig({ version: CONFIG_VERSION, parameters: PARAMS, activationSeq: 1 });

    // What the book did, keyed by the trade that did it: the live scavenger hears of it before that trade.
    const symbol = tape.symbols[0] as string;
    const opens = new Set(backtest.trades.map((t) => t.entryTsMs));
    const closes = new Map(backtest.trades.map((t) => [t.exitTsMs, t]));

    let pending: { type: MessageType; payload: unknown }[] = [];
    let entryId = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const batch: StreamBatch = {
        stream: "parity",
        entries: pending.map((m) => ({ id: `${++entryId}-0`, fields: encodeEntryFields(makeEnvelope(m.type, m.payload as MessageOf<typeof m.type>, { source: "execution", clock })) })),
      };
      pending = [];
      await engine.handleBatches([batch]);
    };
    const market = { version: 1 as const, venue: "paper" as const, marketType: "linear" as const };
    const kline = (k: KlineInput) => {
      const intervalMs = k.interval === "5m" ? 300_000 : 3_600_000;
      pending.push({
        type: "market-kline",
        payload: { ...market, symbol: k.symbol, venueTsMs: k.openTsMs + intervalMs, tsMs: k.openTsMs + intervalMs, interval: k.interval, openTsMs: k.openTsMs, closeTsMs: k.openTsMs + intervalMs - 1,
          openPriceUsd: k.openPriceUsd, highPriceUsd: k.highPriceUsd, lowPriceUsd: k.lowPriceUsd, closePriceUsd: k.closePriceUsd, volumeQty: k.volumeQty, turnoverUsd: k.turnoverUsd ?? 0, closed: true },
      });
    };
    const snapshot = (open: boolean, tsMs: number) =>
      pending.push({
        type: "position-snapshot",
        payload: { version: 1, venue: "paper", symbol, source: "shadow", side: open ? "long" : "flat", qty: open ? 1 : 0, entryPriceUsd: null, markPriceUsd: null, notionalUsd: 0, leverage: null, unrealisedPnlUsd: 0, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs },
      });

    // Execution builds closed bars from the same trades; the service recomputes every minute.
    const bars = new TradeBarBuilder([PARAMS.universe.barInterval, "5m"], kline);
    bars.setSymbols(tape.symbols);
    const recomputeMs = PARAMS.universe.recomputeIntervalMs;
    let nextRecomputeMs = Math.floor((tape.tsMs[0] as number) / recomputeMs) * recomputeMs + recomputeMs;
    let rank = 0;
    for (let row = 0; row < tape.tsMs.length; row++) {
      const t = tape.tsMs[row] as number;
      if (t >= nextRecomputeMs) {
        const boundary = Math.floor(t / recomputeMs) * recomputeMs;
        bars.flush(boundary);
        await flush();
        clock.set(boundary);
        engine.recompute();
        nextRecomputeMs = boundary + recomputeMs;
      }
      const closed = closes.get(t);
      if (closed) {
        await flush();
        engine.strategy.recordTradeOutcome({ trapType: closed.trapType as TrapType, pnlPercentOfAllocation: (closed.pnlUsd / closed.equityAtOpenUsd) * 100, closedTsMs: t });
        snapshot(false, t);
        closes.delete(t);
      }
      if (opens.delete(t)) snapshot(true, t);
      rank = row > 0 && tape.tsMs[row - 1] === t ? rank + 1 : 0;
      const price = tape.priceUsd[row] as number;
      const qty = tape.qty[row] as number;
      pending.push({ type: "market-trade", payload: { ...market, symbol, venueTsMs: t, tsMs: t, tradeId: derivedTradeId(symbol, t, rank), side: tape.sideSign[row] === 1 ? "buy" : "sell", priceUsd: price, qty } });
      bars.onTrade(tape.symbolIndex[row] as number, price, qty, t);
      if (pending.length >= 2_000) await flush();
    }
    await flush();

    const { rows } = await db.query<{ payload: MessageOf<"signal">; config_version: number }>("parity_signals", "SELECT payload, config_version FROM signals ORDER BY signal_at, signal_id");
    const expected = backtest.signals.map((s) => toSignalMessage(s, ALLOCATION_USD, s.tsMs));
    expect(rows.map((r) => r.config_version)).toEqual(backtest.signals.map(() => CONFIG_VERSION));
    expect(rows.map((r) => r.payload)).toEqual([...expected].sort((a, b) => a!.tsMs - b!.tsMs || (a!.signalId < b!.signalId ? -1 : 1)));
    console.log(`parity: ${rows.length} signals identical (ids, sides, triggers, stops, targets, sizes), ${backtest.trades.length} simulated trades fed back, ${tape.tsMs.length} trades`);
  });
});
