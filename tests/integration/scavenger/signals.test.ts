// The scavenger service end to end on the test cluster: market data on the bus arms traps at the
// minute's recomputation (driven by a manual clock), a confirmed burst becomes exactly one `signal` for
// the brain even with two instances running, a new parameter version changes behaviour at once on
// every instance and a rollback restores it, and bad market data is dropped, counted and never fires.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../scripts/lib/local-servers.js";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Role } from "../../../services/shared/auth/index.js";
import { streamOf } from "../../../services/shared/contracts/index.js";
import { LONG_TRIGGER_USD, READY_TS_MS, T0, scenarioParameters } from "../../fixtures/scavenger/strategy-scenario.js";
import { provisionTestDatabase } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import {
  bearer,
  issueTokens,
  metricValue,
  publishRaw,
  publishToBus,
  scenarioKlines,
  signalsOnBus,
  startScavenger,
  streamTail,
  trade,
  uniqueSymbol,
  type StartedScavenger,
} from "./support.js";

const MINUTE_MS = 60_000;
const SETTLE_TYPES = ["market-trade", "market-kline"] as const;

describe("scavenger service: market data in, signals to the brain", () => {
  let db: TestDatabase;
  let a: StartedScavenger;
  let b: StartedScavenger;
  let tokens: Record<Role, string>;
  // Just before the scenario's bars are all closed: the first tick (one minute on) recomputes at READY_TS_MS.
  const clock = new ManualClock(READY_TS_MS - MINUTE_MS);
  const symbol = uniqueSymbol("SCAV");
  let signalTail = "0-0";

  const api = (method: "GET" | "POST", url: string, role: Role, payload?: object) =>
    a.running.app.inject({ method, url, headers: bearer(tokens[role]), ...(payload ? { payload } : {}) });
  /** Publishes, then waits until both instances have handled everything now on the streams touched. */
  const publishAndSettle = async (publish: () => Promise<unknown>): Promise<void> => {
    await publish();
    const tails = await Promise.all(SETTLE_TYPES.map(async (type) => [streamOf(type), await streamTail(a.running.ctx.redis, type)] as const));
    await waitFor(async () => [a, b].every((s) => tails.every(([stream, id]) => s.instance.reader.hasHandled(stream, id))), 10_000, "both instances to handle the new entries");
  };
  /** A trade at 104, between the two volume clusters: recomputed from there, the long trap sits above the price. */
  const settleBetweenClusters = (tsMs: number) => publishAndSettle(() => publishToBus(a.running.ctx.redis, "market-trade", [trade(symbol, 104, 1, tsMs)], clock));
  const burst = (priceUsd: number, startTsMs: number, count: number, stepMs = 1) =>
    Array.from({ length: count }, (_, i) => trade(symbol, priceUsd, 0.1, startTsMs + i * stepMs, undefined, i % 3 === 0 ? "sell" : "buy"));

  beforeAll(async () => {
    db = await withTestDatabase("scavenger_signals");
    await provisionTestDatabase(db);
    tokens = await issueTokens(db, clock);
    // Sized against a fixed allocation: an equity snapshot on the shared bus would reach other files' brains.
    a = await startScavenger(db, clock, "scavenger-a", { fallbackAllocationUsd: 1_000 });
    b = await startScavenger(db, clock, "scavenger-b", { fallbackAllocationUsd: 1_000 });
    // The scenario's parameters (small profile, cooldown 0 so one trap can fire in every test).
    const created = await api("POST", "/config/versions", "operator", { parameters: scenarioParameters({ cooldownSeconds: 0 }), reason: "integration scenario" });
    expect(created.statusCode).toBe(201);
    expect((await api("POST", "/config/versions/2/activate", "operator", { reason: "use the scenario" })).json()).toMatchObject({ appliedVersion: 2 });
    await waitFor(async () => b.instance.engine.applied?.version === 2, 10_000, "instance b to apply version 2 through NOTIFY");
    await publishAndSettle(async () => {
      await publishToBus(a.running.ctx.redis, "market-kline", scenarioKlines(symbol, T0), clock);
      await publishToBus(a.running.ctx.redis, "market-trade", [trade(symbol, 104, 1, READY_TS_MS - 1_000)], clock);
    });
    clock.advance(MINUTE_MS); // the minute's tick on both instances
  });

  afterAll(async () => {
    await b?.running.stop();
    await a?.running.stop();
  });

  it("arms the scenario's traps at the minute's recomputation and shows their distance to the trigger", async () => {
    const res = await api("GET", "/traps", "viewer");
    expect(res.statusCode).toBe(200);
    const mine = res.json().traps.filter((t: { symbol: string }) => t.symbol === symbol);
    expect(mine.map((t: { trapType: string; side: string }) => `${t.trapType}/${t.side}`).sort()).toEqual(["volume-cluster/long", "volume-cluster/short"]);
    const long = mine.find((t: { side: string }) => t.side === "long");
    expect(long.triggerPriceUsd).toBeCloseTo(LONG_TRIGGER_USD, 9);
    expect(long.distanceToTriggerPercent).toBeCloseTo(((LONG_TRIGGER_USD - 104) / 104) * 100, 9);
    expect(res.json().lastRecomputeTsMs).toBe(READY_TS_MS);
    expect(await metricValue(a.running, "titan_scavenger_traps_active_count", { trap_type: "volume-cluster" })).toBeGreaterThanOrEqual(2);
  });

  it("turns a confirmed burst at the trigger into one signal on the bus, even with two instances watching", async () => {
    signalTail = await streamTail(a.running.ctx.redis, "signal");
    const start = READY_TS_MS + 10_000;
    await publishAndSettle(() => publishToBus(a.running.ctx.redis, "market-trade", burst(106.46, start, 50, 2), clock));
    await waitFor(async () => (await signalsOnBus(a.running.ctx.redis, symbol, signalTail)).length >= 1, 10_000, "the signal on the bus");
    await waitFor(async () => (await metricValue(a.running, "titan_scavenger_signals_total", { outcome: "duplicate" })) + (await metricValue(b.running, "titan_scavenger_signals_total", { outcome: "duplicate" })) === 1, 10_000, "the second instance's copy to be refused");
    const onBus = await signalsOnBus(a.running.ctx.redis, symbol, signalTail);
    expect(onBus).toHaveLength(1);
    const { envelope } = onBus[0]!;
    expect(envelope.source).toBe("scavenger");
    expect(envelope.id).toBe(envelope.payload.signalId);
    expect(envelope.payload).toMatchObject({ phase: 1, symbol, side: "long", trapType: "volume-cluster", confidence: 95, leverage: 20, configVersion: 2, tsMs: start + 98, venueTsMs: start + 98 });
    expect(envelope.payload.stopLossPriceUsd).toBeCloseTo(LONG_TRIGGER_USD * 0.99, 9);
    expect(envelope.payload.takeProfits).toEqual([{ priceUsd: expect.closeTo(LONG_TRIGGER_USD * 1.03, 9), fraction: 1 }]);
    // Sized against the allocation (the latest futures equity on the bus, else the configured fallback).
    expect(envelope.payload.requestedNotionalUsd).toBeGreaterThan(0);
    const rows = (await db.pool.query("SELECT signal_id::text AS id, config_version FROM scavenger.signals WHERE symbol = $1", [symbol])).rows;
    expect(rows).toEqual([{ id: envelope.payload.signalId, config_version: 2 }]);
    expect(await metricValue(a.running, "titan_scavenger_traps_triggered_total", { trap_type: "volume-cluster" })).toBe(1);

    // The same trades again (a replayed stream): the guard knows their ids, nothing fires twice.
    const before = await metricValue(a.running, "titan_scavenger_bad_market_data_dropped_total", { kind: "duplicate" });
    const replay = (await a.running.ctx.redis.xrevrange(streamOf("market-trade"), "+", "-", "COUNT", 50)) as Array<[string, string[]]>;
    await publishAndSettle(async () => {
      for (const [, fields] of replay.reverse()) await a.running.ctx.redis.xadd(streamOf("market-trade"), "*", ...fields);
    });
    expect(await metricValue(a.running, "titan_scavenger_bad_market_data_dropped_total", { kind: "duplicate" })).toBe(before + 50);
    expect(await signalsOnBus(a.running.ctx.redis, symbol, signalTail)).toHaveLength(1);
  });

  it("learns from its signal's closed trade on every instance: win rate and today's loss, counted once", async () => {
    const [signal] = await signalsOnBus(a.running.ctx.redis, symbol, signalTail);
    const closedTsMs = clock.nowMs();
    const trade = {
      version: 1 as const,
      tradeId: randomUUID(),
      venue: "paper" as const,
      symbol,
      side: "long" as const,
      signalId: signal!.envelope.payload.signalId,
      openedByClientOrderId: "tt-ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
      entryQty: 1,
      entryPriceUsd: 106.5,
      exitPriceUsd: 105.4,
      feesUsd: 0.1,
      realisedPnlUsd: -12, // 1.2 % of the 1,000 USD allocation
      openedTsMs: closedTsMs - 60_000,
      closedTsMs,
      tsMs: closedTsMs,
    };
    const outcomes = (s: StartedScavenger) => s.instance.engine.strategy.outcomes();
    await publishToBus(a.running.ctx.redis, "trade-closed", [trade], clock);
    // Another phase's trade (a signal the scavenger never sent) and a flatten order's (no signal) are not its outcomes.
    await publishToBus(a.running.ctx.redis, "trade-closed", [{ ...trade, tradeId: randomUUID(), signalId: randomUUID() }, { ...trade, tradeId: randomUUID(), signalId: null }], clock);
    // The consumer group hands the message to one instance; the other reads it from the table on its minute.
    // The consumers poll on the manual clock: time moves a second per probe, so the minute comes round too.
    const learned = (s: StartedScavenger) => outcomes(s).byTrapType["volume-cluster"].trades === 1;
    await waitFor(async () => (clock.advance(1_000), [a, b].every(learned)), 10_000, "both instances to learn the outcome");
    for (const s of [a, b]) {
      expect(outcomes(s).byTrapType["volume-cluster"]).toEqual({ trades: 1, wins: 0 });
      expect(outcomes(s).realisedPnlPercentToday).toBeCloseTo(-1.2, 9);
    }
    // Redelivered (a new envelope for the same trade): still one.
    await publishToBus(a.running.ctx.redis, "trade-closed", [trade], clock);
    const consumed = await streamTail(a.running.ctx.redis, "trade-closed");
    const groupHasDone = async (entryId: string): Promise<boolean> => {
      const groups = (await a.running.ctx.redis.xinfo("GROUPS", streamOf("trade-closed"))) as unknown[][];
      const group = groups.map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [String(g[2 * i]), g[2 * i + 1]]))).find((g) => g.name === "scavenger");
      return group !== undefined && group["last-delivered-id"] === entryId && Number(group.pending) === 0;
    };
    await waitFor(async () => (clock.advance(1_000), groupHasDone(consumed)), 10_000, "the redelivery to be consumed");
    clock.advance(MINUTE_MS);
    const rows = (await db.pool.query("SELECT trade_id::text AS id, trap_type, config_version, pnl_percent_of_allocation FROM scavenger.trade_outcomes")).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: trade.tradeId, trap_type: "volume-cluster", config_version: 2 });
    for (const s of [a, b]) expect(outcomes(s).byTrapType["volume-cluster"].trades).toBe(1);
    const status = (await api("GET", "/status", "viewer")).json();
    expect(status.outcomes.byTrapType["volume-cluster"]).toEqual({ trades: 1, wins: 0 });
  });

  it("applies a new version on every instance without a restart, and a rollback restores the old behaviour; both audited", async () => {
    // Price settles back between the clusters, and the next minute re-arms the fired long (cooldown 0).
    await settleBetweenClusters(READY_TS_MS + MINUTE_MS - 1_000);
    clock.advance(MINUTE_MS);
    const created = await api("POST", "/config/versions", "operator", { parameters: scenarioParameters({ cooldownSeconds: 0, volumeConfirmation: { minTrades: 100 } }), reason: "demand 100 trades" });
    expect(created.json().version).toBe(3);
    expect((await api("POST", "/config/versions/3/activate", "operator", { reason: "stricter confirmation" })).json()).toMatchObject({ action: "activated", appliedVersion: 3 });
    await waitFor(async () => b.instance.engine.applied?.version === 3, 10_000, "instance b to apply version 3");
    expect(a.instance.engine.strategy.parameters.volumeConfirmation.minTrades).toBe(100);

    // 60 trades in 60 ms at an armed trigger: enough under version 2, not under version 3.
    expect(a.instance.engine.traps().some((t) => t.symbol === symbol && t.side === "long")).toBe(true);
    const tail = await streamTail(a.running.ctx.redis, "signal");
    await publishAndSettle(() => publishToBus(a.running.ctx.redis, "market-trade", burst(106.46, READY_TS_MS + 2 * MINUTE_MS, 60), clock));
    expect(await signalsOnBus(a.running.ctx.redis, symbol, tail)).toHaveLength(0);

    await settleBetweenClusters(READY_TS_MS + 2 * MINUTE_MS + 500);
    const rolledBack = await api("POST", "/config/versions/2/activate", "operator", { reason: "stricter missed the move" });
    expect(rolledBack.json()).toMatchObject({ version: 2, previousVersion: 3, action: "rolled-back", appliedVersion: 2 });
    await waitFor(async () => b.instance.engine.applied?.version === 2, 10_000, "instance b to roll back");
    await publishAndSettle(() => publishToBus(a.running.ctx.redis, "market-trade", burst(106.46, READY_TS_MS + 2 * MINUTE_MS + 1_000, 60), clock));
    await waitFor(async () => (await signalsOnBus(a.running.ctx.redis, symbol, tail)).length === 1, 10_000, "a signal under the restored version");
    const [again] = await signalsOnBus(a.running.ctx.redis, symbol, tail);
    const row = (await db.pool.query("SELECT config_version FROM scavenger.signals WHERE signal_id = $1", [again!.envelope.payload.signalId])).rows[0];
    expect(row.config_version).toBe(2);

    const audit = (await db.pool.query("SELECT action, target, reason FROM audit.events WHERE action LIKE 'config.%' AND target IN ('scavenger-config:2', 'scavenger-config:3') ORDER BY seq")).rows;
    expect(audit.slice(-2)).toEqual([
      { action: "config.activate", target: "scavenger-config:3", reason: "stricter confirmation" },
      { action: "config.rollback", target: "scavenger-config:2", reason: "stricter missed the move" },
    ]);
  });

  it("drops and counts bad market data (NaN, negative sizes, duplicates, out of order, gaps, garbage) and never fires on it", async () => {
    const redis = a.running.ctx.redis;
    const kinds = ["non-finite", "non-positive-qty", "duplicate", "out-of-order", "gap", "malformed", "inconsistent-bar"] as const;
    const before = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await metricValue(a.running, "titan_scavenger_bad_market_data_dropped_total", { kind: k })])));
    const tail = await streamTail(redis, "signal");

    // A silence longer than maxTradeGapMs (5 min) is counted as a gap; the trade itself is kept, and the
    // next minute re-arms the long from its price.
    const t = READY_TS_MS + 10 * MINUTE_MS;
    await settleBetweenClusters(t - 1_000);
    clock.advance(MINUTE_MS);
    // 45 good trades in the band: five short of a burst.
    const good = burst(106.46, t, 45);
    const envelopeText = (payload: object) => JSON.stringify({ id: randomUUID(), type: "market-trade", version: 1, source: "execution", tsMs: t, payload });
    await publishAndSettle(async () => {
      await publishToBus(redis, "market-trade", good, clock);
      // Bad trades inside the band and the window, each of which would otherwise complete the burst.
      for (let i = 0; i < 3; i++) await publishRaw(redis, "market-trade", envelopeText({ ...trade(symbol, 106.46, 0.1, t + 45), priceUsd: "NaN" }));
      await publishRaw(redis, "market-trade", envelopeText({ ...trade(symbol, 106.46, 0.1, t + 45), qty: null }));
      for (let i = 0; i < 3; i++) await publishRaw(redis, "market-trade", envelopeText({ ...trade(symbol, 106.46, -0.1, t + 45) }));
      await publishRaw(redis, "market-trade", envelopeText({ ...trade(symbol, 106.46, 0, t + 45) }));
      await publishRaw(redis, "market-trade", "{not json");
      await publishToBus(redis, "market-trade", good.slice(0, 5), clock); // duplicates by trade id
      await publishToBus(redis, "market-trade", [trade(symbol, 106.46, 0.1, t - 5_000), trade(symbol, 106.46, 0.1, t - 4_000)], clock); // out of order
      await publishToBus(redis, "market-kline", [{ ...scenarioKlines(symbol, T0)[0]!, openTsMs: T0 + 3 * 3_600_000, venueTsMs: T0 + 4 * 3_600_000, highPriceUsd: 90 }], clock);
    });
    expect(await signalsOnBus(redis, symbol, tail)).toHaveLength(0);

    const after = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await metricValue(a.running, "titan_scavenger_bad_market_data_dropped_total", { kind: k })])));
    const delta = Object.fromEntries(kinds.map((k) => [k, (after[k] as number) - (before[k] as number)]));
    expect(delta).toEqual({ "non-finite": 4, "non-positive-qty": 4, duplicate: 5, "out-of-order": 2, gap: 1, malformed: 1, "inconsistent-bar": 1 });
    const status = (await api("GET", "/status", "viewer")).json();
    expect(status.marketData.dropped["non-finite"]).toBeGreaterThanOrEqual(4);

    // The good trades still count: five more inside the window complete the burst.
    await publishAndSettle(() => publishToBus(redis, "market-trade", burst(106.46, t + 46, 5).map((m, i) => ({ ...m, tradeId: `late-${i}-${symbol}` })), clock));
    await waitFor(async () => (await signalsOnBus(redis, symbol, tail)).length === 1, 10_000, "the burst completed by good trades");
  });

  it("reports what it runs and sees on /status", async () => {
    const res = await api("GET", "/status", "viewer");
    expect(res.statusCode).toBe(200);
    const status = res.json();
    expect(status).toMatchObject({ service: "scavenger", instanceId: "scavenger-a", config: { appliedVersion: 2, listening: true }, marketData: { reader: "live" } });
    expect(status.allocation.allocationUsd).toBeGreaterThan(0);
    expect(status.signals.published + status.signals.duplicate).toBeGreaterThanOrEqual(1);
    expect(status.signals.recent.some((s: { symbol: string }) => s.symbol === symbol)).toBe(true);
    expect(status.strategy.top.some((t: { symbol: string }) => t.symbol === symbol)).toBe(true);
    expect(await metricValue(a.running, "titan_scavenger_market_data_messages_total", { type: "market-trade" })).toBeGreaterThan(200);
  });
});
