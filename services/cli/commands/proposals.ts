// `titanctl proposals list|show|approve|reject`: AI Quant's proposals through its API behind the entry
// point (https://<api>/api/quant/proposals...). Listing and showing need a viewer; approving and
// rejecting need an operator and a reason (audited). Approval makes the scavenger create and activate
// the proposed version; `titanctl config rollback <version>` undoes it.
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { callJson, send, ApiError, describeProblem } from "../http-client.js";
import type { CliContext } from "../context.js";

interface Figures {
  trades: number;
  netPnlUsd: number;
  returnFraction: number;
  sharpe: number | null;
  maxDrawdownFraction: number;
  winRate: number | null;
}

export interface ProposalSummaryView {
  proposalId: string;
  baseConfigVersion: number;
  changes: { parameter: string; fromValue: number; toValue: number }[];
  outOfSample: Figures;
  baselineOutOfSample: Figures;
  status: string;
  createdAtMs: number;
  decidedAtMs: number | null;
  decidedBy: { kind: string; id: string; name: string } | null;
  decisionReason: string | null;
  appliedConfigVersion: number | null;
}

export interface ProposalDetailView extends ProposalSummaryView {
  content: { reasoning: string; inSampleWindow: { fromMs: number; toMs: number }; outOfSampleWindow: { fromMs: number; toMs: number } };
  equitySvgPath: string;
}

interface DecisionView {
  proposalId: string;
  status: string;
  configVersion: number | null;
  previousVersion: number | null;
}

const iso = (ms: number | null): string => (ms ? new Date(ms).toISOString().replace(/:\d\d\.\d+Z$/, "Z") : "-");
const pct = (fraction: number): string => `${fraction >= 0 ? "+" : ""}${(fraction * 100).toFixed(2)}%`;
const changeText = (c: { parameter: string; fromValue: number; toValue: number }): string => `${c.parameter} ${c.fromValue}→${c.toValue}`;

const table = (header: string[], rows: string[][]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
};

export const renderProposalList = (proposals: readonly ProposalSummaryView[]): string => {
  if (proposals.length === 0) return "no proposals";
  const rows = proposals.map((p) => [
    p.proposalId,
    p.status,
    iso(p.createdAtMs),
    `v${p.baseConfigVersion}`,
    `${pct(p.outOfSample.returnFraction)} vs ${pct(p.baselineOutOfSample.returnFraction)}`,
    p.changes.map(changeText).join(", "),
  ]);
  return table(["PROPOSAL", "STATUS", "CREATED", "BASE", "OUT OF SAMPLE (vs current)", "CHANGES"], rows);
};

export const renderProposal = (p: ProposalDetailView): string => {
  const figures = (f: Figures) =>
    `return ${pct(f.returnFraction)}, max drawdown ${(f.maxDrawdownFraction * 100).toFixed(2)}%, ${f.trades} trades, win rate ${f.winRate === null ? "n/a" : `${(f.winRate * 100).toFixed(1)}%`}, Sharpe ${f.sharpe === null ? "n/a" : f.sharpe.toFixed(2)}`;
  return [
    `proposal ${p.proposalId}: ${p.status}${p.appliedConfigVersion ? ` (applied as scavenger version ${p.appliedConfigVersion})` : ""}`,
    `created ${iso(p.createdAtMs)} against scavenger version ${p.baseConfigVersion}`,
    ...(p.decidedBy ? [`decided ${iso(p.decidedAtMs)} by ${p.decidedBy.kind}:${p.decidedBy.name}: ${p.decisionReason ?? ""}`] : []),
    "changes:",
    ...p.changes.map((c) => `  ${c.parameter}: ${c.fromValue} → ${c.toValue}`),
    `out of sample ${iso(p.content.outOfSampleWindow.fromMs)} – ${iso(p.content.outOfSampleWindow.toMs)}:`,
    `  proposed: ${figures(p.outOfSample)}`,
    `  current:  ${figures(p.baselineOutOfSample)}`,
    "reasoning:",
    ...p.content.reasoning.split("\n").map((line) => `  ${line}`),
    `equity plot: titanctl proposals show ${p.proposalId} --svg <file>`,
    ...(p.status === "pending" ? [`decide: titanctl proposals approve|reject ${p.proposalId} --reason '<why>'`] : []),
  ].join("\n");
};

export const renderDecision = (d: DecisionView): string =>
  d.status === "approved"
    ? `proposal ${d.proposalId} approved: scavenger version ${d.configVersion} is active (was ${d.previousVersion ?? "none"}); undo with titanctl config rollback ${d.previousVersion ?? "<version>"} --reason '<why>'`
    : `proposal ${d.proposalId} ${d.status}`;

const parsedOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const parseProposalId = (value: string): string => {
  if (!UUID.test(value)) throw new Error(`a proposal id is a UUID (titanctl proposals list shows them), got "${value}"`);
  return value.toLowerCase();
};

const requireReason = (reason: string | undefined): string => {
  if (!reason || reason.trim().length === 0) throw new Error("--reason is required: it is kept in the audit log");
  return reason.trim();
};

export const registerProposalsCommands = (program: Command, ctx: () => CliContext): void => {
  const base = (c: CliContext) => `${c.apiUrl}/api/quant/proposals`;
  const proposals = program.command("proposals").description("AI Quant proposals: list, show, approve (the scavenger applies it without a restart), reject");

  proposals
    .command("list")
    .description("proposals, newest first")
    .option("--status <status>", "pending | approved | rejected | superseded")
    .option("--json", "print JSON")
    .action(async (opts: { status?: string; json?: boolean }) => {
      const c = ctx();
      const query = opts.status ? `?status=${encodeURIComponent(opts.status)}` : "";
      const list = await callJson<{ proposals: ProposalSummaryView[] }>(`${base(c)}${query}`, c.request());
      console.log(opts.json ? JSON.stringify(list, null, 2) : renderProposalList(list.proposals));
    });

  proposals
    .command("show <proposalId>")
    .description("one proposal: the changes, in- and out-of-sample figures against the current parameters, the reasoning")
    .option("--json", "print JSON (the optimiser's full output)")
    .option("--svg <file>", "also write the equity-curve plot (current against proposed) to this file")
    .action(async (id: string, opts: { json?: boolean; svg?: string }) => {
      const c = ctx();
      const proposalId = parseProposalId(id);
      const detail = await callJson<ProposalDetailView>(`${base(c)}/${proposalId}`, c.request());
      console.log(opts.json ? JSON.stringify(detail, null, 2) : renderProposal(detail));
      if (opts.svg) {
        const answer = await send(`${base(c)}/${proposalId}/equity.svg`, { ...c.request(), headers: { ...c.request().headers, accept: "image/svg+xml" } });
        if (answer.status !== 200) throw new ApiError(answer.status, describeProblem(parsedOrUndefined(answer.body), answer.body));
        writeFileSync(opts.svg, answer.body);
        console.log(`equity plot written to ${opts.svg}`);
      }
    });

  for (const [verb, description] of [
    ["approve", "approve: the scavenger creates and activates the proposed version (operator; audited)"],
    ["reject", "reject a pending proposal (operator; audited)"],
  ] as const) {
    proposals
      .command(`${verb} <proposalId>`)
      .description(description)
      .requiredOption("--reason <text>", "why (audited)")
      .action(async (id: string, opts: { reason: string }) => {
        const c = ctx();
        const decision = await callJson<DecisionView>(`${base(c)}/${parseProposalId(id)}/${verb}`, { ...c.request(), method: "POST", body: { reason: requireReason(opts.reason) }, timeoutMs: 30_000 });
        console.log(renderDecision(decision));
      });
  }
};
