// The dependency watch's shell around the pure rule: checks with a deadline on the injected clock, the
// held causes, and the audit entries that wait for PostgreSQL (written at once during a Redis outage,
// only after recovery for a PostgreSQL one).
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.js";
import { INITIAL_TRADING_STATE } from "../domain/index.js";
import { DependencyWatch, episodeAuditEvent, type EpisodeEntry } from "./dependency-watch.js";

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const setup = (over: { failRecord?: () => boolean } = {}) => {
  const clock = new ManualClock();
  const up = { postgres: true, redis: true };
  const recoveringSeen: boolean[] = [];
  const recorded: EpisodeEntry[][] = [];
  let changes = 0;
  const watch = new DependencyWatch({
    clock,
    logger: pino({ level: "silent" }),
    intervalMs: 500,
    timeoutMs: 1_000,
    checks: {
      postgres: async (recovering) => {
        recoveringSeen.push(recovering);
        return up.postgres;
      },
      redis: async () => up.redis,
    },
    persisted: () => INITIAL_TRADING_STATE,
    record: async (entries) => {
      // Like the real writer: nothing is written while PostgreSQL is down.
      if (!up.postgres || over.failRecord?.()) throw new Error("PostgreSQL did not take the audit events");
      recorded.push([...entries]);
    },
    onChange: () => void (changes += 1),
  });
  const round = async () => {
    await watch.tick();
    await settle();
    clock.advance(500);
  };
  return { clock, up, watch, recorded, recoveringSeen, round, changes: () => changes };
};

describe("the brain's dependency watch", () => {
  it("holds REDUCING while Redis is down, audits the raise at once and the clear when it answers again", async () => {
    const { up, watch, recorded, round, changes } = setup();
    await round();
    expect(watch.causes()).toEqual([]);
    up.redis = false;
    await round();
    expect(watch.causes()).toEqual([]); // one failed round is not an outage yet
    await round();
    expect(watch.causes().map((c) => [c.dependency, c.state])).toEqual([["redis", "REDUCING"]]);
    expect(changes()).toBe(1);
    expect(recorded.flat().map((e) => e.event.kind)).toEqual(["raised"]);
    expect(recorded[0]![0]).toMatchObject({ before: { state: "ACTIVE", causes: [] }, after: { state: "REDUCING" } });
    up.redis = true;
    await round();
    expect(watch.causes()).toEqual([]);
    expect(changes()).toBe(2);
    expect(recorded.flat().map((e) => e.event.kind)).toEqual(["raised", "cleared"]);
    expect(watch.pendingEntries).toBe(0);
  });

  it("holds HALTED while PostgreSQL is down, checks its recovery as such, and audits the whole episode once it is back", async () => {
    const { up, watch, recorded, recoveringSeen, round } = setup();
    up.postgres = false;
    await round();
    await round();
    await round();
    expect(watch.causes().map((c) => [c.dependency, c.state])).toEqual([["postgres", "HALTED"]]);
    expect(recorded).toEqual([]);
    expect(watch.pendingEntries).toBe(1);
    up.postgres = true;
    await round();
    expect(watch.causes()).toEqual([]);
    expect(recoveringSeen).toEqual([false, false, true, true]);
    // One write, raise then clear, with the episode's own times.
    expect(recorded.map((batch) => batch.map((e) => e.event.kind))).toEqual([["raised", "cleared"]]);
    const clear = episodeAuditEvent(recorded[0]![1]!);
    expect(clear).toMatchObject({ action: "trading-state.change", target: "trading-state:brain", reason: "postgres is back: HALTED → ACTIVE" });
    expect(clear.after).toMatchObject({ cause: "dependency-unavailable", dependency: "postgres", downForMs: 1_000 });
  });

  it("counts a check that does not answer within its timeout as failed", async () => {
    const clock = new ManualClock();
    const watch = new DependencyWatch({
      clock,
      logger: pino({ level: "silent" }),
      timeoutMs: 1_000,
      policy: { failuresToRaise: 1, answersToClear: 1 },
      checks: { postgres: async () => true, redis: () => new Promise<boolean>(() => undefined) },
      persisted: () => INITIAL_TRADING_STATE,
      record: async () => undefined,
      onChange: () => undefined,
    });
    const round = watch.tick();
    await settle();
    expect(watch.causes()).toEqual([]); // still waiting for the answer
    clock.advance(1_000);
    await round;
    expect(watch.causes().map((c) => c.dependency)).toEqual(["redis"]);
  });

  it("keeps audit entries PostgreSQL refused and writes them at a later round", async () => {
    let refuse = true;
    const { up, watch, recorded, round } = setup({ failRecord: () => refuse });
    up.redis = false;
    await round();
    await round();
    expect(watch.pendingEntries).toBe(1);
    expect(recorded).toEqual([]);
    refuse = false;
    await round();
    expect(recorded.flat().map((e) => e.event.kind)).toEqual(["raised"]);
    expect(watch.pendingEntries).toBe(0);
  });

  it("runs its rounds on the injected clock until stopped", async () => {
    const { clock, up, watch } = setup();
    up.redis = false;
    watch.start();
    clock.advance(0);
    await settle();
    clock.advance(500);
    await settle();
    expect(watch.causes().map((c) => c.dependency)).toEqual(["redis"]);
    await watch.stop();
    up.redis = true;
    clock.advance(5_000);
    await settle();
    expect(watch.causes().map((c) => c.dependency)).toEqual(["redis"]);
  });

  it("refuses a timing or policy that cannot work, naming each problem", () => {
    const make = () =>
      new DependencyWatch({
        clock: new ManualClock(),
        logger: pino({ level: "silent" }),
        intervalMs: 0,
        policy: { failuresToRaise: 0, answersToClear: 1 },
        checks: { postgres: async () => true, redis: async () => true },
        persisted: () => INITIAL_TRADING_STATE,
        record: async () => undefined,
        onChange: () => undefined,
      });
    expect(make).toThrow("dependency watch: failuresToRaise must be a whole number of checks ≥ 1, not 0; intervalMs must be a positive number of milliseconds, not 0");
  });
});
