// The estimate, its recommendations and a PR's delta as a terminal table, Markdown (for finance and
// for the PR comment) and JSON. Pure: same input, same bytes (no timestamps).
import type { StackDelta } from "./delta.js";
import type { Estimate } from "./estimate.js";
import type { Findings } from "./recommendations/index.js";
import { HOURS_PER_MONTH, PRICE_REGION } from "./prices.js";

export interface StackReport {
  readonly stack: string;
  /** Where the resource graph came from: a synth of the working tree, a resources.json, a git ref. */
  readonly source: string;
  readonly estimate: Estimate;
  readonly findings: Findings;
}

const money = (usd: number): string => `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (usd: number): string => `${usd < 0 ? "−" : "+"}${money(Math.abs(usd))}`;
const percent = (part: number, whole: number): string => (whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)} %`);
const TOP_RESOURCES = 15;

const headline = (e: Estimate): string =>
  `${e.stack}: ${money(e.monthlyUsd)} a month (USD, ${PRICE_REGION} on-demand prices, ${HOURS_PER_MONTH} h; ${money(e.unverifiedMonthlyUsd)} of it at prices not yet verified)`;

function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (text: string, i: number) => (rightAligned.includes(i) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0));
  return [header, ...rows].map((r) => r.map(cell).join("  ").trimEnd()).join("\n");
}

const componentRows = (e: Estimate) => e.byComponent.filter((c) => c.monthlyUsd > 0).map((c) => [c.component, money(c.monthlyUsd), percent(c.monthlyUsd, e.monthlyUsd)]);
const serviceRows = (e: Estimate) => {
  const a = e.allocation;
  return [
    ...a.services.map((s) => [s.service, s.cpuCores.toFixed(3), s.memoryGiB.toFixed(3), percent(s.share, 1), money(s.monthlyUsd)]),
    ["(platform pods)", "", "", percent(a.platformUsd, a.capacityMonthlyUsd), money(a.platformUsd)],
    ...(a.basis === "node group" ? [["(unrequested)", "", "", percent(a.unallocatedUsd, a.capacityMonthlyUsd), money(a.unallocatedUsd)]] : []),
  ];
};
const resourceRows = (e: Estimate) => [...e.resources].filter((r) => r.monthlyUsd > 0).sort((a, b) => b.monthlyUsd - a.monthlyUsd).slice(0, TOP_RESOURCES).map((r) => [r.name, r.component, money(r.monthlyUsd)]);
const allocationTitle = (e: Estimate) =>
  e.allocation.basis === "node group"
    ? `Per service: share of the node group (${money(e.allocation.capacityMonthlyUsd)}) by requested vCPU and GiB`
    : `Per service: requested capacity on the borrowed cluster (${money(e.allocation.capacityMonthlyUsd)})`;

export function renderText(r: StackReport): string {
  const e = r.estimate;
  const f = r.findings;
  const saving = f.recommendations.reduce((s, x) => s + x.monthlySavingUsd, 0);
  return [
    headline(e),
    `  from ${r.source}`,
    "",
    table(["component", "monthly", "share"], componentRows(e), [1, 2]),
    "",
    allocationTitle(e),
    table(["service", "vCPU", "GiB", "share", "monthly"], serviceRows(e), [1, 2, 3, 4]),
    "",
    `Most expensive resources (top ${TOP_RESOURCES})`,
    table(["resource", "component", "monthly"], resourceRows(e), [2]),
    "",
    `Recommendations: ${f.recommendations.length}, up to ${money(saving)} a month if all were taken (they overlap: commitments shrink when other savings land)`,
    table(["saving", "recommendation"], f.recommendations.map((x) => [money(x.monthlySavingUsd), x.title]), [0]),
    ...(e.usageGaps.length > 0 ? ["", `Usage figures missing (priced at zero usage): ${e.usageGaps.join(", ")}`] : []),
  ].join("\n");
}

export function renderMarkdown(r: StackReport): string {
  const e = r.estimate;
  const f = r.findings;
  const md = (header: readonly string[], rows: readonly (readonly string[])[]) => [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
  const recs = f.recommendations.map((x) => [
    `### ${x.title}: ${money(x.monthlySavingUsd)} a month`,
    "",
    `- **Saving**: ${money(x.monthlySavingUsd)} a month`,
    `- **Assumptions**: ${x.assumptions.join("; ")}`,
    `- **Trade-off**: ${x.tradeOff}`,
    `- **Change**: ${x.action}`,
  ].join("\n"));
  return [
    `# Cost estimate: ${e.stack}`,
    "",
    `**${money(e.monthlyUsd)} a month** (USD, ${PRICE_REGION} on-demand prices, ${HOURS_PER_MONTH} h a month; ${money(e.unverifiedMonthlyUsd)} of it at prices marked unverified in infra/cost/prices.ts). Resource graph: ${r.source}. Usage: infra/cost/usage/${e.stack}.yaml.`,
    "",
    "## By component",
    "",
    md(["component", "monthly", "share"], componentRows(e)),
    "",
    `## ${allocationTitle(e)}`,
    "",
    md(["service", "vCPU", "GiB", "share", "monthly"], serviceRows(e)),
    "",
    `## Most expensive resources`,
    "",
    md(["resource", "component", "monthly"], resourceRows(e)),
    "",
    "## Recommendations",
    "",
    ...(recs.length > 0 ? [recs.join("\n\n")] : ["None."]),
    "",
    "## Checked, nothing to save",
    "",
    ...(f.considered.length > 0 ? f.considered.map((c) => `- ${c.title}: ${c.why}${c.assumptions.length > 0 ? ` (${c.assumptions.join("; ")})` : ""}`) : ["None."]),
    ...(e.usageGaps.length > 0 ? ["", "## Usage figures missing", "", `Priced at zero usage: ${e.usageGaps.join(", ")}.`] : []),
    ...(e.notes.length > 0 ? ["", "## Notes", "", ...e.notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}

const round = (_key: string, value: unknown): unknown => (typeof value === "number" ? Math.round(value * 10_000) / 10_000 : value);

export const renderJson = (r: StackReport): string => `${JSON.stringify({ ...r.estimate, source: r.source, recommendations: r.findings.recommendations, considered: r.findings.considered }, round, 2)}\n`;

/** One stack's delta: totals, then each resource that moved, with the lines that explain it. */
export function renderDeltaMarkdown(d: StackDelta): string {
  const total = d.baseUsd === undefined ? `new stack: ${money(d.headUsd ?? 0)} a month` : d.headUsd === undefined ? `stack removed: −${money(d.baseUsd)} a month` : `${money(d.baseUsd)} → ${money(d.headUsd)} a month (**${signed(d.deltaUsd)}**)`;
  if (d.resources.length === 0) return `### ${d.stack}: ${total}\n\nNo resource changes its cost.${d.freeResourcesAdded + d.freeResourcesRemoved > 0 ? ` (${d.freeResourcesAdded} free resources added, ${d.freeResourcesRemoved} removed.)` : ""}\n`;
  const rows = d.resources.map((r) => {
    const detail = r.lines.map((l) => (l.baseUsd === 0 ? `+ ${l.what}` : l.headUsd === 0 ? `− ${l.what}` : `${l.what}: ${money(l.baseUsd)} → ${money(l.headUsd)}`)).join("<br>");
    return `| ${r.name} | ${r.component} | ${r.change} | ${money(r.baseUsd)} | ${money(r.headUsd)} | ${signed(r.deltaUsd)} | ${detail.replace(/\|/g, "\\|")} |`;
  });
  return [
    `### ${d.stack}: ${total}`,
    "",
    "| resource | component | change | base | head | delta | lines |",
    "|---|---|---|---:|---:|---:|---|",
    ...rows,
    "",
    ...(d.freeResourcesAdded + d.freeResourcesRemoved > 0 ? [`${d.freeResourcesAdded} free resources added, ${d.freeResourcesRemoved} removed.`, ""] : []),
  ].join("\n");
}

export function renderDeltaText(d: StackDelta): string {
  const head = `${d.stack}: ${d.baseUsd === undefined ? "–" : money(d.baseUsd)} → ${d.headUsd === undefined ? "–" : money(d.headUsd)} (${signed(d.deltaUsd)} a month)`;
  if (d.resources.length === 0) return `${head}\n  no resource changes its cost`;
  return `${head}\n${table(["resource", "change", "base", "head", "delta"], d.resources.map((r) => [r.name, r.change, money(r.baseUsd), money(r.headUsd), signed(r.deltaUsd)]), [2, 3, 4])
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n")}`;
}

