// The paper venue (the default): the matching engine in-process against the market-data feed. Orders
// rest and fill against printed trades, an attached stop fires as the venue's own order and the shadow
// state follows it, a treasury transfer is simulated, and a restart resumes from the paper books with a
// clean reconciliation.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamOf, type ControlCommand, type MarketTicker, type MarketTrade } from "../../../services/shared/contracts/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { envelopeOf, orderCommand, publish, until, type Harness } from "./harness.js";
import { Redis } from "ioredis";

let db: TestDatabase;
let redis: Redis;
let env: NodeJS.ProcessEnv;
let service: RunningService<"execution">;
let parts: ExecutionParts;
let lastBtcUsd = 60_000;
let entry: ReturnType<typeof orderCommand>;

const start = async () => {
  service = await runService(createExecutionService({ env, marketData: null, onStarted: (p) => (parts = p) }), { env });
};

beforeAll(async () => {
  db = await withTestDatabase("exec_paper");
  await provisionTestDatabase(db);
  redis = new Redis(db.redisUrl);
  env = { ...serviceEnv("execution", db, { redisUrl: db.redisUrl }), TITAN_INSTANCE_ID: "execution-1", TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h", TITAN_EXECUTION_RECONCILE_INTERVAL: "1s", TITAN_EXECUTION_PAPER_BALANCE_USD: "50000" };
  await start();
});

afterAll(async () => {
  await service?.stop();
  redis?.disconnect();
});

const market = { version: 1 as const, venue: "bybit" as const, marketType: "linear" as const };
async function print(symbol: string, priceUsd: number, side: "buy" | "sell" = "buy", qty = 5): Promise<void> {
  const now = Date.now();
  const tick = symbol === "BTCUSDT" ? 0.1 : 0.01;
  const trade: MarketTrade = { ...market, symbol, venueTsMs: now, tsMs: now, tradeId: randomUUID(), side, priceUsd, qty };
  const ticker: MarketTicker = { ...market, symbol, venueTsMs: now, tsMs: now, bidPriceUsd: priceUsd - tick, askPriceUsd: priceUsd, lastPriceUsd: priceUsd, volume24hQty: 1, turnover24hUsd: 1 };
  await parts.marketData([{ type: "market-trade", payload: trade }, { type: "market-ticker", payload: ticker }]);
  if (symbol === "BTCUSDT") lastBtcUsd = priceUsd;
}

// orderCommand prices commands from a simulator's state; here the feed is the market.
const fakeHarness = () => ({ sim: { state: () => ({ markets: { BTCUSDT: { lastPriceUsd: lastBtcUsd } } }) } }) as unknown as Harness;
const shadow = async () => (await db.pool.query<{ symbol: string; side: string; qty: number }>("SELECT symbol, side, qty FROM execution.positions WHERE side <> 'flat'")).rows;
const orderStatus = async (id: string) => (await db.pool.query<{ status: string }>("SELECT status FROM execution.orders WHERE client_order_id = $1", [id])).rows[0]?.status;

describe("the paper venue", () => {
  it("rests a post-only entry and fills it when the market trades through it", async () => {
    await print("BTCUSDT", 60_000);
    const cmd = orderCommand(fakeHarness(), "BTCUSDT", "buy", 6_000);
    entry = cmd;
    await publish(redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await orderStatus(cmd.clientOrderId)) === "new", 10_000, "the resting order");
    await print("BTCUSDT", 59_950, "sell");
    await until(async () => (await orderStatus(cmd.clientOrderId)) === "filled", 5_000, "the fill");
    expect(await shadow()).toEqual([{ symbol: "BTCUSDT", side: "long", qty: 0.1 }]);
  });

  it("follows the venue's own stop-loss order to flat", async () => {
    // The command's stop sits 20 % below: the market falls through it.
    await print("BTCUSDT", 47_000, "sell");
    await until(async () => (await shadow()).length === 0, 5_000, "the stop to close the position");
    const stopFill = (await db.pool.query<{ client_order_id: string }>("SELECT client_order_id FROM execution.fills WHERE side = 'sell'")).rows;
    expect(stopFill).toHaveLength(1);
    expect(stopFill[0]!.client_order_id).toMatch(/^v-paper-stop-loss/);
    // The round trip is recorded and announced once, tied to the signal that opened it.
    const trips = (await db.pool.query("SELECT signal_id::text AS signal_id, side, entry_qty, realised_pnl_usd, closing_fill_id FROM execution.round_trips")).rows;
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ signal_id: entry.signalId, side: "long", entry_qty: 0.1 });
    const fills = (await db.pool.query<{ side: string; qty: number; price_usd: number; fee_usd: number }>("SELECT side, qty, price_usd, fee_usd FROM execution.fills")).rows;
    const expectedPnlUsd = fills.reduce((sum, f) => sum + (f.side === "sell" ? 1 : -1) * f.qty * f.price_usd - f.fee_usd, 0);
    expect(expectedPnlUsd).toBeLessThan(0); // stopped out below the entry
    expect(trips[0]!.realised_pnl_usd).toBeCloseTo(expectedPnlUsd, 6);
    let closed: [string, string[]][] = [];
    await until(async () => (closed = (await redis.xrange(streamOf("trade-closed"), "-", "+")) as [string, string[]][]).length > 0, 5_000, "trade-closed on the bus");
    expect(closed).toHaveLength(1);
    const payload = JSON.parse(closed[0]![1][3]!).payload;
    expect(payload).toMatchObject({ signalId: entry.signalId, symbol: "BTCUSDT", side: "long", entryQty: 0.1 });
    expect(payload.realisedPnlUsd).toBeCloseTo(trips[0]!.realised_pnl_usd, 6);
  });

  it("simulates a treasury transfer once, however often it is commanded", async () => {
    const transfer: ControlCommand = {
      version: 1,
      commandId: randomUUID(),
      issuedBy: { kind: "service", id: "brain" },
      reason: "treasury sweep",
      tsMs: Date.now(),
      command: "transfer",
      transferId: randomUUID(),
      venue: "paper",
      asset: "USDT",
      amountUsd: 1_000,
      fromAccount: "futures",
      toAccount: "spot",
    };
    const before = (await parts.venue.balance()).walletBalanceUsd;
    await publish(redis, [envelopeOf("control-command", transfer), envelopeOf("control-command", { ...transfer, commandId: randomUUID() })]);
    await until(async () => (await db.pool.query("SELECT 1 FROM execution.transfers WHERE status = 'done'")).rowCount === 1, 5_000, "the transfer");
    await new Promise((r) => setTimeout(r, 300));
    expect((await parts.venue.balance()).walletBalanceUsd).toBeCloseTo(before - 1_000, 6);
    expect((await db.pool.query("SELECT 1 FROM execution.transfers")).rowCount).toBe(1);
  });

  it("resumes from its books after a restart and reconciles clean", async () => {
    await print("BTCUSDT", 60_000);
    await new Promise((r) => setTimeout(r, 1_100)); // let the fall's velocity age out: entries rest post-only
    const cmd = orderCommand(fakeHarness(), "BTCUSDT", "sell", 3_000);
    await publish(redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await orderStatus(cmd.clientOrderId)) === "new", 10_000, "a resting sell");
    await print("BTCUSDT", 60_100, "buy");
    await until(async () => (await shadow()).length === 1, 5_000, "the short position");
    const balance = await parts.venue.balance();
    await service.stop();
    await start();
    expect((await parts.venue.balance()).walletBalanceUsd).toBeCloseTo(balance.walletBalanceUsd, 9);
    expect((await parts.venue.positions()).positions.map((p) => [p.symbol, p.side, p.qty])).toEqual([["BTCUSDT", "short", 0.05]]);
    // Its order and fill history came back too: a lookup by client id, and the fills a reconciliation reads.
    expect(await parts.venue.findOrder("BTCUSDT", cmd.clientOrderId)).toMatchObject({ clientOrderId: cmd.clientOrderId, status: "filled" });
    expect((await parts.venue.fills(0)).some((f) => f.clientOrderId === cmd.clientOrderId)).toBe(true);
    expect(await parts.reconciler.runNow()).toMatchObject({ outcome: "clean" });
  });
});
