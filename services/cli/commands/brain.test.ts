import { describe, expect, test } from "vitest";
import { parseWeights, renderBreaker, renderDecisions, renderTradingState } from "./brain.js";

const T0 = Date.UTC(2026, 2, 10, 9);

describe("titanctl's brain commands", () => {
  test("read weights as phase=weight pairs, missing phases at 0", () => {
    expect(parseWeights("1=0.6, 2=0.4")).toEqual({ 1: 0.6, 2: 0.4, 3: 0 });
    expect(() => parseWeights("1=0.5,x=0.5")).toThrow(/'x=0.5' is not <phase>=<weight>/);
    expect(() => parseWeights("1=-1")).toThrow(/not <phase>=<weight>/);
  });

  test("say what the breaker is doing and how to reset it", () => {
    const text = renderBreaker({
      active: "HARD",
      hard: { trigger: "daily-drawdown", trippedAtMs: T0, detail: "daily drawdown 20.00 %" },
      soft: null,
      figures: { equityUsd: 800, startOfDayEquityUsd: 1_000, dailyDrawdownFraction: 0.2, consecutiveLosses: 1 },
      limits: { hardDailyDrawdownRatio: 0.15, hardMinEquityUsd: 150, softConsecutiveLosses: 3, softCooldownMs: 1_800_000 },
    });
    expect(text).toContain("breaker: HARD tripped");
    expect(text).toContain("HARD since 2026-03-10T09:00:00Z (daily-drawdown)");
    expect(text).toContain("titanctl breaker reset --reason");
    expect(text).toContain("drawdown 20.00 %");
  });

  test("list the trading state's causes and the decisions as a table", () => {
    const state = renderTradingState({
      state: "REDUCING",
      sequence: 4,
      tsMs: T0,
      causes: [{ cause: "breaker-soft", state: "REDUCING", raisedBy: { kind: "service", id: "brain" }, raisedAtMs: T0, detail: "3 losses", clearsAtMs: T0 + 1_800_000 }],
    });
    expect(state).toBe("trading state: REDUCING (sequence 4)\n  breaker-soft → REDUCING, raised by service brain at 2026-03-10T09:00:00Z, clears at 2026-03-10T09:30:00Z: 3 losses");
    const table = renderDecisions([
      { decisionId: "d", signalId: "s-1", phase: 1, symbol: "BTCUSDT", side: "long", outcome: "vetoed", reason: "stale", requestedNotionalUsd: 100, authorisedNotionalUsd: null, decidedAtMs: T0 },
    ]);
    expect(table.split("\n")).toEqual([expect.stringMatching(/^DECIDED\s+OUTCOME\s+REASON\s+PHASE/), expect.stringMatching(/^2026-03-10T09:00:00Z\s+vetoed\s+stale\s+1\s+BTCUSDT\s+long\s+100\.00\s+-\s+s-1$/)]);
  });
});
