import type { Dashboard, GridPos, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { describe, expect, it } from "vitest";
import { DEFAULT_DATASOURCE_UID, buildDashboards, dashboardQueries, panelsOf, variableQueries } from "./index.js";

const dashboards = buildDashboards();
const byUid = new Map(dashboards.map((d) => [d.uid, d.json]));

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

const targetsOf = (panel: Panel): Target[] => (panel.targets ?? []) as Target[];

const overlaps = (a: GridPos, b: GridPos): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("the dashboards", () => {
  it("are the six of issue 6, with stable titan-<name> uids", () => {
    expect(dashboards.map((d) => d.uid)).toEqual(["titan-overview", "titan-trading", "titan-brain", "titan-execution", "titan-scavenger", "titan-capacity"]);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    for (const d of dashboards) {
      expect(d.json.uid).toBe(d.uid);
      expect(d.json.title).toBe(d.title);
    }
  });

  it("carry a schema version and survive a JSON round trip unchanged", () => {
    for (const d of dashboards) {
      expect(d.json.schemaVersion, d.uid).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(d.json))).toEqual(d.json);
    }
  });

  it("give every panel the datasource, a unit and at least one query with a non-empty expression", () => {
    for (const d of dashboards) {
      const panels = panelsOf(d.json);
      expect(panels.length, d.uid).toBeGreaterThan(5);
      for (const panel of panels) {
        const where = `${d.uid} / ${panel.title}`;
        expect(panel.datasource, where).toEqual({ type: "prometheus", uid: DEFAULT_DATASOURCE_UID });
        expect(panel.fieldConfig?.defaults?.unit, where).toMatch(/\S/);
        expect(panel.description, where).toMatch(/\S/);
        const targets = targetsOf(panel);
        expect(targets.length, where).toBeGreaterThan(0);
        for (const t of targets) {
          expect(t.expr?.trim(), where).toMatch(/\S/);
          expect(t.datasource, where).toEqual({ type: "prometheus", uid: DEFAULT_DATASOURCE_UID });
        }
        expect(new Set(targets.map((t) => t.refId)).size, `${where}: refIds`).toBe(targets.length);
      }
    }
  });

  it("use the datasource uid they are given, everywhere, and refuse a malformed one", () => {
    const text = JSON.stringify(buildDashboards({ datasourceUid: "prom-eu-1" }).map((d) => d.json));
    expect(text).not.toContain(DEFAULT_DATASOURCE_UID);
    expect(text).toContain('"uid":"prom-eu-1"');
    expect(() => buildDashboards({ datasourceUid: "has space" })).toThrow(/datasource uid/);
  });

  it("give panels unique ids and, within a dashboard, unique titles", () => {
    for (const d of dashboards) {
      const all = d.json.panels ?? [];
      expect(new Set(all.map((p) => p.id)).size, d.uid).toBe(all.length);
      const titles = panelsOf(d.json).map((p) => p.title);
      expect(titles.filter((t, i) => titles.indexOf(t) !== i), d.uid).toEqual([]);
    }
  });

  it("lay panels out on the 24-column grid without overlaps", () => {
    for (const d of dashboards) {
      const all = d.json.panels ?? [];
      for (const p of all) {
        const g = p.gridPos as GridPos;
        expect(g, `${d.uid} / ${p.title}`).toBeDefined();
        expect(g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${d.uid} / ${p.title}: ${JSON.stringify(g)}`).toBe(true);
      }
      for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
          const [a, b] = [all[i], all[j]] as [Panel, Panel];
          expect(overlaps(a.gridPos as GridPos, b.gridPos as GridPos), `${d.uid}: "${a.title}" overlaps "${b.title}"`).toBe(false);
        }
      }
    }
  });

  it("only use template variables the dashboard defines (or Grafana's own)", () => {
    for (const q of dashboardQueries()) {
      const defined = new Set(((byUid.get(q.dashboardUid) as Dashboard).templating?.list ?? []).map((v) => v.name));
      for (const [, braced, bare] of q.grafanaExpr.matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
        const name = (braced ?? bare) as string;
        if (!name.startsWith("__")) expect(defined.has(name), `${q.dashboardUid} / ${q.panelTitle} uses $${name}`).toBe(true);
      }
    }
  });

  it("query their template variables from the same datasource, as label_values(metric, label)", () => {
    const variables = dashboards.flatMap((d) => (d.json.templating?.list ?? []).map((v) => ({ uid: d.uid, v })));
    expect(variables.length).toBeGreaterThan(0);
    for (const { uid, v } of variables) {
      expect(v.datasource, `${uid} $${v.name}`).toEqual({ type: "prometheus", uid: DEFAULT_DATASOURCE_UID });
      expect(String(v.query), `${uid} $${v.name}`).toMatch(/^label_values\(\w+, \w+\)$/);
    }
    expect(variableQueries().map((q) => q.expr)).toContain("group by (instance) (node_uname_info)");
  });

  it("are read-only in Grafana and link to each other by the titan tag", () => {
    for (const d of dashboards) {
      expect(d.json.editable, d.uid).toBe(false);
      expect(d.json.tags).toContain("titan");
      expect(d.json.links?.[0]).toMatchObject({ type: "dashboards", tags: ["titan"] });
    }
  });
});
