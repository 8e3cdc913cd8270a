// AI Quant's acceptance on seeded data (figures are printed for the note): with a planted edge
// the walk-forward finds exits close to the planted ones, which lie off the grid a proposal states values
// on, and proposes them, winning out of sample; on data without an edge it proposes nothing; the same
// inputs give the same proposal byte for byte.
import { afterAll, describe, expect, it } from "vitest";
import { judge } from "../../../services/ai-quant/domain/acceptance.js";
import { buildProposal, type ProposalDraft } from "../../../services/ai-quant/domain/proposal.js";
import { SEARCH_SPACE, presentable } from "../../../services/ai-quant/domain/search-space.js";
import { runWalkForward } from "../../../services/ai-quant/domain/walk-forward.js";
import { CURRENT, EDGE, PLANTED, scenario } from "./scenario.js";

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const report: string[] = [];
afterAll(() => console.log(`AI Quant acceptance figures\n${report.join("\n")}`));

function optimise(seed: number, edge: typeof EDGE | null, folds: number) {
  const { settings, inputs, period, tape } = scenario(seed, edge, folds);
  const started = performance.now();
  const wf = runWalkForward(CURRENT, inputs, period, settings);
  const verdict = judge(wf, settings.acceptance);
  const data = { source: "synthetic" as const, symbols: [...tape.symbols], tapeTrades: tape.tsMs.length, recordedKlines: 0, live: null, fees: "settings" as const, notes: [] };
  const draft = verdict.propose ? buildProposal(CURRENT, 1, wf, verdict, settings, data) : null;
  return { wf, verdict, draft, seconds: (performance.now() - started) / 1000 };
}

describe("AI Quant on seeded data", () => {
  const drafts = new Map<number, ProposalDraft>();

  for (const seed of [1, 2, 3]) {
    it(`finds exits close to the planted ones and proposes them, winning out of sample (seed ${seed})`, () => {
      const { wf, verdict, draft, seconds } = optimise(seed, EDGE, 2);
      const last = wf.folds.at(-1)!;
      const oos = last.outOfSample;
      report.push(
        `planted seed ${seed}: proposed stop ${last.proposed.stopLossPercent} % (planted ${PLANTED.stopLossPercent.toFixed(4)}), target ${last.proposed.takeProfitPercent} % (planted ${PLANTED.takeProfitPercent}); ` +
          `out of sample ${pct(oos.proposed.figures.returnFraction)} vs ${pct(oos.current.figures.returnFraction)} current, max drawdown ${pct(oos.proposed.figures.maxDrawdownFraction)} vs ${pct(oos.current.figures.maxDrawdownFraction)}, ` +
          `${oos.proposed.figures.trades} trades, t ${oos.proposed.figures.edgeTStat?.toFixed(2)}; ${wf.folds.reduce((n, f) => n + f.trials, 0)} backtests in ${seconds.toFixed(1)} s`,
      );
      expect(verdict.checks.filter((c) => !c.passed)).toEqual([]);
      expect(draft).not.toBeNull();
      // Only the exits change: nothing else in this data calls for a change.
      expect(verdict.changes.map((c) => c.parameter)).toEqual(["stopLossPercent", "takeProfitPercent"]);
      expect(Math.abs(last.proposed.stopLossPercent - PLANTED.stopLossPercent)).toBeLessThan(0.1);
      expect(Math.abs(last.proposed.takeProfitPercent - PLANTED.takeProfitPercent)).toBeLessThan(0.15);
      expect(oos.proposed.figures.returnFraction).toBeGreaterThan(0);
      expect(oos.proposed.figures.returnFraction).toBeGreaterThan(oos.current.figures.returnFraction);
      drafts.set(seed, draft!);
    });
  }

  it("plants exits no proposal could state exactly: they lie between the values the search rounds to", () => {
    const stop = SEARCH_SPACE.find((d) => d.name === "stopLossPercent")!;
    const target = SEARCH_SPACE.find((d) => d.name === "takeProfitPercent")!;
    expect(presentable(stop, PLANTED.stopLossPercent)).not.toBe(PLANTED.stopLossPercent);
    expect(presentable(target, PLANTED.takeProfitPercent)).not.toBe(PLANTED.takeProfitPercent);
  });

  for (const seed of [1, 2, 3]) {
    it(`proposes nothing on data without an edge (seed ${seed})`, () => {
      const { wf, verdict, seconds } = optimise(seed, null, 1);
      const oos = wf.folds.at(-1)!.outOfSample;
      const failed = verdict.checks.filter((c) => !c.passed).map((c) => c.rule);
      report.push(
        `no edge seed ${seed}: best in-sample candidate out of sample ${pct(oos.proposed.figures.returnFraction)} vs ${pct(oos.current.figures.returnFraction)} current, ` +
          `t ${oos.proposed.figures.edgeTStat?.toFixed(2) ?? "n/a"}; refused by ${failed.join(", ")} (${seconds.toFixed(1)} s)`,
      );
      expect(verdict.propose).toBe(false);
      expect(failed.length).toBeGreaterThan(0);
    });
  }

  it("gives the same proposal, byte for byte, for the same inputs", () => {
    const first = drafts.get(1);
    expect(first).toBeDefined();
    const again = optimise(1, EDGE, 2).draft!;
    expect(again.contentJson).toBe(first!.contentJson);
    expect(again.equitySvg).toBe(first!.equitySvg);
    expect(again.proposalId).toBe(first!.proposalId);
    report.push(`determinism: proposal ${again.proposalId}, content sha256 ${again.contentSha256}, ${again.contentJson.length} + ${again.equitySvg.length} bytes identical`);
  });
});
