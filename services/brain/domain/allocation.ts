// Capital allocation across phases (domain.md "Capital allocation across phases"): continuous weights by
// total equity, equity tiers with their leverage caps, and the split between registered phases and the
// reserve that an absent phase's weight becomes.

import { PHASES } from "../../shared/contracts/index.js";
import type { BrainParameters, TierName } from "./brain-parameters.js";

export type Phase = (typeof PHASES)[number];
export type PhaseWeights = Readonly<Record<Phase, number>>;

export const ZERO_WEIGHTS: PhaseWeights = Object.freeze({ 1: 0, 2: 0, 3: 0 });

export const isPhase = (value: unknown): value is Phase => (PHASES as readonly unknown[]).includes(value);

/** The logistic function σ. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

function requireFinite(equityUsd: number): void {
  if (!Number.isFinite(equityUsd)) throw new RangeError(`equityUsd must be a finite number, got ${equityUsd}`);
}

/**
 * The target weights at total equity E, exactly as domain.md writes them. The raw sigmoids of the
 * original design jumped at the band edges; normalising each one to run from 0 at its band's start
 * (p: to 1 at the band's end, q: to 1 as E → ∞) makes every weight continuous in E.
 *
 * - E < 1,500: w1 = 1.
 * - 1,500 ≤ E < 5,000: p = (s(E) − s(1,500)) / (s(5,000) − s(1,500)), s(E) = σ(0.003 (E − 3,250));
 *   w1 = 1 − 0.8 p, w2 = 0.8 p.
 * - 5,000 ≤ E < 25,000: w1 = 0.2, w2 = 0.8.
 * - E ≥ 25,000: q = (t(E) − t(25,000)) / (1 − t(25,000)), t(E) = σ(0.0002 (E − 37,500));
 *   w3 = 0.5 q, w2 = 0.8 − w3, w1 = 0.2.
 */
export function sigmoidWeights(equityUsd: number, params: BrainParameters): PhaseWeights {
  requireFinite(equityUsd);
  const a = params.allocation;
  const rampShare = 1 - a.phase1FloorWeight;
  if (equityUsd < a.rampStartEquityUsd) return { 1: 1, 2: 0, 3: 0 };
  if (equityUsd < a.rampEndEquityUsd) {
    const s = (e: number) => sigmoid(a.rampSlopePerUsd * (e - a.rampMidpointUsd));
    const p = clamp01((s(equityUsd) - s(a.rampStartEquityUsd)) / (s(a.rampEndEquityUsd) - s(a.rampStartEquityUsd)));
    const w2 = rampShare * p;
    return { 1: 1 - w2, 2: w2, 3: 0 };
  }
  if (equityUsd < a.growthStartEquityUsd) return { 1: a.phase1FloorWeight, 2: rampShare, 3: 0 };
  const t = (e: number) => sigmoid(a.growthSlopePerUsd * (e - a.growthMidpointUsd));
  const tStart = t(a.growthStartEquityUsd);
  const q = clamp01((t(equityUsd) - tStart) / (1 - tStart));
  const w3 = a.phase3MaxWeight * q;
  return { 1: a.phase1FloorWeight, 2: rampShare - w3, 3: w3 };
}

export interface EquityTier {
  readonly name: TierName;
  readonly leverageCap: number;
}

/** MICRO < 1,500 → 20x; SMALL < 5,000 → 10x; MEDIUM < 25,000 → 5x; LARGE < 50,000 → 3x; else 2x. */
export function equityTier(equityUsd: number, params: BrainParameters): EquityTier {
  requireFinite(equityUsd);
  const tier = params.tiers.find((t) => t.maxEquityUsd === null || equityUsd < t.maxEquityUsd) ?? params.tiers[params.tiers.length - 1];
  if (!tier) throw new Error("brain parameters have no equity tiers");
  return { name: tier.name, leverageCap: tier.leverageCap };
}

export interface Allocation {
  readonly equityUsd: number;
  /** The target weights: the sigmoid form, or an operator's override. Sum to 1. */
  readonly weights: PhaseWeights;
  /** What each phase may use: its weight if registered, 0 otherwise. */
  readonly allocated: PhaseWeights;
  /** The weight of unregistered phases, held back unallocated. allocated + reserve = 1. */
  readonly reserveWeight: number;
  readonly registeredPhases: readonly Phase[];
  readonly source: "sigmoid" | "override";
  readonly tier: EquityTier;
}

/**
 * The allocation at equity E for the phases that are registered. `overrideWeights` (an active manual
 * override, see override.ts) replaces the sigmoid weights; the registration rule applies to both.
 */
export function allocate(
  equityUsd: number,
  registeredPhases: Iterable<Phase>,
  params: BrainParameters,
  overrideWeights: PhaseWeights | null = null,
): Allocation {
  const weights = overrideWeights ?? sigmoidWeights(equityUsd, params);
  const registered = new Set(registeredPhases);
  const allocated = { 1: 0, 2: 0, 3: 0 };
  let reserveWeight = 0;
  for (const phase of PHASES) {
    if (registered.has(phase)) allocated[phase] = weights[phase];
    else reserveWeight += weights[phase];
  }
  return {
    equityUsd,
    weights,
    allocated,
    reserveWeight,
    registeredPhases: PHASES.filter((phase) => registered.has(phase)),
    source: overrideWeights ? "override" : "sigmoid",
    tier: equityTier(equityUsd, params),
  };
}
