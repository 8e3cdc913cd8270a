// The shell's own decisions, without PostgreSQL: what it feeds the strategy, how it sizes (or refuses
// to size) a signal, and what it counts. Publishing to the outbox is covered by the integration tests.
import { describe, expect, it } from "vitest";
import { LONG_TRIGGER_USD, READY_TS_MS, T0, feedScenarioMarket, scenarioParameters } from "../../tests/fixtures/scavenger/strategy-scenario.js";
import { ManualClock } from "../shared/clock.js";
import { makeEnvelope, type MessageOf, type MessageType } from "../shared/contracts/index.js";
import type { Database } from "../shared/db/database.js";
import { encodeEntryFields, silentLogger } from "../shared/messaging/index.js";
import { ServiceMetrics } from "../shared/metrics.js";
import { scavengerMetrics } from "./adapters/metrics.js";
import { ScavengerEngine } from "./engine.js";

const noDatabase = new Proxy({} as Database, {
  get: () => {
    throw new Error("this test path must not touch PostgreSQL");
  },
});

function setup() {
  const clock = new ManualClock(READY_TS_MS);
  const serviceMetrics = new ServiceMetrics("scavenger", { defaultMetrics: false });
  const engine = new ScavengerEngine({ db: noDatabase, clock, metrics: scavengerMetrics(serviceMetrics), logger: silentLogger, instanceId: "unit", fallbackAllocationUsd: null });
  engine.applyConfig({ version: 2, parameters: scenarioParameters({ cooldownSeconds: 0 }), activationSeq: 1 });
  const entries = <T extends MessageType>(type: T, payloads: MessageOf<T>[]) => ({
    stream: type,
    entries: payloads.map((p, i) => ({ id: `${i + 1}-0`, fields: encodeEntryFields(makeEnvelope(type, p, { source: "execution", clock })) })),
  });
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = serviceMetrics.registry.getSingleMetric(name);
    const values = metric ? (await metric.get()).values : [];
    const { __name, ...wanted } = labels;
    const match = values.find((v) => (__name === undefined || (v as { metricName?: string }).metricName === __name) && Object.entries(wanted).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
    return match?.value ?? 0;
  };
  return { clock, engine, entries, value };
}

const market = { version: 1, venue: "paper", marketType: "linear" } as const;
const trade = (priceUsd: number, venueTsMs: number, tradeId: string): MessageOf<"market-trade"> => ({ ...market, symbol: "BTCUSDT", venueTsMs, tsMs: venueTsMs, tradeId, side: "buy", priceUsd, qty: 0.1 });

describe("scavenger engine", () => {
  it("does not publish a signal it cannot size, and counts it as unsized", async () => {
    const { engine, entries, value } = setup();
    feedScenarioMarket(engine.strategy);
    engine.recompute();
    await engine.handleBatches([entries("market-trade", Array.from({ length: 50 }, (_, i) => trade(106.46, READY_TS_MS + 10_000 + i, `t${i}`)))]);
    expect(await value("titan_scavenger_signals_total", { trap_type: "volume-cluster", outcome: "unsized" })).toBe(1);
    expect(await value("titan_scavenger_traps_triggered_total", { trap_type: "volume-cluster" })).toBe(1);
    expect(engine.snapshot().signals).toEqual({ published: 0, duplicate: 0, unsized: 1, failed: 0 });
    // The fired long is consumed: one trap left, and the gauge says so.
    expect(await value("titan_scavenger_traps_active_count", { trap_type: "volume-cluster" })).toBe(1);
    // One trade in eight is timed: 6 of the 50.
    expect(await value("titan_scavenger_trade_evaluation_seconds", { __name: "titan_scavenger_trade_evaluation_seconds_count" })).toBe(6);
  });

  it("counts open positions from shadow snapshots and lets the strategy suppress at the limit", async () => {
    const { engine, entries } = setup();
    feedScenarioMarket(engine.strategy);
    engine.recompute();
    const position = (symbol: string, side: "long" | "flat"): MessageOf<"position-snapshot"> => ({
      version: 1, venue: "paper", symbol, source: "shadow", side, qty: side === "flat" ? 0 : 1, entryPriceUsd: null, markPriceUsd: null,
      notionalUsd: 0, leverage: null, unrealisedPnlUsd: 0, realisedPnlUsd: 0, liquidationPriceUsd: null, tsMs: READY_TS_MS,
    });
    await engine.handleBatches([entries("position-snapshot", [position("A", "long"), position("B", "long"), position("C", "long"), position("D", "long"), position("D", "flat")])]);
    expect(engine.snapshot().allocation.openPositions).toBe(3);
    await engine.handleBatches([entries("market-trade", Array.from({ length: 50 }, (_, i) => trade(LONG_TRIGGER_USD, READY_TS_MS + 10_000 + i, `u${i}`)))]);
    expect(engine.strategy.stats().suppressed["max-open-positions"]).toBe(1);
  });

  it("sizes against the latest futures equity, and feeds spot prices, not spot trades, to the basis detector", async () => {
    const { engine, entries } = setup();
    const equity = (equityUsd: number, account: "futures" | "spot"): MessageOf<"equity-snapshot"> => ({
      version: 1, venue: "paper", account, equityUsd, walletBalanceUsd: equityUsd, availableBalanceUsd: equityUsd, unrealisedPnlUsd: 0, tsMs: T0,
    });
    await engine.handleBatches([entries("equity-snapshot", [equity(800, "futures"), equity(5_000, "spot")])]);
    expect(engine.snapshot().allocation).toMatchObject({ allocationUsd: 800, source: "equity-snapshot" });
    await engine.handleBatches([entries("market-trade", [{ ...trade(100, T0, "s1"), marketType: "spot", symbol: "BTC/USDT" }])]);
    // A spot trade is a spot price for the perpetual, never a perpetual trade.
    expect(engine.strategy.stats().symbols).toBe(1);
    expect(engine.traps()).toEqual([]);
    expect(engine.snapshot().marketData.messages).toMatchObject({ "equity-snapshot": 2, "market-trade": 1 });
  });

  it("applies only activations newer than the one it runs", () => {
    const { engine } = setup();
    expect(engine.applyConfig({ version: 1, parameters: scenarioParameters(), activationSeq: 1 })).toBe(false);
    expect(engine.applyConfig({ version: 1, parameters: scenarioParameters(), activationSeq: 2 })).toBe(true);
    expect(engine.applied).toMatchObject({ version: 1, activationSeq: 2 });
    expect(engine.strategy.configVersion).toBe(1);
  });
});
