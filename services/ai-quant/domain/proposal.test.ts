// A proposal is a pure function of what the optimiser decided: the same inputs give the same bytes and
// the same id; any difference in content gives another id. Its plot is a well-formed, self-contained SVG.
import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS } from "../../scavenger/domain/index.js";
import { validateEnvelope, makeEnvelope } from "../../shared/contracts/index.js";
import { ManualClock } from "../../shared/clock.js";
import { judge } from "./acceptance.js";
import type { EquityPoint, WindowFigures } from "./figures.js";
import { buildProposal, proposalMessage, type DataSummary } from "./proposal.js";
import { DEFAULT_QUANT_SETTINGS } from "./quant-settings.js";
import { quantValuesOf } from "./search-space.js";
import type { Side, WalkForwardResult } from "./walk-forward.js";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const current = quantValuesOf(DEFAULT_SCAVENGER_PARAMETERS);

const side = (returnFraction: number, equity: EquityPoint[]): Side => {
  const figures: WindowFigures = { trades: 30, netPnlUsd: returnFraction * 10_000, returnFraction, sharpe: 2.5, maxDrawdownFraction: 0.01, winRate: 0.7, profitFactor: 2, edgeTStat: 4.2 };
  return { figures, result: { figures, trades: [], equity, signals: [], counts: { signals: 30, warmupSignals: 0, skippedPositionOpen: 0, refusedOutOfBand: 0, refusedNoMargin: 0, unfilled: 0 }, replayedTrades: 1 } };
};

const wf = (takeProfitPercent: number): WalkForwardResult => ({
  period: { fromMs: T0, toMs: T0 + 2 * DAY_MS },
  folds: [
    {
      fold: { index: 0, inSample: { fromMs: T0, toMs: T0 + DAY_MS }, outOfSample: { fromMs: T0 + DAY_MS, toMs: T0 + 2 * DAY_MS } },
      proposed: { ...current, takeProfitPercent },
      current,
      trials: 120,
      inSample: { proposed: side(0.3, [{ tsMs: T0, equityUsd: 10_000 }, { tsMs: T0 + 5_000_000, equityUsd: 13_000 }]), current: side(-0.1, [{ tsMs: T0, equityUsd: 10_000 }]) },
      outOfSample: { proposed: side(0.2, [{ tsMs: T0 + DAY_MS, equityUsd: 10_000 }, { tsMs: T0 + DAY_MS + 9e6, equityUsd: 12_000 }]), current: side(-0.05, [{ tsMs: T0 + DAY_MS, equityUsd: 10_000 }]) },
    },
  ],
});

const data: DataSummary = { source: "tape", symbols: ["BTCUSDT"], tapeTrades: 1234, recordedKlines: 0, live: null, fees: "settings", notes: ["a <note> & more"] };
const build = (tp: number) => {
  const result = wf(tp);
  return buildProposal(DEFAULT_SCAVENGER_PARAMETERS, 3, result, judge(result, DEFAULT_QUANT_SETTINGS.acceptance), DEFAULT_QUANT_SETTINGS, data);
};

describe("a proposal", () => {
  it("is the same, byte for byte and id, for the same inputs", () => {
    const a = build(2.4);
    const b = build(2.4);
    expect(b.contentJson).toBe(a.contentJson);
    expect(b.equitySvg).toBe(a.equitySvg);
    expect(b.proposalId).toBe(a.proposalId);
    expect(build(2.41).proposalId).not.toBe(a.proposalId);
  });

  it("carries the diff, the full parameter set, the figures and a reasoning that names the change", () => {
    const { content } = build(2.4);
    expect(content.changes).toEqual([{ parameter: "takeProfitPercent", fromValue: 3, toValue: 2.4 }]);
    expect(content.proposedParameters).toEqual({ ...DEFAULT_SCAVENGER_PARAMETERS, takeProfitPercent: 2.4 });
    expect(content.baseConfigVersion).toBe(3);
    expect(content.outOfSample.returnFraction).toBe(0.2);
    expect(content.baselineOutOfSample.returnFraction).toBe(-0.05);
    expect(content.reasoning).toMatch(/take profit 3 % → 2\.4 %/);
    expect(content.reasoning).toMatch(/Kept as they are .*stop loss/);
    expect(content.checks.every((c) => c.passed)).toBe(true);
  });

  it("becomes a valid bus message", () => {
    const draft = build(2.4);
    const message = proposalMessage(draft.proposalId, draft.content, "pending", T0);
    expect(validateEnvelope(JSON.parse(JSON.stringify(makeEnvelope("proposal", message, { source: "ai-quant", clock: new ManualClock(T0) })))).ok).toBe(true);
  });

  it("plots current against proposed for both windows as a self-contained SVG", () => {
    const svg = build(2.4).equitySvg;
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(4);
    expect(svg).toMatch(/In sample/);
    expect(svg).toMatch(/Out of sample/);
    expect(svg).not.toMatch(/<script|href=|https?:\/\/(?!www\.w3\.org)/);
    // Every opened group is closed.
    expect(svg.match(/<g>/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
  });
});
