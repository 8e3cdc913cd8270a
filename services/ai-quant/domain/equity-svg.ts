// The proposal's equity-curve plot, current against proposed, as a self-contained SVG: one panel for the
// in-sample window and one for the out-of-sample window, each starting from the same equity, realised
// equity as step lines. Deterministic text (fixed decimals, no dates from the clock), so the same
// backtests render the same bytes.

import type { EquityPoint, Window } from "./figures.js";

export interface EquityPanel {
  readonly title: string;
  readonly window: Window;
  readonly current: readonly EquityPoint[];
  readonly proposed: readonly EquityPoint[];
}

const WIDTH = 760;
const HEIGHT = 340;
const PANEL_GAP = 40;
const MARGIN = { top: 48, right: 16, bottom: 44, left: 64 } as const;
const COLOURS = { current: "#8a8f98", proposed: "#1f6feb", axis: "#444", grid: "#e4e6ea", text: "#222" } as const;

const escapeXml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const n = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);
const isoMinute = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** Equity as a step line: flat until each close, then the new level. */
function stepPath(points: readonly EquityPoint[], endMs: number, x: (ms: number) => number, y: (usd: number) => number): string {
  if (points.length === 0) return "";
  const first = points[0] as EquityPoint;
  let d = `M${n(x(first.tsMs))},${n(y(first.equityUsd))}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i] as EquityPoint;
    d += ` H${n(x(p.tsMs))} V${n(y(p.equityUsd))}`;
  }
  return `${d} H${n(x(endMs))}`;
}

/** Round bounds and a tick step for an axis spanning [lo, hi]. */
function niceTicks(lo: number, hi: number, count = 4): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function panel(p: EquityPanel, left: number, width: number, lo: number, hi: number): string {
  const plotLeft = left + MARGIN.left;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotTop = MARGIN.top;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const span = p.window.toMs - p.window.fromMs;
  const x = (ms: number) => plotLeft + ((ms - p.window.fromMs) / span) * plotWidth;
  const y = (usd: number) => plotTop + (1 - (usd - lo) / (hi - lo)) * plotHeight;
  const ticks = niceTicks(lo, hi)
    .map(
      (v) =>
        `<line x1="${n(plotLeft)}" y1="${n(y(v))}" x2="${n(plotLeft + plotWidth)}" y2="${n(y(v))}" stroke="${COLOURS.grid}"/>` +
        `<text x="${n(plotLeft - 6)}" y="${n(y(v) + 4)}" text-anchor="end" font-size="11" fill="${COLOURS.text}">${escapeXml(v.toLocaleString("en-US", { maximumFractionDigits: 0 }))}</text>`,
    )
    .join("");
  return [
    `<g>`,
    `<text x="${n(plotLeft)}" y="${n(plotTop - 10)}" font-size="13" font-weight="bold" fill="${COLOURS.text}">${escapeXml(p.title)}</text>`,
    ticks,
    `<rect x="${n(plotLeft)}" y="${n(plotTop)}" width="${n(plotWidth)}" height="${n(plotHeight)}" fill="none" stroke="${COLOURS.axis}"/>`,
    `<path d="${stepPath(p.current, p.window.toMs, x, y)}" fill="none" stroke="${COLOURS.current}" stroke-width="1.5"/>`,
    `<path d="${stepPath(p.proposed, p.window.toMs, x, y)}" fill="none" stroke="${COLOURS.proposed}" stroke-width="2"/>`,
    `<text x="${n(plotLeft)}" y="${n(HEIGHT - MARGIN.bottom + 16)}" font-size="11" fill="${COLOURS.text}">${escapeXml(isoMinute(p.window.fromMs))}</text>`,
    `<text x="${n(plotLeft + plotWidth)}" y="${n(HEIGHT - MARGIN.bottom + 16)}" text-anchor="end" font-size="11" fill="${COLOURS.text}">${escapeXml(isoMinute(p.window.toMs))} UTC</text>`,
    `</g>`,
  ].join("");
}

export function renderEquitySvg(title: string, panels: readonly EquityPanel[]): string {
  const all = panels.flatMap((p) => [...p.current, ...p.proposed].map((q) => q.equityUsd));
  const min = Math.min(...all);
  const max = Math.max(...all);
  const pad = (max - min) * 0.05 || Math.abs(max) * 0.01 || 1;
  const ticks = niceTicks(min - pad, max + pad);
  const lo = Math.min(min - pad, ticks[0] ?? min);
  const hi = Math.max(max + pad, ticks.at(-1) ?? max);
  const panelWidth = (WIDTH - PANEL_GAP * (panels.length - 1)) / Math.max(1, panels.length);
  const legendY = HEIGHT - 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${n(WIDTH / 2)}" y="20" text-anchor="middle" font-size="14" fill="${COLOURS.text}">${escapeXml(title)}</text>`,
    ...panels.map((p, i) => panel(p, i * (panelWidth + PANEL_GAP), panelWidth, lo, hi)),
    `<line x1="${MARGIN.left}" y1="${legendY - 4}" x2="${MARGIN.left + 24}" y2="${legendY - 4}" stroke="${COLOURS.current}" stroke-width="1.5"/>`,
    `<text x="${MARGIN.left + 30}" y="${legendY}" font-size="11" fill="${COLOURS.text}">current parameters</text>`,
    `<line x1="${MARGIN.left + 170}" y1="${legendY - 4}" x2="${MARGIN.left + 194}" y2="${legendY - 4}" stroke="${COLOURS.proposed}" stroke-width="2"/>`,
    `<text x="${MARGIN.left + 200}" y="${legendY}" font-size="11" fill="${COLOURS.text}">proposed parameters</text>`,
    `<text x="${WIDTH - MARGIN.right}" y="${legendY}" text-anchor="end" font-size="11" fill="${COLOURS.text}">realised equity, USD</text>`,
    `</svg>`,
  ].join("\n");
}
