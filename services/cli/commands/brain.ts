// `titanctl breaker|state|override|decisions`: the brain's API for on-call (through the entry point at
// /api/brain/). Reading needs a viewer token, a breaker reset an operator's, an override an admin's.
import type { Command } from "commander";
import { callJson } from "../http-client.js";
import type { CliContext } from "../context.js";

interface Principal {
  kind: string;
  id: string;
}
interface Cause {
  cause: string;
  state: string;
  raisedBy: Principal;
  raisedAtMs: number;
  detail: string;
  clearsAtMs?: number;
}
export interface TradingStateView {
  state: string;
  causes: Cause[];
  sequence: number;
  tsMs: number;
}
export interface BreakerView {
  active: "HARD" | "SOFT" | null;
  hard: { trigger: string; trippedAtMs: number; detail: string } | null;
  soft: { trippedAtMs: number; resetsAtMs: number; detail: string } | null;
  figures: { equityUsd: number; startOfDayEquityUsd: number; dailyDrawdownFraction: number; consecutiveLosses: number };
  limits: { hardDailyDrawdownRatio: number; hardMinEquityUsd: number; softConsecutiveLosses: number; softCooldownMs: number };
}
export interface DecisionView {
  decisionId: string;
  signalId: string;
  phase: number;
  symbol: string;
  side: string;
  outcome: string;
  reason: string | null;
  requestedNotionalUsd: number;
  authorisedNotionalUsd: number | null;
  decidedAtMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const pct = (fraction: number): string => `${(fraction * 100).toFixed(2)} %`;

export const renderBreaker = (b: BreakerView): string => {
  const lines = [
    b.active === null ? "breaker: not tripped" : `breaker: ${b.active} tripped`,
    ...(b.hard ? [`  HARD since ${iso(b.hard.trippedAtMs)} (${b.hard.trigger}): ${b.hard.detail}`, "  reset: titanctl breaker reset --reason '<why>' (operator)"] : []),
    ...(b.soft ? [`  SOFT since ${iso(b.soft.trippedAtMs)}, resets itself at ${iso(b.soft.resetsAtMs)}: ${b.soft.detail}`] : []),
    `  equity ${b.figures.equityUsd.toFixed(2)} USD, start of day ${b.figures.startOfDayEquityUsd.toFixed(2)} USD, drawdown ${pct(b.figures.dailyDrawdownFraction)}, consecutive losses ${b.figures.consecutiveLosses}`,
    `  limits: HARD at ${pct(b.limits.hardDailyDrawdownRatio)} drawdown or equity < ${b.limits.hardMinEquityUsd} USD; SOFT after ${b.limits.softConsecutiveLosses} losses, ${b.limits.softCooldownMs / 60_000} min`,
  ];
  return lines.join("\n");
};

export const renderTradingState = (s: TradingStateView): string =>
  [
    `trading state: ${s.state} (sequence ${s.sequence})`,
    ...(s.causes.length === 0 ? ["  no restricting causes"] : []),
    ...s.causes.map(
      (c) => `  ${c.cause} → ${c.state}, raised by ${c.raisedBy.kind} ${c.raisedBy.id} at ${iso(c.raisedAtMs)}${c.clearsAtMs ? `, clears at ${iso(c.clearsAtMs)}` : ""}: ${c.detail}`,
    ),
  ].join("\n");

export const renderDecisions = (decisions: readonly DecisionView[]): string => {
  const header = ["DECIDED", "OUTCOME", "REASON", "PHASE", "SYMBOL", "SIDE", "REQUESTED", "AUTHORISED", "SIGNAL"];
  const rows = decisions.map((d) => [
    iso(d.decidedAtMs),
    d.outcome,
    d.reason ?? "-",
    String(d.phase),
    d.symbol,
    d.side,
    d.requestedNotionalUsd.toFixed(2),
    d.authorisedNotionalUsd === null ? "-" : d.authorisedNotionalUsd.toFixed(2),
    d.signalId,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

/** `1=0.6,2=0.4` → { 1: 0.6, 2: 0.4, 3: 0 }: phases left out get weight 0; the brain checks the sum. */
export const parseWeights = (text: string): Record<"1" | "2" | "3", number> => {
  const weights = { 1: 0, 2: 0, 3: 0 };
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^([123])\s*=\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!match) throw new Error(`--weights: '${part}' is not <phase>=<weight> with phase 1, 2 or 3 (e.g. 1=0.5,2=0.5)`);
    weights[match[1] as "1" | "2" | "3"] = Number(match[2]);
  }
  return weights;
};

const positive = (name: string, text: string, max: number, integer = false): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) throw new Error(`${name}: must be ${integer ? "an integer" : "a number"} in (0, ${max}], got '${text}'`);
  return value;
};

export const registerBrainCommands = (program: Command, ctx: () => CliContext): void => {
  const url = (c: CliContext, path: string): string => `${c.apiUrl}/api/brain${path}`;
  const print = (json: boolean | undefined, value: unknown, render: () => string): void => console.log(json ? JSON.stringify(value, null, 2) : render());

  const breaker = program.command("breaker").description("the brain's circuit breaker");
  breaker
    .command("status")
    .description("whether the breaker is tripped, why, and the figures it watches")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const view = await callJson<BreakerView>(url(c, "/breaker"), c.request());
      print(opts.json, view, () => renderBreaker(view));
    });
  breaker
    .command("reset")
    .description("reset a HARD trip (operator); refused while the condition still holds")
    .requiredOption("--reason <text>", "why it is safe to trade again (goes to the audit log)")
    .option("--false-positive", "the trip should not have happened (counted for the breaker false-positive KPI)")
    .action(async (opts: { reason: string; falsePositive?: boolean }) => {
      const c = ctx();
      const body = { reason: opts.reason, ...(opts.falsePositive ? { falsePositive: true } : {}) };
      const view = await callJson<BreakerView>(url(c, "/breaker/reset"), { ...c.request(), method: "POST", body });
      console.log(renderBreaker(view));
    });

  program
    .command("state")
    .description("the trading state the brain publishes, and its causes")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const view = await callJson<TradingStateView>(url(c, "/trading-state"), c.request());
      print(opts.json, view, () => renderTradingState(view));
    });

  const override = program.command("override").description("manual allocation weights (admin)");
  override
    .command("set")
    .description("set the phase weights by hand for up to 24 hours")
    .requiredOption("--weights <list>", "phase=weight pairs summing to 1, e.g. 1=0.5,2=0.5 (missing phases get 0)")
    .requiredOption("--hours <n>", "how long it lasts (at most 24)")
    .requiredOption("--reason <text>", "why (goes to the audit log)")
    .action(async (opts: { weights: string; hours: string; reason: string }) => {
      const c = ctx();
      const body = { weights: parseWeights(opts.weights), hours: positive("--hours", opts.hours, 24), reason: opts.reason };
      const set = await callJson<{ weights: Record<string, number>; expiresAtMs: number }>(url(c, "/override"), { ...c.request(), method: "POST", body });
      console.log(`override set: weights ${JSON.stringify(set.weights)} until ${iso(set.expiresAtMs)}`);
    });
  override
    .command("clear")
    .description("end the active override now")
    .requiredOption("--reason <text>", "why (goes to the audit log)")
    .action(async (opts: { reason: string }) => {
      const c = ctx();
      await callJson(url(c, `/override?${new URLSearchParams({ reason: opts.reason }).toString()}`), { ...c.request(), method: "DELETE" });
      console.log("override cleared: the allocation follows equity again");
    });

  program
    .command("decisions")
    .description("the brain's latest decisions, newest first")
    .option("--limit <n>", "how many (1-500)", "20")
    .option("--outcome <outcome>", "approved | vetoed")
    .option("--symbol <symbol>", "only this symbol")
    .option("--json", "print JSON")
    .action(async (opts: { limit: string; outcome?: string; symbol?: string; json?: boolean }) => {
      if (opts.outcome !== undefined && !["approved", "vetoed"].includes(opts.outcome)) throw new Error(`--outcome: must be approved or vetoed, got '${opts.outcome}'`);
      const query = new URLSearchParams({ limit: String(positive("--limit", opts.limit, 500, true)) });
      if (opts.outcome) query.set("outcome", opts.outcome);
      if (opts.symbol) query.set("symbol", opts.symbol);
      const c = ctx();
      const page = await callJson<{ decisions: DecisionView[] }>(url(c, `/decisions?${query.toString()}`), c.request());
      print(opts.json, page.decisions, () => renderDecisions(page.decisions));
    });
};
