// A cost-optimisation recommendation: what to change, the monthly saving, the assumptions behind the
// figure and what it costs in risk or effort. Checks that found nothing to save say why ("considered").
import type { GraphResource } from "../../synth/graph.js";
import type { Estimate } from "../estimate.js";
import type { ObservedUsage, VpaTarget } from "../observed.js";
import type { Usage } from "../usage.js";

export type RecommendationKind = "graviton" | "commitment" | "spot" | "rightsizing" | "vpa" | "idle" | "lifecycle" | "nat";

export interface Recommendation {
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly title: string;
  /** Resource (or service) names the change touches. */
  readonly resources: readonly string[];
  readonly monthlySavingUsd: number;
  readonly assumptions: readonly string[];
  readonly tradeOff: string;
  /** Where to make the change. */
  readonly action: string;
}

/** A check that found no saving, with the reason, so a reader knows it was looked at. */
export interface Considered {
  readonly id: string;
  readonly kind: RecommendationKind;
  readonly title: string;
  readonly why: string;
  readonly assumptions: readonly string[];
}

export interface Findings {
  readonly recommendations: readonly Recommendation[];
  readonly considered: readonly Considered[];
}

export interface RecommendationInputs {
  readonly estimate: Estimate;
  readonly resources: readonly GraphResource[];
  readonly usage: Usage;
  readonly observed?: ObservedUsage;
  readonly vpa?: readonly VpaTarget[];
}

export type Recommender = (inputs: RecommendationInputs) => Findings;

export const usd = (n: number): string => `$${n.toFixed(2)}`;
/** An hourly rate, to four decimals ($0.0042). */
export const rate = (n: number): string => `$${Number(n.toFixed(4))}`;

export const merge = (...parts: readonly Findings[]): Findings => ({
  recommendations: parts.flatMap((p) => p.recommendations),
  considered: parts.flatMap((p) => p.considered),
});

export const none: Findings = { recommendations: [], considered: [] };
export const recommend = (r: Recommendation): Findings => ({ recommendations: [r], considered: [] });
export const consider = (c: Considered): Findings => ({ recommendations: [], considered: [c] });
/** A saving worth printing: at least a cent a month. */
export const worthIt = (saving: number): boolean => saving >= 0.01;
