// What a dashboard says, as plain data: rows of panels, each with its queries, unit and thresholds.
// The dashboard modules write these; build.ts turns them into Grafana JSON through the foundation SDK.

/** A Grafana threshold step: from `value` upwards (null = from minus infinity) the colour applies. */
export interface ThresholdStep {
  readonly value: number | null;
  readonly color: string;
}

export interface TargetSpec {
  readonly expr: string;
  /** Grafana legend template, e.g. `{{service}}`. */
  readonly legend?: string;
  /** One value at the end of the range (stat and table panels), not a series. */
  readonly instant?: boolean;
}

/** A value shown as text: the trading state's 0/1/2 as ACTIVE/REDUCING/HALTED. */
export interface ValueText {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

interface PanelCommon {
  readonly title: string;
  readonly description: string;
  /** Grafana unit id: `s`, `percentunit`, `bytes`, `currencyUSD`, `short`, `ops`, `Bps`, `none`, … */
  readonly unit: string;
  readonly targets: readonly TargetSpec[];
  /** Grid columns out of 24. */
  readonly width: number;
  readonly height?: number;
  readonly thresholds?: readonly ThresholdStep[];
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly valueTexts?: readonly ValueText[];
  /** Shown when the query returns nothing (for instance, no cause is active). */
  readonly noValue?: string;
}

export type PanelSpec =
  | (PanelCommon & { readonly kind: "timeseries"; readonly stacked?: boolean })
  | (PanelCommon & { readonly kind: "stat"; readonly showName?: boolean })
  | (PanelCommon & { readonly kind: "gauge" })
  | (PanelCommon & { readonly kind: "table" })
  | (PanelCommon & { readonly kind: "state-timeline" });

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  /** Grafana's Prometheus variable query, e.g. `label_values(node_uname_info, instance)`. */
  readonly query: string;
}

export interface DashboardSpec {
  /** Stable: `titan-<name>`; Grafana links and the infrastructure refer to it. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables?: readonly VariableSpec[];
  readonly rows: readonly RowSpec[];
}

export const COLORS = { ok: "green", warn: "orange", bad: "red", aim: "dark-green", neutral: "blue", caution: "yellow" } as const;
