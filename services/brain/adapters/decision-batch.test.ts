// The pure half of batched decision writes: which copy of a signal is written, how the INSERT's answer
// maps back onto the batch, and the row each decision becomes. The statement itself is exercised on
// PostgreSQL in tests/integration/brain/decision-batch.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../shared/clock.js";
import { makeEnvelope, type Decision } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { decisionRow, firstPerSignal, settle, type PendingDecision } from "./decision-batch.js";

const SIGNAL_IDS = ["6f1c0a52-0000-4000-8000-000000000001", "6f1c0a52-0000-4000-8000-000000000002", "6f1c0a52-0000-4000-8000-000000000003"];

const pendingFor = (signalId: string, decision: Decision = SAMPLE_PAYLOADS.decision): PendingDecision => ({
  envelope: makeEnvelope("signal", { ...SAMPLE_PAYLOADS.signal, signalId }, { source: "scavenger", clock: systemClock }),
  decision: { ...decision, signalId },
  order: decision.outcome === "approved" ? { ...SAMPLE_PAYLOADS["order-command"], signalId } : null,
  decidedAtMs: 1_700_000_000_123,
});

const batchOf = fc.array(fc.constantFrom(...SIGNAL_IDS), { maxLength: 25 }).map((ids) => ids.map((id) => pendingFor(id)));

describe("firstPerSignal", () => {
  it("keeps the first copy of each signal, in batch order", () => {
    fc.assert(
      fc.property(batchOf, (batch) => {
        const firsts = firstPerSignal(batch);
        const ids = firsts.map((p) => p.envelope.payload.signalId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual([...new Set(batch.map((p) => p.envelope.payload.signalId))]);
        for (const p of firsts) expect(batch.find((q) => q.envelope.payload.signalId === p.envelope.payload.signalId)).toBe(p);
      }),
    );
  });

  it("treats a signal id in another letter case as the same signal (PostgreSQL's uuid does)", () => {
    const lower = pendingFor(SIGNAL_IDS[0]!);
    const upper = pendingFor(SIGNAL_IDS[0]!.toUpperCase());
    expect(firstPerSignal([lower, upper])).toEqual([lower]);
  });
});

describe("settle", () => {
  it("marks inserted exactly the first copy of each signal the INSERT returned, and keeps the batch's order", () => {
    fc.assert(
      fc.property(batchOf, fc.subarray(SIGNAL_IDS), (batch, returned) => {
        const candidates = firstPerSignal(batch);
        const settled = settle(batch, candidates, returned.map((id) => id.toUpperCase()));
        expect(settled.map((s) => s.pending)).toEqual(batch);
        for (const { pending, inserted } of settled) {
          const id = pending.envelope.payload.signalId;
          expect(inserted).toBe(returned.includes(id) && candidates.includes(pending));
        }
        // One written decision per returned signal id that was in the batch.
        expect(settled.filter((s) => s.inserted)).toHaveLength(returned.filter((id) => batch.some((p) => p.envelope.payload.signalId === id)).length);
      }),
    );
  });
});

describe("decisionRow", () => {
  it("carries an approval's notional, leverage, order ids and risk", () => {
    const pending = pendingFor(SIGNAL_IDS[0]!);
    expect(decisionRow(pending)).toMatchObject({
      decision_id: SAMPLE_PAYLOADS.decision.decisionId,
      signal_id: SIGNAL_IDS[0],
      message_id: pending.envelope.id,
      outcome: "approved",
      reason: null,
      detail: null,
      requested_notional_usd: 500,
      authorised_notional_usd: 500,
      leverage: 20,
      client_order_id: SAMPLE_PAYLOADS["order-command"].clientOrderId,
      command_id: SAMPLE_PAYLOADS["order-command"].commandId,
      risk: SAMPLE_PAYLOADS.decision.risk,
      signal: pending.envelope.payload,
      signal_ts_ms: SAMPLE_PAYLOADS.signal.tsMs,
      decided_at_ms: 1_700_000_000_123,
    });
  });

  it("carries a veto's reason and detail and no order", () => {
    const { authorisedNotionalUsd: _a, leverage: _l, outcome: _o, ...header } = SAMPLE_PAYLOADS.decision as Extract<Decision, { outcome: "approved" }>;
    const row = decisionRow(pendingFor(SIGNAL_IDS[1]!, { ...header, outcome: "vetoed", reason: "risk-limit", detail: "too big" }));
    expect(row).toMatchObject({ outcome: "vetoed", reason: "risk-limit", detail: "too big", authorised_notional_usd: null, leverage: null, client_order_id: null, command_id: null });
  });

  it("refuses a number JSON cannot carry, naming the column", () => {
    const pending = pendingFor(SIGNAL_IDS[2]!);
    expect(() => decisionRow({ ...pending, decidedAtMs: Number.NaN })).toThrow(/decided_at_ms is NaN/);
    expect(() => decisionRow({ ...pending, decision: { ...pending.decision, leverage: Number.POSITIVE_INFINITY } as Decision })).toThrow(/leverage is Infinity/);
  });
});
