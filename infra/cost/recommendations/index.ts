// Every recommender over one estimate: the findings with a saving, largest first, and the checks that
// found none, each with its assumptions.
import { commitments, graviton, spotForJobs } from "./compute.js";
import { idle, lifecycle, nat } from "./network-storage.js";
import { rightSizing, vpaTargets } from "./sizing.js";
import type { Findings, RecommendationInputs, Recommender } from "./types.js";

export type { Considered, Findings, Recommendation, RecommendationInputs, RecommendationKind } from "./types.js";

const RECOMMENDERS: readonly Recommender[] = [graviton, commitments, spotForJobs, rightSizing, vpaTargets, idle, lifecycle, nat];

export function recommend(inputs: RecommendationInputs): Findings {
  const all = RECOMMENDERS.map((r) => r(inputs));
  return {
    recommendations: all.flatMap((f) => f.recommendations).sort((a, b) => b.monthlySavingUsd - a.monthlySavingUsd || (a.id < b.id ? -1 : 1)),
    considered: all.flatMap((f) => f.considered).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}
