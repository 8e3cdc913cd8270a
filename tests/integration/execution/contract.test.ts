// Contract: execution's real ccxt venue against the Bybit v5 simulator. Order commands from the bus
// become venue orders (post-only, limit, market by price velocity), the private WebSocket brings their
// reports, and the shadow state's positions, fills and realised PnL agree with the exchange's own.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlCommand } from "../../../services/shared/contracts/index.js";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import {
  envelopeOf,
  openSimOrders,
  operatorToken,
  orderCommand,
  publish,
  shadowPositionMap,
  simPositionMap,
  startExecutionInProcess,
  startHarness,
  stopHarness,
  until,
  type Harness,
} from "./harness.js";

let h: Harness;
let service: RunningService<"execution">;
let parts: ExecutionParts;

beforeAll(async () => {
  h = await startHarness("exec_contract", { seed: 11, rateLimits: false }, { TITAN_EXECUTION_POST_ONLY_TIMEOUT: "1s", TITAN_EXECUTION_RECONCILE_INTERVAL: "2s" });
  ({ service, parts } = await startExecutionInProcess(h));
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

const commandRow = async (clientOrderId: string) =>
  (await h.db.pool.query<{ status: string; venue_order_id: string | null; plan: { orderType: string } | null; refusal_reason: string | null }>("SELECT status, venue_order_id, plan, refusal_reason FROM execution.order_commands WHERE client_order_id = $1", [clientOrderId])).rows[0];
const shadowOrder = async (clientOrderId: string) =>
  (await h.db.pool.query<{ status: string; filled_qty: number; order_type: string }>("SELECT status, filled_qty, order_type FROM execution.orders WHERE client_order_id = $1", [clientOrderId])).rows[0];

/** Feeds the price path the velocity estimate sees: from `fromUsd` to `toUsd` over 1.1 s. */
async function movePrice(symbol: string, fromUsd: number, toUsd: number): Promise<void> {
  const trade = (priceUsd: number) => ({ type: "market-trade" as const, payload: { version: 1 as const, venue: "bybit" as const, marketType: "linear" as const, symbol, venueTsMs: Date.now(), tsMs: Date.now(), tradeId: String(Math.random()), side: "buy" as const, priceUsd, qty: 0.01 } });
  await parts.marketData([trade(fromUsd)]);
  await new Promise((r) => setTimeout(r, 1_100));
  await parts.marketData([trade(toUsd)]);
}

describe("execution against the Bybit simulator through ccxt", () => {
  it("rests a calm-market entry as post-only, follows its fill on the private stream, and records the position", async () => {
    const cmd = orderCommand(h, "BTCUSDT", "buy", 6_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await commandRow(cmd.clientOrderId))?.status === "submitted", 10_000, "the order to be acknowledged");
    expect((await commandRow(cmd.clientOrderId))?.plan?.orderType).toBe("post-only");
    await until(async () => (await shadowOrder(cmd.clientOrderId))?.status === "new", 5_000, "the resting order's report");
    // The market trades down through the bid: the resting buy fills as maker.
    h.sim.setPrice("BTCUSDT", 59_900, 1, "sell");
    await until(async () => (await shadowOrder(cmd.clientOrderId))?.status === "filled", 5_000, "the fill's report");
    expect(await shadowPositionMap(h.db.pool)).toEqual(simPositionMap(h.sim));
    const fill = (await h.db.pool.query<{ liquidity: string; source: string }>("SELECT liquidity, source FROM execution.fills WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
    expect(fill).toEqual({ liquidity: "maker", source: "stream" });
  });

  it("cancels a post-only order nobody fills after its timeout", async () => {
    const cmd = orderCommand(h, "ETHUSDT", "sell", 3_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await shadowOrder(cmd.clientOrderId))?.status === "cancelled", 10_000, "the post-only order to be cancelled");
    expect(openSimOrders(h.sim)).toBe(0);
  });

  it("sends a market order when the price runs, a limit at the touch when it walks", async () => {
    const last = (symbol: string) => (h.sim.state().markets as Record<string, { lastPriceUsd: number }>)[symbol]!.lastPriceUsd;
    const sol = last("SOLUSDT");
    await movePrice("SOLUSDT", sol * 0.99, sol);
    const running = orderCommand(h, "SOLUSDT", "buy", 2_000);
    await publish(h.redis, [envelopeOf("order-command", running)]);
    await until(async () => (await shadowOrder(running.clientOrderId))?.status === "filled", 10_000, "the market order's fill");
    expect((await commandRow(running.clientOrderId))?.plan?.orderType).toBe("market");

    const eth = last("ETHUSDT");
    await movePrice("ETHUSDT", eth * 0.997, eth);
    const walking = orderCommand(h, "ETHUSDT", "buy", 2_000);
    await publish(h.redis, [envelopeOf("order-command", walking)]);
    await until(async () => (await shadowOrder(walking.clientOrderId))?.status === "filled", 10_000, "the limit order's fill").catch(async (err: unknown) => {
      console.error(await commandRow(walking.clientOrderId), await shadowOrder(walking.clientOrderId), h.sim.state().markets);
      throw err;
    });
    expect((await commandRow(walking.clientOrderId))?.plan?.orderType).toBe("limit");
  });

  it("closes and flips positions with opposite orders; positions, fills and realised PnL agree with the exchange", async () => {
    await movePrice("BTCUSDT", 59_000, 59_900);
    await publish(h.redis, [envelopeOf("order-command", orderCommand(h, "BTCUSDT", "sell", 18_000))]);
    await until(async () => (await shadowPositionMap(h.db.pool)).BTCUSDT?.side === "short", 10_000, "the BTC position to flip short");
    await until(async () => JSON.stringify(await shadowPositionMap(h.db.pool)) === JSON.stringify(simPositionMap(h.sim)), 5_000, "shadow positions to equal the exchange's").catch(async (err: unknown) => {
      console.error(await shadowPositionMap(h.db.pool), simPositionMap(h.sim));
      throw err;
    });

    const simExecIds = (h.sim.state().executions as unknown as Array<{ execId: string }>).map((e) => e.execId).sort();
    const shadowFillIds = (await h.db.pool.query<{ fill_id: string }>("SELECT fill_id FROM execution.fills ORDER BY fill_id")).rows.map((r) => r.fill_id);
    expect(shadowFillIds).toEqual(simExecIds);

    const simRealised = Object.fromEntries((h.sim.state().positions as unknown as Array<{ symbol: string; cumRealisedPnl: string }>).map((p) => [p.symbol, Number(p.cumRealisedPnl)]));
    const shadowRealised = (await h.db.pool.query<{ symbol: string; realised_pnl_usd: number }>("SELECT symbol, realised_pnl_usd FROM execution.positions")).rows;
    for (const r of shadowRealised) expect(r.realised_pnl_usd).toBeCloseTo(simRealised[r.symbol] ?? 0, 6);
    // The wallet moved by exactly the realised PnL net of fees the shadow state booked.
    const wallet = h.sim.state().wallet as { totalWalletBalance: string };
    expect(Number(wallet.totalWalletBalance)).toBeCloseTo(100_000 + shadowRealised.reduce((s, r) => s + r.realised_pnl_usd, 0), 6);
  });

  it("publishes reports and snapshots through the outbox, and a clean reconciliation", async () => {
    const counts = (await h.db.pool.query<{ type: string; n: number }>("SELECT type, count(*)::int AS n FROM execution.outbox GROUP BY type")).rows;
    const byType = Object.fromEntries(counts.map((c) => [c.type, c.n]));
    expect(byType["execution-report"]).toBeGreaterThan(5);
    expect(byType["position-snapshot"]).toBeGreaterThan(2);
    expect(byType["equity-snapshot"]).toBeGreaterThan(0);
    const run = await parts.reconciler.runNow();
    expect(run).toMatchObject({ outcome: "clean", mismatches: [] });
  });

  it("measures command to acknowledgement (figures printed, not asserted)", async () => {
    await new Promise((r) => setTimeout(r, 1_100)); // the SOL price run of an earlier test must age out: entries rest
    const acks: number[] = [];
    const fills: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const buy = i % 2 === 0;
      const cmd = orderCommand(h, "SOLUSDT", buy ? "buy" : "sell", 1_000);
      await publish(h.redis, [envelopeOf("order-command", cmd)]);
      await until(async () => (await commandRow(cmd.clientOrderId))?.status !== "pending" && (await commandRow(cmd.clientOrderId)) !== undefined, 15_000, "the acknowledgement");
      // Trade through the resting order: a buy rests at the bid, a sell at the ask.
      // Well through the touch, wherever the order rests (post-only at the touch, or a limit a tick off it).
      // The market keeps trading through until the fill is recorded: on a loaded machine the 1 s post-only
      // timeout may replace the order after the first trade-through, and the replacement rests at the new touch.
      const filled = async () => (await h.db.pool.query("SELECT 1 FROM execution.order_commands WHERE client_order_id = $1 AND first_fill_at_ms IS NOT NULL", [cmd.clientOrderId])).rowCount === 1;
      // A post-only order whose 1 s timeout ran out before the trade-through (a slow event loop here) is
      // cancelled, as designed: it has no fill to time.
      const expired = async () => (await shadowOrder(cmd.clientOrderId))?.status === "cancelled";
      const fillDeadline = Date.now() + 15_000;
      for (;;) {
        h.sim.setPrice("SOLUSDT", buy ? 149.7 : 150.3, 1_000, buy ? "sell" : "buy");
        const waited = await until(async () => (await filled()) || (await expired()), 2_000, "the fill").then(() => true, () => false);
        if (waited) break;
        if (Date.now() > fillDeadline) {
          throw new Error(`no fill recorded in 15 s for ${cmd.clientOrderId}: command ${JSON.stringify(await commandRow(cmd.clientOrderId))}, shadow order ${JSON.stringify(await shadowOrder(cmd.clientOrderId))}`);
        }
      }
      const row = (await h.db.pool.query<{ acked_at_ms: number | null; first_fill_at_ms: number | null; command_ts_ms: number }>("SELECT acked_at_ms, first_fill_at_ms, command_ts_ms FROM execution.order_commands WHERE client_order_id = $1", [cmd.clientOrderId])).rows[0];
      if (row?.acked_at_ms) acks.push(row.acked_at_ms - row.command_ts_ms);
      if (row?.first_fill_at_ms && row.acked_at_ms) fills.push(row.first_fill_at_ms - row.acked_at_ms);
    }
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
    expect(acks.length).toBe(20);
    const histogram = await service.ctx.metrics.registry.getSingleMetricAsString("titan_execution_command_to_ack_seconds");
    expect(histogram).toMatch(/titan_execution_command_to_ack_seconds_count\{[^}]*\} [1-9]/);
    expect(fills.length, "most post-only entries fill when the market trades through them").toBeGreaterThanOrEqual(10);
    console.log(`command→ack ms: p50 ${pct(acks, 0.5)} p95 ${pct(acks, 0.95)} max ${Math.max(...acks)}; price-through to recorded fill ms (${fills.length}; ${20 - fills.length} post-only expired first): p50 ${pct(fills, 0.5)} p95 ${pct(fills, 0.95)}`);
  });

  it("serves positions, orders and reconciliation over HTTP, and cancels everything on an operator's request", async () => {
    const token = await operatorToken(h.db);
    const auth = { authorization: `Bearer ${token}` };
    // A resting order to cancel: once the last price run is more than a second old, an entry rests post-only.
    await new Promise((r) => setTimeout(r, 1_200));
    const cmd = orderCommand(h, "BTCUSDT", "buy", 3_000);
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await shadowOrder(cmd.clientOrderId))?.status === "new" || (await shadowOrder(cmd.clientOrderId))?.status === "cancelled", 10_000, "a resting order").catch(async (err: unknown) => {
      console.error(await commandRow(cmd.clientOrderId), await shadowOrder(cmd.clientOrderId));
      throw err;
    });

    const positions = await service.app.inject({ method: "GET", url: "/positions", headers: auth });
    expect(positions.statusCode).toBe(200);
    expect((positions.json() as { positions: unknown[] }).positions.length).toBeGreaterThan(0);
    const recon = await service.app.inject({ method: "GET", url: "/reconciliation", headers: auth });
    expect(recon.json()).toMatchObject({ haltAfterCycles: 3, lastRun: { outcome: expect.stringMatching(/clean|mismatch/) } });

    const cancel = await service.app.inject({ method: "POST", url: "/cancel-all", headers: auth, payload: { reason: "contract test" } });
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ kind: "cancel-all", status: "done" });
    expect(openSimOrders(h.sim)).toBe(0);
    await until(async () => parts.shadow.openOrders().length === 0, 5_000, "the shadow state to see the cancels");
    const orders = await service.app.inject({ method: "GET", url: "/orders", headers: auth });
    expect((orders.json() as { open: unknown[] }).open).toEqual([]);
  });

  it("moves a treasury transfer commanded by the brain once, however often the command arrives", async () => {
    const transferId = randomUUID();
    const transfer: ControlCommand = {
      version: 1,
      commandId: randomUUID(),
      issuedBy: { kind: "service", id: "brain" },
      reason: "treasury sweep",
      tsMs: Date.now(),
      command: "transfer",
      transferId,
      venue: "bybit",
      asset: "USDT",
      amountUsd: 250,
      fromAccount: "futures",
      toAccount: "spot",
    };
    const walletBefore = Number((h.sim.state().wallet as { totalWalletBalance: string }).totalWalletBalance);
    await publish(h.redis, [envelopeOf("control-command", transfer), envelopeOf("control-command", { ...transfer, commandId: randomUUID() })]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM execution.transfers WHERE status = 'done'")).rowCount === 1, 10_000, "the transfer");
    await new Promise((r) => setTimeout(r, 300));
    const state = h.sim.state() as { accounts: { FUND: number }; transfers: { transferId: string; fromAccountType: string; toAccountType: string; amount: number }[]; wallet: { totalWalletBalance: string } };
    expect(state.transfers).toEqual([expect.objectContaining({ transferId, fromAccountType: "UNIFIED", toAccountType: "FUND", amount: 250 })]);
    expect(state.accounts.FUND).toBe(250);
    expect(Number(state.wallet.totalWalletBalance)).toBeCloseTo(walletBefore - 250, 2);
    // The venue itself refuses to move the same id twice with other terms (a bug upstream would show here).
    await expect(parts.venue.transfer({ transferId, asset: "USDT", amount: 1, fromAccount: "futures", toAccount: "spot" })).rejects.toThrow(/duplicated/);
  });
});
