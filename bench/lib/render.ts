// The terminal view of a bench run: one line per row with p50/p95/p99/max (or its single figure) and
// every target beside it, and an ASCII latency histogram for people who would rather look than read.
import type { BenchRun, JudgedTarget, ResultRow, Unit } from "./results.js";
import { formatRate, formatSeconds } from "./stats.js";

export const formatValue = (value: number, unit: Unit): string => {
  if (unit === "seconds") return formatSeconds(value);
  if (unit === "events/s") return formatRate(value);
  return `${value.toFixed(0)} MiB`;
};

const targetText = (t: JudgedTarget): string => {
  const op = t.bound === "max" ? "≤" : "≥";
  const figure = t.figure === "value" ? "" : `${t.figure} `;
  const verdict = t.met === null ? "—" : t.met ? "met" : "MISSED";
  return `${t.source}: ${figure}${op} ${formatValue(t.value, t.unit)} ${verdict}`;
};

const pad = (text: string, width: number): string => (text.length >= width ? text : text + " ".repeat(width - text.length));
const padLeft = (text: string, width: number): string => (text.length >= width ? text : " ".repeat(width - text.length) + text);

export const renderTable = (run: Pick<BenchRun, "rows" | "loadAverage" | "mode">): string => {
  const lines: string[] = [];
  const titleWidth = Math.min(58, Math.max(...run.rows.map((r) => r.title.length), 10));
  lines.push(`${pad("path", titleWidth)}  ${["p50", "p95", "p99", "max"].map((h) => padLeft(h, 9)).join(" ")}  ${padLeft("figure", 10)}  targets   (signal figure: decisions/s achieved)`);
  lines.push("-".repeat(titleWidth + 60));
  for (const row of run.rows) {
    const l = row.latency;
    const bound = row.latencyFromBuckets ? "≤" : "";
    const cells = l ? [l.p50Seconds, l.p95Seconds, l.p99Seconds, l.maxSeconds].map((s) => padLeft(`${bound}${formatSeconds(s)}`, 9)) : ["", "", "", ""].map((s) => padLeft(s, 9));
    const figure = row.status === "not-measurable" ? "n/a" : row.status === "failed" ? "FAILED" : row.value !== undefined ? formatValue(row.value, row.path === "signal" ? "events/s" : row.unit) : l ? `mean ${formatSeconds(l.meanSeconds)}` : "";
    const targets = row.status === "not-measurable" ? "not measurable yet" : row.targets.map(targetText).join("; ");
    lines.push(`${pad(row.title.slice(0, titleWidth), titleWidth)}  ${cells.join(" ")}  ${padLeft(figure, 10)}  ${targets}`);
  }
  lines.push("");
  lines.push(`load average (1/5/15 min) at start ${run.loadAverage.atStart.map((n) => n.toFixed(2)).join(" ")}, at end ${run.loadAverage.atEnd.map((n) => n.toFixed(2)).join(" ")}: figures on a shared machine are noisy`);
  return lines.join("\n");
};

/** The notes of each row, indented under its title. */
export const renderNotes = (rows: readonly ResultRow[]): string =>
  rows
    .filter((r) => r.notes.length > 0)
    .map((r) => [`${r.title}:`, ...r.notes.map((n) => `  - ${n}`)].join("\n"))
    .join("\n");

/** Log-spaced bins from 100 µs to 10 s: latencies on this machine span that range. */
export const LOG_BIN_EDGES_SECONDS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const binCounts = (samplesSeconds: readonly number[], edges: readonly number[] = LOG_BIN_EDGES_SECONDS): number[] => {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const s of samplesSeconds) {
    let i = edges.findIndex((e) => s <= e);
    if (i < 0) i = edges.length;
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
};

const binLabel = (i: number, edges: readonly number[]): string => (i < edges.length ? `≤ ${formatSeconds(edges[i] as number)}` : `> ${formatSeconds(edges[edges.length - 1] as number)}`);

export const renderAsciiHistogram = (title: string, samplesSeconds: readonly number[], width = 50): string => {
  if (samplesSeconds.length === 0) return `${title}: no samples`;
  const counts = binCounts(samplesSeconds);
  const first = counts.findIndex((c) => c > 0);
  const last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  const peak = Math.max(...counts);
  const lines = [`${title} (${samplesSeconds.length} samples)`];
  for (let i = first; i <= last; i++) {
    const c = counts[i] as number;
    const bar = "█".repeat(Math.round((c / peak) * width)) || (c > 0 ? "▏" : "");
    lines.push(`  ${padLeft(binLabel(i, LOG_BIN_EDGES_SECONDS), 10)} ${pad(bar, width)} ${c}`);
  }
  return lines.join("\n");
};
