// An SVG of latency histograms (one panel per series, log-spaced bins, p50/p99 marked): written to
// build/bench/latency.svg for people who would rather look than read.
import { formatSeconds, summariseLatencies } from "./stats.js";
import { binCounts, LOG_BIN_EDGES_SECONDS } from "./render.js";

export interface HistogramPanel {
  readonly title: string;
  readonly samplesSeconds: readonly number[];
}

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const PANEL_W = 720;
const PANEL_H = 220;
const MARGIN = { left: 50, right: 20, top: 30, bottom: 40 };

const panelSvg = (panel: HistogramPanel, y0: number): string => {
  const counts = binCounts(panel.samplesSeconds);
  const peak = Math.max(1, ...counts);
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const barW = plotW / counts.length;
  const parts: string[] = [
    `<text x="${MARGIN.left}" y="${y0 + 18}" font-size="14" font-weight="bold">${escape(panel.title)} (${panel.samplesSeconds.length} samples; each bar counts the latencies up to its label)</text>`,
  ];
  counts.forEach((c, i) => {
    const h = (c / peak) * plotH;
    const x = MARGIN.left + i * barW;
    parts.push(`<rect x="${x.toFixed(1)}" y="${(y0 + MARGIN.top + plotH - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a78c2"><title>${c}</title></rect>`);
    // Compact upper bounds ("2.5ms"): the bins are narrow.
    const label = i < LOG_BIN_EDGES_SECONDS.length ? formatSeconds(LOG_BIN_EDGES_SECONDS[i] as number).replace(/\.0(?= )/, "").replace(" ", "") : "more";
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${y0 + PANEL_H - 22}" font-size="9" text-anchor="middle">${escape(label)}</text>`);
    if (c > 0) parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${(y0 + MARGIN.top + plotH - h - 3).toFixed(1)}" font-size="9" text-anchor="middle">${c}</text>`);
  });
  const s = summariseLatencies(panel.samplesSeconds);
  if (s) {
    parts.push(
      `<text x="${MARGIN.left}" y="${y0 + PANEL_H - 6}" font-size="11">p50 ${escape(formatSeconds(s.p50Seconds))} · p95 ${escape(formatSeconds(s.p95Seconds))} · p99 ${escape(formatSeconds(s.p99Seconds))} · max ${escape(formatSeconds(s.maxSeconds))}</text>`,
    );
  }
  parts.push(`<line x1="${MARGIN.left}" y1="${y0 + MARGIN.top + plotH}" x2="${PANEL_W - MARGIN.right}" y2="${y0 + MARGIN.top + plotH}" stroke="#333"/>`);
  return parts.join("\n");
};

export const latencySvg = (panels: readonly HistogramPanel[]): string => {
  const height = Math.max(1, panels.length) * PANEL_H;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_W}" height="${height}" viewBox="0 0 ${PANEL_W} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels.map((p, i) => panelSvg(p, i * PANEL_H)),
    "</svg>",
    "",
  ].join("\n");
};
