// Every take-profit leg attached, not just the first (issue 4): against the Bybit simulator, an entry
// with three legs gets three reduce-only limit orders splitting its filled size, under client ids
// derived from the signal id and the leg's index; a restart places none of them twice; a leg fills at
// its target and the shadow state follows; and with the duplicate check off and a leg's answer lost,
// the leg still exists once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import { takeProfitLegClientOrderId } from "../../../services/execution/domain/take-profit-legs.js";
import { envelopeOf, orderCommand, publish, shadowPositionMap, simPositionMap, startExecutionInProcess, startHarness, stopHarness, until, type Harness } from "./harness.js";

let h: Harness;
let service: RunningService<"execution"> | null = null;
let parts: ExecutionParts;

const start = async () => {
  ({ service, parts } = await startExecutionInProcess(h));
};

beforeAll(async () => {
  h = await startHarness("exec_tp_legs", { rateLimits: false }, { TITAN_EXECUTION_ORDER_TYPE: "market" });
  h.sim.setPrice("BTCUSDT", 60_000);
  await start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

const linkOrders = (linkId: string) => h.sim.core.ordersByLinkId(linkId).map((r) => r.order);
const shadowStatus = async (id: string) => (await h.db.pool.query<{ status: string }>("SELECT status FROM execution.orders WHERE client_order_id = $1", [id])).rows[0]?.status;

const threeLegs = (symbol: string, priceUsd: number, side: "buy" | "sell") =>
  orderCommand(h, symbol, side, 6_000, {
    takeProfits: [
      { priceUsd: priceUsd * (side === "buy" ? 1.01 : 0.99), fraction: 0.3 },
      { priceUsd: priceUsd * (side === "buy" ? 1.02 : 0.98), fraction: 0.3 },
      { priceUsd: priceUsd * (side === "buy" ? 1.03 : 0.97), fraction: 0.4 },
    ],
  });

describe("take-profit legs", () => {
  let cmd: ReturnType<typeof orderCommand>;
  const legIds = () => [0, 1, 2].map((i) => takeProfitLegClientOrderId(cmd.signalId, i));

  it("places every leg as a reduce-only limit for its fraction of the filled size", async () => {
    cmd = threeLegs("BTCUSDT", 60_000, "buy");
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(() => legIds().every((id) => linkOrders(id).length === 1), 15_000, "three legs at the simulator");
    const entry = linkOrders(cmd.clientOrderId)[0]!;
    expect(entry).toMatchObject({ status: "filled", takeProfitPriceUsd: null });
    expect(entry.stopLossPriceUsd).not.toBeNull();
    const legs = legIds().map((id) => linkOrders(id)[0]!);
    expect(legs.map((o) => [o.side, o.type, o.reduceOnly, o.status])).toEqual(Array(3).fill(["sell", "limit", true, "new"]));
    expect(legs.map((o) => o.limitPriceUsd)).toEqual([60_600, 61_200, 61_800]);
    expect(legs.map((o) => o.qty)).toEqual([0.03, 0.03, 0.04]);
    expect(legs.reduce((sum, o) => sum + o.qty, 0)).toBeCloseTo(entry.filledQty, 9);
    await until(async () => (await Promise.all(legIds().map(shadowStatus))).every((s) => s === "new"), 10_000, "the legs in the shadow state");
  }, 30_000);

  it("places none of them again after a restart", async () => {
    await service!.stop();
    service = null;
    await start();
    // The restart's recovery pass has looked every leg up by now (paced by the venue's receive window).
    await until(() => parts.orders.takeProfitLegs.pending().length === 0, 15_000, "the recovery pass");
    for (const id of [cmd.clientOrderId, ...legIds()]) expect(linkOrders(id)).toHaveLength(1);
  }, 30_000);

  it("fills a leg at its target and the shadow position follows the venue's", async () => {
    h.sim.setPrice("BTCUSDT", 60_600, 1, "buy");
    await until(async () => (await shadowStatus(legIds()[0]!)) === "filled", 10_000, "the first leg's fill");
    await until(async () => JSON.stringify(await shadowPositionMap(h.db.pool)) === JSON.stringify(simPositionMap(h.sim)), 10_000, "the shadow to agree");
    expect(simPositionMap(h.sim)).toEqual({ BTCUSDT: { side: "long", qty: 0.07 } });
    // The other legs keep working for what is left.
    expect(legIds().slice(1).map((id) => linkOrders(id)[0]!.status)).toEqual(["new", "new"]);
  }, 30_000);

  it("with the duplicate check off and a leg's answer lost, still places each leg once", async () => {
    h.sim.inject.duplicateCheck(false);
    h.sim.setPrice("ETHUSDT", 3_000);
    cmd = threeLegs("ETHUSDT", 3_000, "sell");
    // The entry's answer and then the first leg's never arrive: both are looked up, neither sent twice.
    h.sim.inject.responseLost({ path: "/v5/order/create", count: 2 });
    await publish(h.redis, [envelopeOf("order-command", cmd)]);
    await until(() => legIds().every((id) => linkOrders(id).length >= 1), 30_000, "every leg");
    await until(() => parts.orders.takeProfitLegs.pending().length === 0, 20_000, "the legs settled");
    for (const id of legIds()) expect(linkOrders(id)).toHaveLength(1);
    expect(h.sim.faults.fired["response-lost"]).toBe(2);
    expect(linkOrders(cmd.clientOrderId)).toHaveLength(1);
    h.sim.inject.duplicateCheck(true);
  }, 60_000);
});
