import { describe, expect, it } from "vitest";
import { isSettled, runVerdict, summariseSignalRun, type SignalOutcomeRow } from "./outcomes.js";

const row = (over: Partial<SignalOutcomeRow>): SignalOutcomeRow => ({
  signalId: "s",
  signalTsMs: 1_000,
  relayedAtMs: 1_002,
  decidedAtMs: 1_005,
  outcome: "approved",
  reason: null,
  receivedAtMs: 1_008,
  ackedAtMs: 1_010,
  commandStatus: "submitted",
  refusalReason: null,
  rejectedReason: null,
  ...over,
});

describe("what became of the signals", () => {
  it("times each acknowledged signal from its tsMs to the venue's acknowledgement, hop by hop", () => {
    const s = summariseSignalRun([row({}), row({ signalTsMs: 2_000, relayedAtMs: 2_001, decidedAtMs: 2_030, receivedAtMs: 2_035, ackedAtMs: 2_040 })]);
    expect(s).toMatchObject({ offered: 2, decided: 2, approved: 2, acked: 2, unsettled: 0, notSubmitted: {} });
    expect(s.ackLatenciesSeconds).toEqual([0.01, 0.04]);
    expect(s.signalToAck).toMatchObject({ p50Seconds: 0.01, maxSeconds: 0.04 });
    expect(s.hops.busToDecision).toMatchObject({ minSeconds: 0.003, maxSeconds: 0.029 });
    expect(s.hops.executionToAck).toMatchObject({ minSeconds: 0.002, maxSeconds: 0.005 });
    // Two acknowledgements from the first signal (1.000 s) to the last acknowledgement (2.040 s).
    expect(s.acksPerSecond).toBeCloseTo(2 / 1.04, 10);
  });

  it("names why the others never reached the venue", () => {
    const s = summariseSignalRun([
      row({ outcome: "vetoed", reason: "stale", receivedAtMs: null, ackedAtMs: null, commandStatus: null }),
      row({ outcome: "vetoed", reason: "stale", receivedAtMs: null, ackedAtMs: null, commandStatus: null }),
      row({ ackedAtMs: null, commandStatus: "refused", refusalReason: "price-out-of-band" }),
      row({ decidedAtMs: null, outcome: null, rejectedReason: "unknown-symbol", receivedAtMs: null, ackedAtMs: null, commandStatus: null }),
      row({ decidedAtMs: null, outcome: null, receivedAtMs: null, ackedAtMs: null, commandStatus: null }),
    ]);
    expect(s.acked).toBe(0);
    expect(s.signalToAck).toBeUndefined();
    expect(s.notSubmitted).toEqual({ "vetoed:stale": 2, "refused:price-out-of-band": 1, "rejected:unknown-symbol": 1, undecided: 1 });
    expect(s.unsettled).toBe(1);
  });

  it("count a signal settled once decided, and an approved one only once its command is acknowledged or closed", () => {
    expect(isSettled(row({}))).toBe(true);
    expect(isSettled(row({ ackedAtMs: null, commandStatus: "pending" }))).toBe(false);
    expect(isSettled(row({ ackedAtMs: null, commandStatus: null }))).toBe(false);
    expect(isSettled(row({ ackedAtMs: null, commandStatus: "refused" }))).toBe(true);
    expect(isSettled(row({ outcome: "vetoed", ackedAtMs: null, commandStatus: null }))).toBe(true);
    expect(isSettled(row({ decidedAtMs: null, outcome: null }))).toBe(false);
  });

  it("tells an overloaded run (every signal vetoed) from a broken one", () => {
    expect(runVerdict({ acked: 3, notSubmitted: { "vetoed:stale": 10 } })).toBe("measured");
    expect(runVerdict({ acked: 0, notSubmitted: { "vetoed:stale": 10, "vetoed:zero-allocation": 2 } })).toBe("saturated");
    expect(runVerdict({ acked: 0, notSubmitted: { "vetoed:stale": 10, "refused:expired": 1 } })).toBe("broken");
    expect(runVerdict({ acked: 0, notSubmitted: {} })).toBe("broken");
  });
});
