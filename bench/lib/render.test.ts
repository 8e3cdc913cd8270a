import { describe, expect, it } from "vitest";
import { PERFORMANCE_TARGETS } from "../../ops/index.js";
import { binCounts, renderAsciiHistogram, renderTable } from "./render.js";
import { judge, TARGETS, type ResultRow } from "./results.js";
import { summariseLatencies } from "./stats.js";
import { latencySvg } from "./svg.js";

const latency = summariseLatencies([0.001, 0.002, 0.003, 0.2])!;
const signalRow: ResultRow = { id: "signal@1000", path: "signal", title: "signal → order", status: "measured", unit: "seconds", latency, value: 310, targets: judge({ latency }, TARGETS.signalToOrder), notes: [] };

describe("the bench's verdicts and views", () => {
  it("judge each target from ops/ against the figure it names", () => {
    const [seed, design] = signalRow.targets;
    expect(seed).toMatchObject({ source: "seed KPI", figure: "p95", measured: 0.2, met: false });
    expect(design).toMatchObject({ source: "design", figure: "p99", value: PERFORMANCE_TARGETS.signalToOrderP99.value, measured: 0.2, met: false });
    expect(judge({ value: 12e6 }, TARGETS.replay)[0]).toMatchObject({ bound: "min", met: true });
    expect(judge({}, TARGETS.synth)[0]).toMatchObject({ measured: null, met: null });
  });

  it("print every row with its percentiles and targets, and the load average beside them", () => {
    const notMeasurable: ResultRow = { id: "console", path: "console", title: "console WebSocket delivery", status: "not-measurable", unit: "seconds", targets: [], notes: ["not measurable yet: 404"] };
    const table = renderTable({ mode: "full", rows: [signalRow, notMeasurable], loadAverage: { atStart: [4.5, 4, 3], atEnd: [5, 4, 3] } });
    expect(table).toMatch(/signal → order\s+2\.0 ms\s+200 ms\s+200 ms\s+200 ms\s+310\/s\s+seed KPI: p95 ≤ 100 ms MISSED; design: p99 ≤ 5\.0 ms MISSED/);
    expect(table).toMatch(/console WebSocket delivery.*n\/a\s+not measurable yet/);
    expect(table).toContain("load average (1/5/15 min) at start 4.50 4.00 3.00, at end 5.00 4.00 3.00");
  });

  it("bin latencies on a log scale and draw them as bars and as SVG", () => {
    expect(binCounts([0.00005, 0.001, 0.0011, 20])).toEqual([1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const ascii = renderAsciiHistogram("t", [0.001, 0.001, 0.004]);
    expect(ascii).toMatch(/≤ 1\.0 ms █{50} 2/);
    expect(ascii).toMatch(/≤ 5\.0 ms █{25}\s+1/);
    const svg = latencySvg([{ title: "a < b", samplesSeconds: [0.001, 0.004] }]);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("a &lt; b (2 samples;");
    expect(svg).toContain(">2.5ms</text>");
    expect(svg.match(/<rect /g)).toHaveLength(1 + 17);
  });
});
