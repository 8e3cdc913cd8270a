// The watchdog's lost-dependency causes: raised fail-closed while PostgreSQL, Redis or the venue is gone,
// and cleared by itself only after the dependency is back AND a reconciliation finished after that.
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.js";
import type { TradingStateCause } from "../../shared/contracts/index.js";
import type { TradingStateKeeper } from "./trading-state-keeper.js";
import { Watchdog } from "./watchdog.js";

/** The part of the keeper the watchdog uses, holding causes in memory. */
class FakeKeeper {
  readonly causes = new Map<string, string>();
  lastClean: number | null = null;
  readonly clears: string[] = [];
  has(cause: TradingStateCause, dependency?: string): boolean {
    return [...this.causes.keys()].some((k) => k === `${cause}:${dependency ?? ""}` || (dependency === undefined && k.startsWith(`${cause}:`)));
  }
  async raise(record: { cause: TradingStateCause; state: string; dependency?: string }): Promise<boolean> {
    this.causes.set(`${record.cause}:${record.dependency ?? ""}`, record.state);
    return true;
  }
  async clear(cause: TradingStateCause, _by: unknown, _reason: string, _actor: unknown, dependency?: string): Promise<boolean> {
    this.clears.push(`${cause}:${dependency ?? ""}`);
    return this.causes.delete(`${cause}:${dependency ?? ""}`);
  }
  lastCleanReconciliation(): number | null {
    return this.lastClean;
  }
  async tick(): Promise<void> {}
}

const setup = () => {
  const clock = new ManualClock();
  const keeper = new FakeKeeper();
  const up = { postgres: true, redis: true };
  let reconciliationsRequested = 0;
  const watchdog = new Watchdog({
    clock,
    logger: pino({ level: "silent" }),
    keeper: keeper as unknown as TradingStateKeeper,
    deadmanTimeoutMs: 3_600_000,
    venueFailuresBeforeReducing: 3,
    pingPostgres: async () => up.postgres,
    pingRedis: async () => up.redis,
    requestReconciliation: () => void (reconciliationsRequested += 1),
  });
  return { clock, keeper, up, watchdog, requested: () => reconciliationsRequested };
};

describe("the watchdog's dependency causes", () => {
  it("raise HALTED for PostgreSQL and REDUCING for Redis while they are gone", async () => {
    const { keeper, up, watchdog } = setup();
    up.postgres = false;
    up.redis = false;
    await watchdog.tick();
    expect(Object.fromEntries(keeper.causes)).toEqual({ "dependency-unavailable:postgres": "HALTED", "dependency-unavailable:redis": "REDUCING" });
  });

  it("clear only after a reconciliation that finished once the dependency was back, not one from during the outage", async () => {
    const { clock, keeper, up, watchdog, requested } = setup();
    up.redis = false;
    await watchdog.tick();
    clock.advance(1_000);
    keeper.lastClean = clock.nowMs(); // reconciliation still works without Redis: clean, but during the outage
    clock.advance(1_000);
    up.redis = true;
    await watchdog.tick();
    expect(requested()).toBe(1);
    expect(keeper.has("dependency-unavailable", "redis")).toBe(true);
    clock.advance(1_000);
    await watchdog.tick();
    expect(keeper.has("dependency-unavailable", "redis")).toBe(true);
    keeper.lastClean = clock.nowMs(); // the one asked for at recovery
    clock.advance(1_000);
    await watchdog.tick();
    expect(keeper.has("dependency-unavailable", "redis")).toBe(false);
    expect(requested()).toBe(1);
  });

  it("treat a cause held from before a restart as back at the first tick that sees the dependency", async () => {
    const { clock, keeper, watchdog, requested } = setup();
    await keeper.raise({ cause: "dependency-unavailable", state: "HALTED", dependency: "postgres" });
    keeper.lastClean = clock.nowMs() - 5_000;
    await watchdog.tick();
    expect(requested()).toBe(1);
    expect(keeper.has("dependency-unavailable", "postgres")).toBe(true);
    clock.advance(500);
    keeper.lastClean = clock.nowMs();
    await watchdog.tick();
    expect(keeper.has("dependency-unavailable", "postgres")).toBe(false);
  });

  it("start over when the dependency drops again before a clean reconciliation", async () => {
    const { clock, keeper, up, watchdog, requested } = setup();
    up.postgres = false;
    await watchdog.tick();
    up.postgres = true;
    clock.advance(1_000);
    await watchdog.tick();
    up.postgres = false;
    clock.advance(1_000);
    await watchdog.tick();
    keeper.lastClean = clock.nowMs(); // finished while it was gone again
    up.postgres = true;
    clock.advance(1_000);
    await watchdog.tick();
    expect(keeper.has("dependency-unavailable", "postgres")).toBe(true);
    expect(requested()).toBe(2);
  });
});
