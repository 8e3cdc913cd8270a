// Execution enforces the most restrictive of its own causes and the brain's last publication.
import { describe, expect, it } from "vitest";
import type { TradingState } from "../../shared/contracts/index.js";
import { EMPTY_MODEL, acceptBrainState, enforcedView, heartbeatMissing, isOrderAllowed, raiseCause } from "./trading-state.js";

const brain = (sequence: number, state: TradingState["state"], clearsAtMs?: number): TradingState => ({
  version: 1,
  state,
  causes: state === "ACTIVE" ? [] : [{ cause: "breaker-soft", state: "REDUCING", raisedBy: { kind: "service", id: "brain" }, raisedAtMs: 0, detail: "3 losses", ...(clearsAtMs ? { clearsAtMs } : {}) }],
  publishedBy: "brain",
  sequence,
  tsMs: 0,
});

describe("the trading state execution enforces", () => {
  it("is the most restrictive of its own causes and the brain's", () => {
    const own = raiseCause(EMPTY_MODEL, { cause: "operator-halt", state: "HALTED", raisedBy: { kind: "operator", id: "alice" }, raisedAtMs: 0, detail: "x" });
    if (!own.ok) throw new Error(own.problem);
    expect(enforcedView(EMPTY_MODEL, brain(1, "REDUCING"), 10).state).toBe("REDUCING");
    expect(enforcedView(own.model, brain(1, "REDUCING"), 10).state).toBe("HALTED");
    expect(enforcedView(EMPTY_MODEL, null, 10).state).toBe("ACTIVE");
  });

  it("lets the brain's self-clearing cause expire on time even when the brain has gone quiet", () => {
    expect(enforcedView(EMPTY_MODEL, brain(1, "REDUCING", 1_000), 999).state).toBe("REDUCING");
    expect(enforcedView(EMPTY_MODEL, brain(1, "REDUCING", 1_000), 1_000).state).toBe("ACTIVE");
  });

  it("keeps the newest brain publication and ignores older, repeated or foreign ones", () => {
    const held = brain(5, "REDUCING");
    expect(acceptBrainState(held, brain(4, "ACTIVE"))).toBe(held);
    expect(acceptBrainState(held, brain(5, "ACTIVE"))).toBe(held);
    expect(acceptBrainState(held, { ...brain(9, "ACTIVE"), publishedBy: "execution" })).toBe(held);
    expect(acceptBrainState(held, brain(6, "ACTIVE"))?.sequence).toBe(6);
  });

  it("blocks only entries when restricted", () => {
    expect(isOrderAllowed("HALTED", { purpose: "entry", reduceOnly: false })).toBe(false);
    expect(isOrderAllowed("HALTED", { purpose: "flatten", reduceOnly: true })).toBe(true);
    expect(isOrderAllowed("REDUCING", { purpose: "exit", reduceOnly: true })).toBe(true);
  });

  it("trips the dead-man switch after the timeout, not before", () => {
    expect(heartbeatMissing(0, 59_999, 60_000)).toBe(false);
    expect(heartbeatMissing(0, 60_000, 60_000)).toBe(true);
  });
});
