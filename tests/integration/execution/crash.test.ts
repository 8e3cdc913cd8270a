// Crash test: 200 order commands while execution, a child process trading on the Bybit simulator, is
// SIGKILLed at named points — after sending an order and before recording it, after a fill and before
// persisting it, after persisting a command and before acknowledging it — each at least 3 times, and
// restarted each time. Afterwards: every command gave at most one exchange order, no fill the exchange
// made is missing from the shadow state, and the shadow positions equal the exchange's.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXECUTION_FAULT_POINTS } from "../../../services/execution/adapters/shadow-book.js";
import {
  envelopeOf,
  killLeftoverExecutionChildren,
  orderCommand,
  publish,
  shadowPositionMap,
  simPositionMap,
  spawnExecution,
  startHarness,
  stopHarness,
  until,
  type ExecutionChild,
  type Harness,
} from "./harness.js";

const COMMANDS = 200;
const KILLS_PER_POINT = 3;
const POINTS = [EXECUTION_FAULT_POINTS.afterSendBeforeRecord, EXECUTION_FAULT_POINTS.afterFillBeforePersist, EXECUTION_FAULT_POINTS.afterPersistBeforeAck] as const;
const SYMBOLS = [
  ["BTCUSDT", 1_200],
  ["ETHUSDT", 900],
  ["SOLUSDT", 600],
] as const;

let h: Harness;

beforeAll(async () => {
  // Bybit's own rate limits stay on: execution must pace itself under them across restarts too.
  h = await startHarness("exec_crash", { seed: 21 }, { TITAN_EXECUTION_ORDER_TYPE: "market", TITAN_EXECUTION_RECONCILE_INTERVAL: "2s" });
});

afterAll(async () => {
  killLeftoverExecutionChildren();
  await stopHarness(h);
});

const count = async (sql: string): Promise<number> => (await h.db.pool.query<{ n: number }>(sql)).rows[0]?.n ?? 0;

describe("execution killed at its crash points", () => {
  it("loses no fill, duplicates no order, and ends with the exchange's positions", async () => {
    // Alternating sides and sizes per symbol, so positions grow, shrink, close and flip.
    const commands = Array.from({ length: COMMANDS }, (_, i) => {
      const [symbol, notionalUsd] = SYMBOLS[i % SYMBOLS.length]!;
      const side = Math.floor(i / SYMBOLS.length) % 3 === 1 ? "sell" : i % 2 === 0 ? "buy" : "sell";
      return orderCommand(h, symbol, side, notionalUsd * (1 + (i % 4)), { signalId: randomUUID() });
    });
    // The brain's commands arrive over time (5 a second), while execution dies and comes back.
    let published = 0;
    const feeder = (async () => {
      while (published < COMMANDS) {
        await publish(h.redis, commands.slice(published, published + 3).map((c) => envelopeOf("order-command", c)));
        published += 3;
        await new Promise((r) => setTimeout(r, 600));
      }
    })();

    const kills: Record<string, number> = Object.fromEntries(POINTS.map((p) => [p, 0]));
    const hitOn = [4, 7, 5, 9, 6, 3, 8, 5, 6, 4, 7, 5];
    let run = 0;
    const startedMs = Date.now();
    while (POINTS.some((p) => kills[p]! < KILLS_PER_POINT)) {
      const point = POINTS.filter((p) => kills[p]! < KILLS_PER_POINT)[run % 3] ?? POINTS.find((p) => kills[p]! < KILLS_PER_POINT)!;
      const child: ExecutionChild = spawnExecution(h.env, `${point}@${hitOn[run % hitOn.length]}`);
      const outcome = await Promise.race([child.exited, new Promise<null>((r) => setTimeout(() => r(null), 45_000))]);
      if (outcome === null) {
        await child.terminate();
        console.error(
          (await h.db.pool.query("SELECT status, refusal_reason, left(refusal_detail, 120) AS d, count(*)::int FROM execution.order_commands GROUP BY 1, 2, 3")).rows,
          (await h.db.pool.query("SELECT reason_class, reason, attempts FROM execution.dead_letters LIMIT 3")).rows,
          (await h.db.pool.query("SELECT count(*)::int FROM execution.inbox")).rows,
          (await h.db.pool.query("SELECT record FROM execution.trading_causes")).rows,
          await h.redis.xpending("titan:orders", "execution"),
          await h.redis.xinfo("GROUPS", "titan:orders"),
        );
        throw new Error(`the child never reached ${point}; output:\n${child.output()}`);
      }
      // SIGKILL comes only from the armed fault point: any other end is a failure of its own.
      expect(outcome, child.output()).toEqual({ code: null, signal: "SIGKILL" });
      kills[point]! += 1;
      run += 1;
    }

    const final = spawnExecution(h.env, "");
    try {
      await feeder;
      await until(async () => (await count("SELECT count(*)::int AS n FROM execution.order_commands WHERE status IN ('submitted', 'refused')")) === COMMANDS, 90_000, "every command to be settled");
      const simExecIds = () => new Set((h.sim.state().executions as unknown as Array<{ execId: string }>).map((e) => e.execId));
      await until(async () => {
        const shadow = new Set((await h.db.pool.query<{ fill_id: string }>("SELECT fill_id FROM execution.fills")).rows.map((r) => r.fill_id));
        return [...simExecIds()].every((id) => shadow.has(id));
      }, 20_000, "every exchange fill in the shadow state");
      await until(async () => JSON.stringify(await shadowPositionMap(h.db.pool)) === JSON.stringify(simPositionMap(h.sim)), 10_000, "shadow positions to equal the exchange's");
    } finally {
      expect(await final.terminate(), final.output()).toEqual({ code: 0, signal: null });
    }

    const perLinkId = h.sim.state().ordersPerOrderLinkId as Record<string, number>;
    const perCommand = commands.map((c) => perLinkId[c.clientOrderId] ?? 0);
    expect(Math.max(...perCommand)).toBe(1);
    expect(perCommand.filter((n) => n === 1)).toHaveLength(COMMANDS);
    expect(await count("SELECT count(*)::int AS n FROM execution.order_commands WHERE status = 'refused'")).toBe(0);
    const fills = await count("SELECT count(*)::int AS n FROM execution.fills");
    expect(fills).toBe((h.sim.state().executions as unknown[]).length);
    expect(await shadowPositionMap(h.db.pool)).toEqual(simPositionMap(h.sim));
    for (const p of POINTS) expect(kills[p], p).toBeGreaterThanOrEqual(KILLS_PER_POINT);
    console.log(`crash test: ${COMMANDS} commands, ${fills} fills, kills ${JSON.stringify(kills)} in ${run} runs, ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  }, 240_000);
});
