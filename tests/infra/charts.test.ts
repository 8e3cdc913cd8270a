// Every Helm chart is pinned to an exact version whose publication a public record shows (charts.ts
// names it), and the stacks install exactly the charts of that table.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHARTS } from "../../infra/k8s/charts.js";
import { REPO_DIR } from "../../infra/synth/synth-stack.js";

describe("the pinned Helm charts", () => {
  it.each(Object.entries(CHARTS))("%s: an exact version from an https repository, with the record that shows it exists", (_key, chart) => {
    expect(chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(chart.repo).toMatch(/^https:\/\//);
    expect(chart.source.length).toBeGreaterThan(20);
    expect(chart.source).toMatch(/\d/); // a version, PR, MR or commit is named, not just "exists"
  });

  it("name each chart once, so an upgrade is one line", () => {
    expect(new Set(Object.values(CHARTS).map((c) => c.chart)).size).toBe(Object.keys(CHARTS).length);
  });

  it("are the only way the program creates a Helm release", () => {
    const creators = readdirSync(join(REPO_DIR, "infra"), { recursive: true }).map(String).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .filter((f) => /helm\.v3\.Release\(/.test(readFileSync(join(REPO_DIR, "infra", f), "utf8")));
    expect(creators).toEqual(["k8s/objects.ts"]);
    expect(readFileSync(join(REPO_DIR, "infra", "k8s", "objects.ts"), "utf8")).toMatch(/chart: ChartRef/);
  });
});
