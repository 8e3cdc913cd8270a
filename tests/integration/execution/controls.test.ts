// Emergency controls: flatten all ends with zero positions and zero open orders at the venue (timed),
// halts trading, and works while trading is restricted; halt and resume arrive on the bus too; every
// control needs an operator and is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningService } from "../../../services/shared/runtime.js";
import type { ExecutionParts } from "../../../services/execution/adapters/wiring.js";
import {
  controlCommand,
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
let auth: { authorization: string };

beforeAll(async () => {
  h = await startHarness("exec_controls", { seed: 51, rateLimits: false }, { TITAN_EXECUTION_ORDER_TYPE: "market", TITAN_EXECUTION_RECONCILE_INTERVAL: "2s" });
  ({ service, parts } = await startExecutionInProcess(h));
  auth = { authorization: `Bearer ${await operatorToken(h.db)}` };
});

afterAll(async () => {
  await service?.stop();
  await stopHarness(h);
});

let round = 0;

/** Positions in every symbol, long and short, and resting orders the flatten must cancel first. */
async function openPositionsAndOrders(): Promise<void> {
  round += 1;
  const commands = [orderCommand(h, "BTCUSDT", "buy", 12_000), orderCommand(h, "ETHUSDT", "sell", 6_000), orderCommand(h, "SOLUSDT", "buy", 3_000)];
  await publish(h.redis, commands.map((c) => envelopeOf("order-command", c)));
  await until(async () => Object.keys(await shadowPositionMap(h.db.pool)).length === 3, 10_000, "three positions");
  // Resting orders placed by hand on the account (far from the market): flatten cancels those too.
  await parts.venue.createOrder({ clientOrderId: `tt-manual-rest-${round}-1`, symbol: "BTCUSDT", side: "buy", orderType: "limit", qty: 0.01, limitPriceUsd: 50_000, reduceOnly: false, stopLossPriceUsd: null, takeProfitPriceUsd: null });
  await parts.venue.createOrder({ clientOrderId: `tt-manual-rest-${round}-2`, symbol: "ETHUSDT", side: "sell", orderType: "limit", qty: 0.5, limitPriceUsd: 4_000, reduceOnly: false, stopLossPriceUsd: null, takeProfitPriceUsd: null });
  expect(openSimOrders(h.sim)).toBe(2);
}

describe("emergency controls", () => {
  it("refuses controls without the operator role and a flatten without confirmation", async () => {
    const viewer = { authorization: `Bearer ${await operatorToken(h.db, "viewer")}` };
    expect((await service.app.inject({ method: "POST", url: "/halt", headers: viewer, payload: { reason: "x" } })).statusCode).toBe(403);
    expect((await service.app.inject({ method: "POST", url: "/flatten", headers: auth, payload: { reason: "x" } })).statusCode).toBe(400);
    expect((await service.app.inject({ method: "POST", url: "/halt", headers: auth, payload: {} })).statusCode).toBe(400);
    expect(parts.keeper.view().state).toBe("ACTIVE");
    expect((await service.app.inject({ method: "GET", url: "/trading-state", headers: viewer })).json()).toMatchObject({ state: "ACTIVE" });
  });

  it("flattens everything over HTTP: zero positions and zero open orders at the venue, trading halted", async () => {
    await openPositionsAndOrders();
    // A restricted state never blocks a flatten.
    await parts.keeper.raise({ cause: "heartbeat-missing", state: "REDUCING", raisedBy: { kind: "service", id: "execution" }, detail: "test" });
    const started = Date.now();
    const res = await service.app.inject({ method: "POST", url: "/flatten", headers: auth, payload: { reason: "acceptance test", confirm: true } });
    const seconds = (Date.now() - started) / 1000;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kind: "flatten", status: "done" });
    expect(simPositionMap(h.sim)).toEqual({});
    expect(openSimOrders(h.sim)).toBe(0);
    await until(async () => Object.keys(await shadowPositionMap(h.db.pool)).length === 0, 5_000, "the shadow state to follow the venue to flat");
    expect(parts.keeper.view()).toMatchObject({ state: "HALTED" });
    expect(parts.keeper.view().own.map((c) => c.cause).sort()).toEqual(["heartbeat-missing", "operator-halt"]);
    const audit = (await h.db.pool.query<{ action: string }>("SELECT action FROM audit.events WHERE service = 'execution' AND action = 'execution.flatten'")).rows;
    expect(audit).toHaveLength(1);
    console.log(`flatten all over HTTP: ${seconds.toFixed(2)} s (venue reported ${res.json().seconds} s)`);
    await parts.keeper.clear("heartbeat-missing", { kind: "service", id: "execution" }, "test over");
  });

  it("takes halt, resume and flatten from the bus, resume only from an operator", async () => {
    await publish(h.redis, [envelopeOf("control-command", controlCommand("resume", "back to work"), "console")]);
    await until(() => parts.keeper.view().state === "ACTIVE", 5_000, "the bus resume");
    await publish(h.redis, [envelopeOf("control-command", controlCommand("halt", "stop for a moment"), "console")]);
    await until(() => parts.keeper.view().state === "HALTED", 5_000, "the bus halt");
    const byService = { ...controlCommand("resume", "a service cannot resume"), issuedBy: { kind: "service" as const, id: "brain" } };
    await publish(h.redis, [envelopeOf("control-command", byService)]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM audit.events WHERE action = 'execution.resume-refused'")).rowCount === 1, 5_000, "the refused resume to be audited");
    expect(parts.keeper.view().state).toBe("HALTED");
    await publish(h.redis, [envelopeOf("control-command", controlCommand("resume", "ok now"), "console")]);
    await until(() => parts.keeper.view().state === "ACTIVE", 5_000, "the operator's resume");

    await openPositionsAndOrders();
    const flatten = controlCommand("flatten", "breaker HARD");
    await publish(h.redis, [envelopeOf("control-command", flatten, "console")]);
    await until(async () => (await parts.controls.get(flatten.commandId))?.status === "done", 20_000, "the bus flatten to finish");
    expect(simPositionMap(h.sim)).toEqual({});
    expect(openSimOrders(h.sim)).toBe(0);
    expect(parts.keeper.view().state).toBe("HALTED");
  });

  it("runs the brain's flatten (HARD breaker) to flat without an operator halt, and refuses a service's halt", async () => {
    await publish(h.redis, [envelopeOf("control-command", controlCommand("resume", "after the last test"), "console")]);
    await until(() => parts.keeper.view().state === "ACTIVE", 5_000, "the operator's resume");
    const halt = { ...controlCommand("halt", "a service cannot halt by command"), issuedBy: { kind: "service" as const, id: "brain" } };
    await publish(h.redis, [envelopeOf("control-command", halt, "brain")]);
    await until(async () => (await h.db.pool.query("SELECT 1 FROM audit.events WHERE action = 'execution.halt-refused'")).rowCount === 1, 5_000, "the refused halt to be audited");
    expect(parts.keeper.view().state).toBe("ACTIVE");

    await openPositionsAndOrders();
    const flatten = { ...controlCommand("flatten", "breaker HARD: daily drawdown"), issuedBy: { kind: "service" as const, id: "brain" } };
    const message = envelopeOf("control-command", flatten, "brain");
    await publish(h.redis, [message]);
    await until(async () => (await parts.controls.get(flatten.commandId))?.status === "done", 20_000, "the brain's flatten to finish");
    expect(simPositionMap(h.sim)).toEqual({});
    expect(openSimOrders(h.sim)).toBe(0);
    expect(parts.keeper.view().own.map((c) => c.cause)).not.toContain("operator-halt");
    expect((await h.db.pool.query("SELECT 1 FROM execution.dead_letters WHERE message_id = $1", [message.id])).rowCount).toBe(0);
  });
});
