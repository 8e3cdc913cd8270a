// Turns a DashboardSpec into Grafana dashboard JSON with @grafana/grafana-foundation-sdk: every panel
// and every query gets the datasource explicitly, every panel its unit, and ids are assigned in order
// so two builds give the same bytes.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
} from "@grafana/grafana-foundation-sdk/dashboard";
import {
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from "@grafana/grafana-foundation-sdk/common";
import { PanelBuilder as GaugePanel } from "@grafana/grafana-foundation-sdk/gauge";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as StateTimelinePanel } from "@grafana/grafana-foundation-sdk/statetimeline";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { COLORS, type DashboardSpec, type PanelSpec, type ThresholdStep, type ValueText } from "./spec.js";

export interface BuildContext {
  readonly datasourceUid: string;
}

export interface DataSourceRef {
  readonly type: "prometheus";
  readonly uid: string;
}

const DEFAULT_PANEL_HEIGHT = 8;
const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const datasourceRef = (ctx: BuildContext): DataSourceRef => ({ type: "prometheus", uid: ctx.datasourceUid });

const thresholdsOf = (steps: readonly ThresholdStep[] | undefined): ThresholdsConfigBuilder =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps((steps ?? [{ value: null, color: COLORS.neutral }]).map((s) => ({ ...s })));

const mappingsOf = (texts: readonly ValueText[]): ValueMapping[] => [
  { type: MappingType.ValueToText, options: Object.fromEntries(texts.map((t, index) => [String(t.value), { text: t.text, color: t.color, index }])) },
];

const targetsOf = (panel: PanelSpec, ctx: BuildContext): DataqueryBuilder[] => {
  if (panel.targets.length > REF_IDS.length) throw new Error(`panel "${panel.title}" has more than ${REF_IDS.length} queries`);
  return panel.targets.map((t, i) => {
    const q = new DataqueryBuilder().refId(REF_IDS[i] as string).datasource(datasourceRef(ctx)).expr(t.expr);
    if (t.legend !== undefined) q.legendFormat(t.legend);
    if (t.instant || panel.kind === "table") q.instant();
    else q.range();
    if (panel.kind === "table") q.format(PromQueryFormat.Table);
    return q;
  });
};

/** Options every panel kind shares (the SDK's panel builders have the same methods, not a common type). */
interface CommonPanelBuilder extends cog.Builder<Panel> {
  title(title: string): this;
  description(description: string): this;
  datasource(ref: DataSourceRef): this;
  unit(unit: string): this;
  span(width: number): this;
  height(height: number): this;
  withTarget(target: cog.Builder<cog.Dataquery>): this;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): this;
  min(min: number): this;
  max(max: number): this;
  decimals(decimals: number): this;
  mappings(mappings: ValueMapping[]): this;
  noValue(noValue: string): this;
}

const applyCommon = <B extends CommonPanelBuilder>(builder: B, panel: PanelSpec, ctx: BuildContext): B => {
  builder
    .title(panel.title)
    .description(panel.description)
    .datasource(datasourceRef(ctx))
    .unit(panel.unit)
    .span(panel.width)
    .height(panel.height ?? DEFAULT_PANEL_HEIGHT)
    .thresholds(thresholdsOf(panel.thresholds));
  for (const target of targetsOf(panel, ctx)) builder.withTarget(target);
  if (panel.min !== undefined) builder.min(panel.min);
  if (panel.max !== undefined) builder.max(panel.max);
  if (panel.decimals !== undefined) builder.decimals(panel.decimals);
  if (panel.valueTexts) builder.mappings(mappingsOf(panel.valueTexts));
  if (panel.noValue !== undefined) builder.noValue(panel.noValue);
  return builder;
};

const lastValue = (): ReduceDataOptionsBuilder => new ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);
const legend = (): VizLegendOptionsBuilder => new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);

const panelBuilder = (panel: PanelSpec, ctx: BuildContext): cog.Builder<Panel> => {
  switch (panel.kind) {
    case "timeseries": {
      const b = applyCommon(new TimeseriesPanel(), panel, ctx).legend(legend()).fillOpacity(panel.stacked ? 30 : 10);
      // Thresholds of a time series are drawn as dashed lines: the target the series is read against.
      b.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(panel.thresholds ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off));
      if (panel.stacked) b.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
      return b;
    }
    case "stat":
      return applyCommon(new StatPanel(), panel, ctx)
        .reduceOptions(lastValue())
        .graphMode(panel.valueTexts || panel.showName ? BigValueGraphMode.None : BigValueGraphMode.Area)
        .textMode(panel.showName ? BigValueTextMode.Name : BigValueTextMode.Auto);
    case "gauge":
      return applyCommon(new GaugePanel(), panel, ctx).reduceOptions(lastValue()).showThresholdMarkers(true);
    case "table":
      return applyCommon(new TablePanel(), panel, ctx);
    case "state-timeline":
      return applyCommon(new StateTimelinePanel(), panel, ctx).legend(legend());
  }
};

const dashboardLinks = (): DashboardLinkBuilder =>
  new DashboardLinkBuilder("Titan dashboards").type(DashboardLinkType.Dashboards).tags(["titan"]).asDropdown(true).keepTime(true).includeVars(false).targetBlank(false).icon("external link").tooltip("");

/** Ids in reading order, rows included: Grafana needs them unique within a dashboard. */
const numberPanels = (dashboard: Dashboard): Dashboard => ({
  ...dashboard,
  panels: (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 })),
});

export const buildDashboard = (spec: DashboardSpec, ctx: BuildContext): Dashboard => {
  if (!/^titan-[a-z0-9-]+$/.test(spec.uid) || spec.uid.length > 40) throw new Error(`dashboard uid "${spec.uid}" must be titan-<name> in lower case, at most 40 characters`);
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["titan", ...spec.tags])
    .readonly() // generated: edit the code, not the dashboard
    .tooltip(DashboardCursorSync.Crosshair)
    .timezone("utc") // the trading day, and the breaker's start-of-day equity, are UTC
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .link(dashboardLinks());
  for (const v of spec.variables ?? []) {
    builder.withVariable(
      new QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(datasourceRef(ctx))
        .query(v.query)
        .definition(v.query)
        .multi(true)
        .includeAll(true)
        .allValue(".+")
        .current({ selected: true, text: "All", value: "$__all" })
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  }
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panelBuilder(panel, ctx));
  }
  return numberPanels(builder.build());
};
