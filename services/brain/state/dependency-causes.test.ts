// The brain's dependency causes: raised fail-closed after enough failed checks in a row (HALTED for
// PostgreSQL, REDUCING for Redis), cleared by themselves after enough answers in a row, and composed
// into the persisted trading state by the one model's rules.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSchema, TradingStateCauseSchema } from "../../shared/contracts/index.js";
import { INITIAL_TRADING_STATE, mostRestrictive, raiseCause, type CauseRecord, type TradingStateModel, type TradingStateName } from "../domain/index.js";
import {
  DEFAULT_DEPENDENCY_WATCH_POLICY,
  DEPENDENCY_CAUSE_STATE,
  INITIAL_DEPENDENCY_WATCH,
  WATCHED_DEPENDENCIES,
  effectiveStateWithHeld,
  heldCauses,
  observeCheck,
  policyProblems,
  type DependencyCheck,
  type DependencyEpisodeEvent,
  type DependencyWatchPolicy,
  type DependencyWatchState,
  type WatchedDependency,
} from "./dependency-causes.js";

const T0 = Date.UTC(2026, 2, 10, 9);

const run = (checks: readonly DependencyCheck[], policy: DependencyWatchPolicy = DEFAULT_DEPENDENCY_WATCH_POLICY) => {
  let state: DependencyWatchState = INITIAL_DEPENDENCY_WATCH;
  const events: DependencyEpisodeEvent[] = [];
  const heldAfter: boolean[] = [];
  for (const check of checks) {
    const next = observeCheck(state, check, policy);
    state = next.state;
    if (next.event) events.push(next.event);
    heldAfter.push(state[check.dependency].held !== null);
  }
  return { state, events, heldAfter };
};

const checksOf = (dependency: WatchedDependency, oks: readonly boolean[], stepMs = 500): DependencyCheck[] => oks.map((ok, i) => ({ dependency, ok, atMs: T0 + i * stepMs }));

const arbPolicy = fc.record({ failuresToRaise: fc.integer({ min: 1, max: 4 }), answersToClear: fc.integer({ min: 1, max: 4 }) });
const arbChecks = fc
  .array(fc.record({ dependency: fc.constantFrom(...WATCHED_DEPENDENCIES), ok: fc.boolean(), gapMs: fc.integer({ min: 0, max: 5_000 }) }), { maxLength: 80 })
  .map((raw) => {
    let atMs = T0;
    return raw.map(({ dependency, ok, gapMs }) => ({ dependency, ok, atMs: (atMs += gapMs) }));
  });

/** Length of the run of equal results ending at `i`, among one dependency's checks. */
const runLength = (oks: readonly boolean[], i: number): number => {
  let n = 0;
  for (let j = i; j >= 0 && oks[j] === oks[i]; j -= 1) n += 1;
  return n;
};

describe("the brain's dependency causes", () => {
  it("raise HALTED for PostgreSQL and REDUCING for Redis after two failed checks in a row, each naming its dependency", () => {
    const { state, events } = run([...checksOf("postgres", [false, false]), ...checksOf("redis", [false, false])]);
    expect(heldCauses(state).map((c) => [c.dependency, c.state])).toEqual([
      ["postgres", "HALTED"],
      ["redis", "REDUCING"],
    ]);
    expect(events.map((e) => e.kind)).toEqual(["raised", "raised"]);
    for (const cause of heldCauses(state)) {
      expect(cause).toMatchObject({ cause: "dependency-unavailable", raisedBy: { kind: "service", id: "brain" } });
      expect(checkSchema(TradingStateCauseSchema, cause).ok).toBe(true);
    }
  });

  it("do not raise for one failed check between answers (a slow answer on a busy machine)", () => {
    const { events, state } = run(checksOf("postgres", [true, false, true, false, true]));
    expect(events).toEqual([]);
    expect(heldCauses(state)).toEqual([]);
  });

  it("clear by themselves at the first answer once raised, with the episode's times", () => {
    const { events, state } = run(checksOf("redis", [false, false, false, true], 1_000));
    expect(events.map((e) => e.kind)).toEqual(["raised", "cleared"]);
    const cleared = events[1] as Extract<DependencyEpisodeEvent, { kind: "cleared" }>;
    expect(cleared.record.raisedAtMs).toBe(T0 + 1_000);
    expect(cleared.clearedAtMs).toBe(T0 + 3_000);
    expect(heldCauses(state)).toEqual([]);
  });

  it("property: held exactly when the last raising run of failures has not been followed by enough answers", () => {
    fc.assert(
      fc.property(arbChecks, arbPolicy, (checks, policy) => {
        const { heldAfter } = run(checks, policy);
        // Per dependency, replay the rule by hand: raise on a failure run reaching the policy, clear on an answer run reaching it.
        for (const dependency of WATCHED_DEPENDENCIES) {
          const indices = checks.flatMap((c, i) => (c.dependency === dependency ? [i] : []));
          const oks = indices.map((i) => checks[i]!.ok);
          let held = false;
          oks.forEach((ok, k) => {
            const length = runLength(oks, k);
            if (!ok && length >= policy.failuresToRaise) held = true;
            if (ok && length >= policy.answersToClear) held = false;
            expect(heldAfter[indices[k]!]).toBe(held);
          });
        }
      }),
    );
  });

  it("property: per dependency the events alternate raised, cleared, …, each clear names its raise, and times never run backwards", () => {
    fc.assert(
      fc.property(arbChecks, arbPolicy, (checks, policy) => {
        const { events, state } = run(checks, policy);
        for (const dependency of WATCHED_DEPENDENCIES) {
          const mine = events.filter((e) => e.record.dependency === dependency);
          mine.forEach((e, i) => {
            expect(e.kind).toBe(i % 2 === 0 ? "raised" : "cleared");
            expect(e.record.state).toBe(DEPENDENCY_CAUSE_STATE[dependency]);
            if (e.kind === "cleared") {
              expect(e.record).toBe(mine[i - 1]!.record);
              expect(e.clearedAtMs).toBeGreaterThanOrEqual(e.record.raisedAtMs);
            }
          });
          // Still held exactly when the last event was a raise.
          expect(state[dependency].held !== null).toBe(mine.at(-1)?.kind === "raised");
        }
      }),
    );
  });

  it("property: composed with any persisted causes, the effective state is the most restrictive of both", () => {
    const persisted: readonly CauseRecord[] = [
      { cause: "breaker-soft", state: "REDUCING", raisedBy: { kind: "service", id: "brain" }, raisedAtMs: T0, detail: "3 losses", clearsAtMs: T0 + 1_800_000 },
      { cause: "operator-halt", state: "HALTED", raisedBy: { kind: "operator", id: "alice" }, raisedAtMs: T0, detail: "maintenance" },
    ];
    fc.assert(
      fc.property(fc.subarray([...persisted]), fc.subarray([...WATCHED_DEPENDENCIES]), fc.integer({ min: 0, max: 3_600_000 }), (kept, down, offsetMs) => {
        const nowMs = T0 + offsetMs;
        let model: TradingStateModel = INITIAL_TRADING_STATE;
        for (const c of kept) {
          const raised = raiseCause(model, c);
          if (!raised.ok) throw new Error(raised.problem);
          model = raised.model;
        }
        const { state } = run(down.flatMap((d) => checksOf(d, [false, false])));
        const held = heldCauses(state);
        const persistedState = kept.filter((c) => c.clearsAtMs === undefined || nowMs < c.clearsAtMs).reduce<TradingStateName>((s, c) => mostRestrictive(s, c.state), "ACTIVE");
        const expected = held.reduce((s, c) => mostRestrictive(s, c.state), persistedState);
        expect(effectiveStateWithHeld(model, held, nowMs)).toBe(expected);
      }),
    );
  });

  it("name what is wrong with a policy", () => {
    expect(policyProblems(DEFAULT_DEPENDENCY_WATCH_POLICY)).toEqual([]);
    expect(policyProblems({ failuresToRaise: 0, answersToClear: 1.5 })).toEqual([
      "failuresToRaise must be a whole number of checks ≥ 1, not 0",
      "answersToClear must be a whole number of checks ≥ 1, not 1.5",
    ]);
  });
});
