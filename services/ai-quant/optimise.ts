// One AI Quant run, the recipe of domain.md "AI Quant": read the scavenger's active version, the
// period's closed trades (and the fees they paid) and market data; walk forward (search each in-sample window, test on the next);
// judge; write a proposal when it passes. Nothing is applied here: approval does that. The tape is loaded
// fold by fold (two windows and the warm-up at a time), so a month of trades never sits in memory at once.
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Logger } from "pino";
import type { Clock } from "../shared/clock.js";
import type { Database } from "../shared/db/database.js";
import type { ServiceMetrics } from "../shared/metrics.js";
import type { KlineInput } from "../scavenger/domain/index.js";
import { storeProposal } from "./adapters/proposal-store.js";
import { listDays, utcDay } from "../execution/market-data/tape/paths.js";
import { readActiveScavengerConfig, readClosedTrips, readFills, readKlines, readTape, tapeSymbols } from "./adapters/sources.js";
import { syntheticDataset } from "./adapters/synthetic-data.js";
import { judge } from "./domain/acceptance.js";
import { liveSummary, type LiveSummary } from "./domain/closed-trades.js";
import { windowInputs, type Dataset } from "./domain/dataset.js";
import type { Window } from "./domain/figures.js";
import { buildProposal, type DataSummary } from "./domain/proposal.js";
import type { QuantSettings } from "./domain/quant-settings.js";
import { searchBudget } from "./domain/optimiser.js";
import { sliceTape } from "./domain/tape.js";
import { foldSteps, foldWindows, type FoldResult } from "./domain/walk-forward.js";
import type { RunContext, RunResult } from "./job.js";

export interface OptimiseOptions {
  readonly period: Window;
  readonly data: "tape" | "synthetic";
  readonly tapeDir: string;
  /** Symbols to use (all on tape by default; the synthetic market's defaults for synthetic data). */
  readonly symbols?: readonly string[];
  readonly settings: QuantSettings;
  /** Seeds the synthetic market. */
  readonly dataSeed: number;
  /**
   * How long to keep trying when the role cannot read the scavenger's versions yet: on a fresh stack the
   * job may start before the scavenger's migrations have granted it (0 = fail at once).
   */
  readonly readAccessWaitMs?: number;
}

const READ_ACCESS_RETRY_MS = 2_000;

export interface OptimiseDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
}

/** Fills of a fee kind needed before their observed rate replaces the configured one. */
const MIN_FILLS_FOR_FEES = 20;
/** Give the event loop a turn (progress writes, signals) this often during the CPU-bound search. */
const YIELD_EVERY_MS = 50;

type SpanLoader = (fromMs: number, toMs: number) => Promise<Dataset>;

export async function optimiseRun(deps: OptimiseDeps, opts: OptimiseOptions, ctx: RunContext): Promise<RunResult> {
  const { db, clock, logger } = deps;
  const notes: string[] = [];
  let active = await readActiveScavengerConfig(db);
  for (let waitedMs = 0; !active.ok && waitedMs < (opts.readAccessWaitMs ?? 0); waitedMs += READ_ACCESS_RETRY_MS) {
    logger.info({ note: active.note }, "waiting for read access to the scavenger's parameter versions (its migrations grant it)");
    await new Promise<void>((resolve) => clock.setTimer(READ_ACCESS_RETRY_MS, resolve));
    active = await readActiveScavengerConfig(db);
  }
  if (!active.ok) throw new Error(`${active.note}: the ai-quant role needs SELECT on scavenger.config_versions`);
  if (active.value === null) return { outcome: "skipped", detail: "the scavenger has no active parameter version yet (it creates version 1 at first start)" };
  const current = active.value.parameters;
  const { period, settings } = opts;
  const warmupMs = settings.walkForward.warmupMs;
  const intervals = [...new Set([current.universe.barInterval, "5m"])];

  ctx.progress(0, "reading market data");
  let loadSpan: SpanLoader;
  let symbols: readonly string[];
  let recordedKlines: KlineInput[] = [];
  if (opts.data === "synthetic") {
    symbols = opts.symbols && opts.symbols.length > 0 ? opts.symbols : ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
    const all = await syntheticDataset(opts.dataSeed, symbols, period.fromMs - warmupMs, period.toMs, intervals, (f) => ctx.progress(0.1 * f, "generating synthetic market data"));
    recordedKlines = [...all.klines];
    loadSpan = async (fromMs, toMs) => ({ tape: sliceTape(all.tape, fromMs, toMs), klines: recordedKlines });
  } else {
    // Which symbols have tape in the period, from the folder listing: the trades are read fold by fold.
    const candidates = opts.symbols && opts.symbols.length > 0 ? opts.symbols : await tapeSymbols(opts.tapeDir);
    const firstDay = utcDay(period.fromMs - warmupMs);
    const lastDay = utcDay(period.toMs - 1);
    const withDays = await Promise.all(candidates.map(async (s) => ((await listDays(opts.tapeDir, s)).some((d) => d >= firstDay && d <= lastDay) ? s : null)));
    const onTape = withDays.filter((s): s is string => s !== null);
    if (onTape.length === 0) return { outcome: "skipped", detail: `no recorded trades between ${iso(period.fromMs)} and ${iso(period.toMs)} in ${opts.tapeDir}` };
    symbols = onTape;
    const klines = await readKlines(db, onTape, intervals, period.fromMs - warmupMs, period.toMs);
    if (klines.ok) recordedKlines = klines.value;
    else notes.push(klines.note);
    loadSpan = async (fromMs, toMs) => {
      const read = await readTape(opts.tapeDir, fromMs, toMs, onTape);
      for (const problem of read.problems) if (!notes.includes(problem)) notes.push(problem);
      return { tape: read.tape, klines: recordedKlines };
    };
  }

  const [trips, fills] = [await readClosedTrips(db, period.fromMs, period.toMs), await readFills(db, period.fromMs, period.toMs)];
  if (!trips.ok) notes.push(trips.note);
  if (!fills.ok) notes.push(fills.note);
  const live: LiveSummary | null = trips.ok || fills.ok ? liveSummary(trips.ok ? trips.value : [], fills.ok ? fills.value : [], MIN_FILLS_FOR_FEES) : null;
  const effective: QuantSettings =
    live && (live.makerFeeRate !== null || live.takerFeeRate !== null)
      ? {
          ...settings,
          backtest: { ...settings.backtest, makerFeeRate: live.makerFeeRate ?? settings.backtest.makerFeeRate, takerFeeRate: live.takerFeeRate ?? settings.backtest.takerFeeRate },
        }
      : settings;

  const plan = foldWindows(period, settings.walkForward.folds);
  const budget = searchBudget(settings.search);
  const folds: FoldResult[] = [];
  const started = clock.monotonicMs();
  let replayedTrades = 0;
  let backtests = 0;
  let periodTrades = 0;
  let periodMarketEvents = 0;
  const traded = new Set<string>();
  for (const fold of plan) {
    const span = await loadSpan(fold.inSample.fromMs - warmupMs, fold.outOfSample.toMs);
    const inputs = windowInputs(span, current, warmupMs);
    const steps = foldSteps(current, inputs, fold, effective);
    let trial = 0;
    let lastYieldMs = clock.monotonicMs();
    for (;;) {
      const step = steps.next();
      if (step.done) {
        folds.push(step.value);
        break;
      }
      trial++;
      if (clock.monotonicMs() - lastYieldMs >= YIELD_EVERY_MS) {
        ctx.progress(0.1 + (0.85 * (fold.index + Math.min(1, trial / budget))) / plan.length, `fold ${fold.index + 1} of ${plan.length}: backtest ${trial} of at most ${budget}`);
        await yieldToLoop();
        lastYieldMs = clock.monotonicMs();
      }
    }
    const isRows = inputs(fold.inSample).tape.tsMs.length;
    const oosRows = inputs(fold.outOfSample).tape.tsMs.length;
    replayedTrades += (trial + 2) * isRows + 2 * oosRows;
    backtests += trial + 4;
    periodTrades += (fold.index === 0 ? isRows : 0) + oosRows;
    const eventRows = (window: Window) => inputs(window).tape.marketEvents?.tsMs.length ?? 0;
    periodMarketEvents += (fold.index === 0 ? eventRows(fold.inSample) : 0) + eventRows(fold.outOfSample);
    for (const s of span.tape.symbols) traded.add(s);
  }
  const elapsedSeconds = Math.max(1e-3, (clock.monotonicMs() - started) / 1000);

  ctx.progress(0.95, "judging");
  const wf = { period, folds };
  const verdict = judge(wf, settings.acceptance);
  if (periodTrades === 0) return { outcome: "skipped", detail: `no trades of ${symbols.join(", ")} between ${iso(period.fromMs)} and ${iso(period.toMs)}` };
  if (periodMarketEvents === 0)
    notes.push("no open interest, funding or spot prices recorded for the period: the oi-wipeout, funding-squeeze and basis detectors could not fire in the backtests");
  const data: DataSummary = {
    source: opts.data,
    symbols: [...traded].sort(),
    tapeTrades: periodTrades,
    recordedKlines: recordedKlines.length,
    live,
    fees: effective === settings ? "settings" : "observed fills",
    notes,
  };
  const last = folds.at(-1) as FoldResult;
  const figures: Record<string, number> = {
    tapeTrades: periodTrades,
    tapeMarketEvents: periodMarketEvents,
    symbols: traded.size,
    folds: folds.length,
    backtests,
    replayedTrades,
    replayTradesPerSecond: Math.round(replayedTrades / elapsedSeconds),
    proposals: 0,
    outOfSampleReturnProposed: last.outOfSample.proposed.figures.returnFraction,
    outOfSampleReturnCurrent: last.outOfSample.current.figures.returnFraction,
    outOfSampleDrawdownProposed: last.outOfSample.proposed.figures.maxDrawdownFraction,
    outOfSampleDrawdownCurrent: last.outOfSample.current.figures.maxDrawdownFraction,
    liveClosedTrades: live?.closedTrades ?? 0,
  };
  const m = deps.metrics;
  m.gauge("last_run_backtests_count", "Backtests the last run made").set(backtests);
  m.gauge("last_run_replayed_trades", "Trade events the last run's backtests replayed").set(replayedTrades);

  if (!verdict.propose) {
    m.gauge("last_run_proposals_count", "Proposals the last run wrote (0 or 1)").set(0);
    ctx.progress(1, "done: no proposal");
    const failed = verdict.checks.filter((c) => !c.passed).map((c) => `${c.rule}: ${c.detail}`);
    return { outcome: "succeeded", detail: `no proposal: ${failed.join("; ")}`, figures };
  }
  const draft = buildProposal(current, active.value.version, wf, verdict, effective, data);
  const stored = await storeProposal(db, draft, ctx.runId, clock);
  m.gauge("last_run_proposals_count", "Proposals the last run wrote (0 or 1)").set(stored ? 1 : 0);
  logger.info({ proposalId: draft.proposalId, changes: draft.content.changes, stored }, "ai-quant proposal");
  ctx.progress(1, "done");
  return {
    outcome: "succeeded",
    detail: stored
      ? `proposal ${draft.proposalId}: ${draft.content.changes.map((c) => `${c.parameter} ${c.fromValue} → ${c.toValue}`).join(", ")}`
      : `proposal ${draft.proposalId} was already stored (same inputs, same proposal)`,
    figures: { ...figures, proposals: stored ? 1 : 0 },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
