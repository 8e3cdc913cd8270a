// Every take-profit leg on the paper venue too: the legs rest in the paper engine as reduce-only limits,
// fill when the feed trades through them one by one, and the shadow state ends flat with the venue.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarketTicker, MarketTrade } from "../../../services/shared/contracts/index.js";
import { runService, type RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { takeProfitLegClientOrderId } from "../../../services/execution/domain/take-profit-legs.js";
import { createExecutionService } from "../../../services/execution/service.js";
import { provisionTestDatabase, serviceEnv } from "../../support/service-env.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";
import { envelopeOf, orderCommand, publish, until, type Harness } from "./harness.js";

let db: TestDatabase;
let redis: Redis;
let service: RunningService<"execution">;
let parts: ExecutionParts;
let lastUsd = 2_000;

beforeAll(async () => {
  db = await withTestDatabase("exec_tp_paper");
  await provisionTestDatabase(db);
  redis = new Redis(db.redisUrl);
  const env = { ...serviceEnv("execution", db, { redisUrl: db.redisUrl }), TITAN_INSTANCE_ID: "execution-1", TITAN_EXECUTION_DEADMAN_TIMEOUT: "1h", TITAN_EXECUTION_ORDER_TYPE: "market" };
  service = await runService(createExecutionService({ env, marketData: null, onStarted: (p) => (parts = p) }), { env });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  redis?.disconnect();
});

async function print(priceUsd: number, side: "buy" | "sell" = "buy"): Promise<void> {
  const now = Date.now();
  const base = { version: 1 as const, venue: "bybit" as const, marketType: "linear" as const, symbol: "ETHUSDT", venueTsMs: now, tsMs: now };
  const trade: MarketTrade = { ...base, tradeId: randomUUID(), side, priceUsd, qty: 50 };
  const ticker: MarketTicker = { ...base, bidPriceUsd: priceUsd - 0.01, askPriceUsd: priceUsd, lastPriceUsd: priceUsd, volume24hQty: 1, turnover24hUsd: 1 };
  await parts.marketData([{ type: "market-trade", payload: trade }, { type: "market-ticker", payload: ticker }]);
  lastUsd = priceUsd;
}

const fakeHarness = () => ({ sim: { state: () => ({ markets: { ETHUSDT: { lastPriceUsd: lastUsd } } }) } }) as unknown as Harness;
const order = async (id: string) => (await db.pool.query<{ status: string; order_qty: number; reduce_only: boolean }>("SELECT status, order_qty, reduce_only FROM execution.orders WHERE client_order_id = $1", [id])).rows[0];
const position = async () => (await db.pool.query<{ side: string; qty: number }>("SELECT side, qty FROM execution.positions WHERE symbol = 'ETHUSDT'")).rows[0];

describe("take-profit legs on the paper venue", () => {
  it("rest as reduce-only limits and close the position leg by leg", async () => {
    await print(2_000);
    const cmd = orderCommand(fakeHarness(), "ETHUSDT", "buy", 2_000, {
      takeProfits: [
        { priceUsd: 2_020, fraction: 0.5 },
        { priceUsd: 2_040, fraction: 0.5 },
      ],
    });
    const [leg1, leg2] = [0, 1].map((i) => takeProfitLegClientOrderId(cmd.signalId, i)) as [string, string];
    await publish(redis, [envelopeOf("order-command", cmd)]);
    await until(async () => (await order(leg2))?.status === "new" && (await order(leg1))?.status === "new", 15_000, "both legs resting");
    expect([await order(leg1), await order(leg2)]).toEqual([
      { status: "new", order_qty: 0.5, reduce_only: true },
      { status: "new", order_qty: 0.5, reduce_only: true },
    ]);
    await print(2_020.5);
    await until(async () => (await order(leg1))?.status === "filled", 5_000, "the first leg");
    expect(await position()).toMatchObject({ side: "long", qty: 0.5 });
    await print(2_041);
    await until(async () => (await order(leg2))?.status === "filled", 5_000, "the second leg");
    expect(await position()).toMatchObject({ side: "flat", qty: 0 });
    expect((await parts.venue.positions()).positions).toEqual([]);
  }, 40_000);
});
