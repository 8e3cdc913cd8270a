import { describe, expect, it } from "vitest";
import { parseProposalId, renderDecision, renderProposalList, type ProposalSummaryView } from "./proposals.js";
import { renderRuns, waitForRun, type RunView } from "./quant.js";

const figures = (returnFraction: number) => ({ trades: 40, netPnlUsd: returnFraction * 1e4, returnFraction, sharpe: 1.2, maxDrawdownFraction: 0.02, winRate: 0.6 });
const proposal: ProposalSummaryView = {
  proposalId: "0f1e2d3c-4b5a-8c7d-9e8f-0a1b2c3d4e5f",
  baseConfigVersion: 2,
  changes: [{ parameter: "takeProfitPercent", fromValue: 3, toValue: 2.6 }],
  outOfSample: figures(0.125),
  baselineOutOfSample: figures(-0.04),
  status: "pending",
  createdAtMs: Date.UTC(2026, 10, 24, 0, 3),
  decidedAtMs: null,
  decidedBy: null,
  decisionReason: null,
  appliedConfigVersion: null,
};

describe("titanctl proposals", () => {
  it("lists one line per proposal with its out-of-sample result against the current parameters", () => {
    const lines = renderProposalList([proposal]).split("\n");
    expect(lines[0]).toMatch(/^PROPOSAL\s+STATUS\s+CREATED\s+BASE\s+OUT OF SAMPLE \(vs current\)\s+CHANGES$/);
    expect(lines[1]).toMatch(/^0f1e2d3c-4b5a-8c7d-9e8f-0a1b2c3d4e5f\s+pending\s+2026-11-24T00:03Z\s+v2\s+\+12\.50% vs -4\.00%\s+takeProfitPercent 3→2\.6$/);
    expect(renderProposalList([])).toBe("no proposals");
  });

  it("says how to undo an approval", () => {
    expect(renderDecision({ proposalId: proposal.proposalId, status: "approved", configVersion: 3, previousVersion: 2 })).toMatch(/version 3 is active \(was 2\); undo with titanctl config rollback 2/);
  });

  it("refuses an argument that is not a proposal id before sending anything", () => {
    expect(parseProposalId(proposal.proposalId.toUpperCase())).toBe(proposal.proposalId);
    expect(() => parseProposalId("latest")).toThrow(/a proposal id is a UUID/);
  });
});

describe("titanctl quant", () => {
  const run = (over: Partial<RunView>): RunView => ({
    id: "7f1e2d3c-4b5a-4c7d-9e8f-0a1b2c3d4e5f",
    trigger: "manual",
    startedAtMs: Date.UTC(2026, 10, 24),
    finishedAtMs: null,
    outcome: null,
    detail: null,
    figures: {},
    progressFraction: 0.4,
    progressDetail: "fold 1 of 3",
    requestedBy: null,
    ...over,
  });

  it("shows a running run's progress and a finished run's outcome", () => {
    const text = renderRuns([run({}), run({ finishedAtMs: Date.UTC(2026, 10, 24, 0, 2), outcome: "succeeded", detail: "no proposal" })]);
    expect(text.split("\n")[1]).toMatch(/40%\s+running\s+fold 1 of 3$/);
    expect(text.split("\n")[2]).toMatch(/120 s\s+succeeded\s+no proposal$/);
  });

  it("waits for the run to end, reporting progress on the way", async () => {
    const answers = [run({}), run({ progressFraction: 0.8 }), run({ finishedAtMs: 1, outcome: "failed", detail: "boom" })];
    const seen: number[] = [];
    const final = await waitForRun(async () => answers.shift() as RunView, { sleep: async () => undefined, onProgress: (f) => seen.push(f) });
    expect(final.outcome).toBe("failed");
    expect(seen).toEqual([0.4, 0.8, 1]);
  });
});
