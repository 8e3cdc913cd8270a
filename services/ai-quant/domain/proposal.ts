// A proposal as the optimiser decides it: the parameter diff, the full parameter set an approval would
// create, in- and out-of-sample figures against the current parameters, every walk-forward fold, the
// checks, a reasoning an operator can read, and the equity plot. A pure function of its inputs; the id
// is derived from the content, so the same inputs give the same proposal byte for byte, and storing it
// twice stores it once.

import { createHash } from "node:crypto";
import { canonicalJson } from "../../shared/audit/canonical-json.js";
import type { BacktestFigures, Proposal } from "../../shared/contracts/index.js";
import type { ScavengerParameters } from "../../scavenger/domain/index.js";
import type { Check, ParameterChange, Verdict } from "./acceptance.js";
import type { LiveSummary } from "./closed-trades.js";
import { renderEquitySvg } from "./equity-svg.js";
import { contractFigures, type Window, type WindowFigures } from "./figures.js";
import type { QuantSettings } from "./quant-settings.js";
import { SEARCH_SPACE, withValues, type QuantParameter } from "./search-space.js";
import type { WalkForwardResult } from "./walk-forward.js";

export interface DataSummary {
  readonly source: "tape" | "synthetic";
  readonly symbols: readonly string[];
  readonly tapeTrades: number;
  /** How windows were warmed up: bars from the tape, or recorded klines where the tape had none. */
  readonly recordedKlines: number;
  readonly live: LiveSummary | null;
  /** Where the fee rates came from. */
  readonly fees: "settings" | "observed fills";
  /** Anything the run could not read, said plainly. */
  readonly notes: readonly string[];
}

export interface FoldSummary {
  readonly inSampleWindow: Window;
  readonly outOfSampleWindow: Window;
  readonly backtests: number;
  readonly proposed: Readonly<Record<QuantParameter, number>>;
  readonly outOfSample: BacktestFigures;
  readonly baselineOutOfSample: BacktestFigures;
}

export interface ProposalContent {
  readonly targetService: "scavenger";
  readonly baseConfigVersion: number;
  readonly changes: readonly ParameterChange[];
  /** The complete parameter set approval creates as a new version. */
  readonly proposedParameters: ScavengerParameters;
  readonly period: Window;
  readonly inSampleWindow: Window;
  readonly outOfSampleWindow: Window;
  readonly inSample: BacktestFigures;
  readonly outOfSample: BacktestFigures;
  readonly baselineInSample: BacktestFigures;
  readonly baselineOutOfSample: BacktestFigures;
  readonly edgeTStat: number | null;
  readonly walkForward: readonly FoldSummary[];
  readonly checks: readonly Check[];
  readonly reasoning: string;
  readonly settings: QuantSettings;
  readonly data: DataSummary;
}

export interface ProposalDraft {
  readonly proposalId: string;
  readonly content: ProposalContent;
  /** canonicalJson(content): what the id and the checksum are computed from. */
  readonly contentJson: string;
  readonly contentSha256: string;
  readonly equitySvg: string;
}

const LABELS: Readonly<Record<QuantParameter, { name: string; unit: string }>> = {
  maxLeverage: { name: "max leverage", unit: "x" },
  stopLossPercent: { name: "stop loss", unit: " %" },
  takeProfitPercent: { name: "take profit", unit: " %" },
  riskPerTradePercent: { name: "risk per trade", unit: " %" },
  maxDailyLossPercent: { name: "max daily loss", unit: " %" },
  maxPositionSizePercent: { name: "max position size", unit: " % of allocation" },
  maxOpenPositions: { name: "max open positions", unit: "" },
  cooldownSeconds: { name: "cooldown", unit: " s" },
};

const pct = (fraction: number): string => `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(2)} %`;
const pct0 = (fraction: number): string => `${(fraction * 100).toFixed(2)} %`;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
const span = (w: Window): string => `${day(w.fromMs)} – ${day(w.toMs)} UTC`;
const num = (x: number | null, digits = 2): string => (x === null ? "n/a" : Number.isFinite(x) ? x.toFixed(digits) : x > 0 ? "∞" : "-∞");

function describeFigures(f: WindowFigures | BacktestFigures): string {
  return `return ${pct(f.returnFraction)} (${f.netPnlUsd.toFixed(2)} USD), max drawdown ${pct0(f.maxDrawdownFraction)}, ${f.trades} trades, win rate ${f.winRate === null ? "n/a" : pct0(f.winRate)}, Sharpe ${num(f.sharpe)}`;
}

function reasoningOf(wf: WalkForwardResult, verdict: Verdict, data: DataSummary): string {
  const last = wf.folds.at(-1) as WalkForwardResult["folds"][number];
  const changed = verdict.changes.map((c) => `${LABELS[c.parameter].name} ${c.fromValue}${LABELS[c.parameter].unit} → ${c.toValue}${LABELS[c.parameter].unit}`);
  const kept = SEARCH_SPACE.filter((d) => !verdict.changes.some((c) => c.parameter === d.name)).map((d) => LABELS[d.name].name);
  const lines = [
    `Walk-forward over ${wf.folds.length} fold(s), ${span(wf.period)}, on ${data.tapeTrades.toLocaleString("en-US")} ${data.source === "tape" ? "recorded" : "synthetic"} trades of ${data.symbols.join(", ")}.`,
    `The proposal was searched on ${span(last.fold.inSample)} (${last.trials} backtests) and tested on ${span(last.fold.outOfSample)}, which the search never saw.`,
    `Proposed: ${changed.join("; ")}.`,
    `Out of sample: ${describeFigures(last.outOfSample.proposed.figures)}; edge t-statistic ${num(last.outOfSample.proposed.figures.edgeTStat)}.`,
    `Current parameters, same window: ${describeFigures(last.outOfSample.current.figures)}.`,
    `In sample: ${describeFigures(last.inSample.proposed.figures)}; current ${describeFigures(last.inSample.current.figures)}.`,
    ...wf.folds.map(
      (f) =>
        `Fold ${f.fold.index + 1}: searched ${span(f.fold.inSample)}, out of sample ${pct(f.outOfSample.proposed.figures.returnFraction)} against ${pct(f.outOfSample.current.figures.returnFraction)} for the current parameters.`,
    ),
    kept.length > 0 ? `Kept as they are (the data did not call for a change): ${kept.join(", ")}.` : "Every searched parameter changes.",
    `Checks: ${verdict.checks.map((c) => `${c.rule} ${c.passed ? "passed" : "FAILED"} (${c.detail})`).join("; ")}.`,
    data.live
      ? `Live trading in the period: ${data.live.closedTrades} closed trades (${data.live.wins} won), net ${data.live.netPnlUsd.toFixed(2)} USD after ${data.live.feesUsd.toFixed(2)} USD fees, from ${data.live.fills} fills; fee rates from ${data.fees}.`
      : `No live trades were read for the period; fee rates from ${data.fees}.`,
    ...data.notes.map((note) => `Note: ${note}.`),
  ];
  return lines.join("\n");
}

/** A UUID (RFC 9562 version 8) from SHA-256 of the content: the same proposal always has the same id. */
export function proposalIdFor(contentJson: string): string {
  const bytes = createHash("sha256").update(`ai-quant-proposal\n${contentJson}`, "utf8").digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function buildProposal(
  current: ScavengerParameters,
  baseConfigVersion: number,
  wf: WalkForwardResult,
  verdict: Verdict,
  settings: QuantSettings,
  data: DataSummary,
): ProposalDraft {
  const last = wf.folds.at(-1);
  if (!last) throw new RangeError("a proposal needs at least one walk-forward fold");
  const content: ProposalContent = {
    targetService: "scavenger",
    baseConfigVersion,
    changes: verdict.changes,
    proposedParameters: withValues(current, last.proposed),
    period: wf.period,
    inSampleWindow: last.fold.inSample,
    outOfSampleWindow: last.fold.outOfSample,
    inSample: contractFigures(last.inSample.proposed.figures),
    outOfSample: contractFigures(last.outOfSample.proposed.figures),
    baselineInSample: contractFigures(last.inSample.current.figures),
    baselineOutOfSample: contractFigures(last.outOfSample.current.figures),
    edgeTStat: Number.isFinite(last.outOfSample.proposed.figures.edgeTStat ?? Number.NaN) ? last.outOfSample.proposed.figures.edgeTStat : null,
    walkForward: wf.folds.map((f) => ({
      inSampleWindow: f.fold.inSample,
      outOfSampleWindow: f.fold.outOfSample,
      backtests: f.trials,
      proposed: f.proposed,
      outOfSample: contractFigures(f.outOfSample.proposed.figures),
      baselineOutOfSample: contractFigures(f.outOfSample.current.figures),
    })),
    checks: verdict.checks,
    reasoning: reasoningOf(wf, verdict, data),
    settings,
    data,
  };
  const contentJson = canonicalJson(content);
  const proposalId = proposalIdFor(contentJson);
  const equitySvg = renderEquitySvg(`AI Quant proposal ${proposalId.slice(0, 8)}: equity, current against proposed`, [
    { title: "In sample (searched)", window: last.fold.inSample, current: last.inSample.current.result.equity, proposed: last.inSample.proposed.result.equity },
    { title: "Out of sample (never seen)", window: last.fold.outOfSample, current: last.outOfSample.current.result.equity, proposed: last.outOfSample.proposed.result.equity },
  ]);
  return { proposalId, content, contentJson, contentSha256: createHash("sha256").update(contentJson, "utf8").digest("hex"), equitySvg };
}

/** The bus message of a stored proposal. */
export function proposalMessage(
  proposalId: string,
  content: ProposalContent,
  status: Proposal["status"],
  tsMs: number,
  decision?: { readonly decidedBy: { kind: "operator" | "service" | "system"; id: string }; readonly reason: string },
): Proposal {
  return {
    version: 1,
    proposalId,
    targetService: content.targetService,
    baseConfigVersion: content.baseConfigVersion,
    changes: content.changes.map((c) => ({ parameter: c.parameter, fromValue: c.fromValue, toValue: c.toValue })),
    inSampleWindow: content.inSampleWindow,
    outOfSampleWindow: content.outOfSampleWindow,
    inSample: content.inSample,
    outOfSample: content.outOfSample,
    baselineOutOfSample: content.baselineOutOfSample,
    reasoning: content.reasoning.slice(0, 20_000),
    status,
    ...(decision ? { decidedBy: decision.decidedBy, decisionReason: decision.reason } : {}),
    tsMs,
  };
}
