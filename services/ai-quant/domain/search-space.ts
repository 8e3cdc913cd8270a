// The search space: exactly the whitelisted parameters (contracts' QUANT_PARAMETERS) within the bounds
// the scavenger's parameter schema gives them (domain.md "AI Quant", step 3) — read from the schema, so
// the optimiser can never propose a value the scavenger would refuse. Each parameter maps to [0, 1]:
// logarithmically where its range spans a factor of ten or more (a stop of 0.3 % and one of 3 % are
// equally plausible), linearly otherwise; integers are rounded.

import { QUANT_PARAMETERS } from "../../shared/contracts/index.js";
import { ScavengerParametersSchema, loadScavengerParameters, type ScavengerParameters } from "../../scavenger/domain/index.js";

export type QuantParameter = (typeof QUANT_PARAMETERS)[number];
export type QuantValues = Readonly<Record<QuantParameter, number>>;

export interface Dimension {
  readonly name: QuantParameter;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly scale: "log" | "linear";
}

interface NumericSchema {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
}

export const SEARCH_SPACE: readonly Dimension[] = QUANT_PARAMETERS.map((name) => {
  const schema = (ScavengerParametersSchema.properties as Record<string, NumericSchema>)[name];
  if (!schema || typeof schema.minimum !== "number" || typeof schema.maximum !== "number")
    throw new Error(`scavenger parameter ${name} has no bounds in its schema: the search space needs them`);
  const { minimum: min, maximum: max } = schema;
  return { name, min, max, integer: schema.type === "integer", scale: min > 0 && max / min >= 10 ? "log" : "linear" };
});

const clamp01 = (u: number): number => (u < 0 ? 0 : u > 1 ? 1 : u);

export function valueAt(d: Dimension, u: number): number {
  const x = clamp01(u);
  const raw = d.scale === "log" ? Math.exp(Math.log(d.min) + x * (Math.log(d.max) - Math.log(d.min))) : d.min + x * (d.max - d.min);
  const bounded = Math.min(d.max, Math.max(d.min, raw));
  return d.integer ? Math.round(bounded) : bounded;
}

export function positionOf(d: Dimension, value: number): number {
  const v = Math.min(d.max, Math.max(d.min, value));
  return clamp01(d.scale === "log" ? (Math.log(v) - Math.log(d.min)) / (Math.log(d.max) - Math.log(d.min)) : (v - d.min) / (d.max - d.min));
}

export const valuesAt = (u: readonly number[]): QuantValues =>
  Object.fromEntries(SEARCH_SPACE.map((d, i) => [d.name, valueAt(d, u[i] as number)])) as unknown as QuantValues;

export const positionsOf = (values: QuantValues): number[] => SEARCH_SPACE.map((d) => positionOf(d, values[d.name]));

export const quantValuesOf = (params: ScavengerParameters): QuantValues =>
  Object.fromEntries(QUANT_PARAMETERS.map((name) => [name, params[name]])) as unknown as QuantValues;

/** The full parameter set: `base` with the searched values in place (validated by the scavenger's own parser). */
export const withValues = (base: ScavengerParameters, values: QuantValues): ScavengerParameters => loadScavengerParameters({ ...base, ...values });

/** Three significant digits (integers stay whole): how a proposal states a value. */
export function presentable(d: Dimension, value: number): number {
  if (d.integer) return Math.round(value);
  if (value === 0) return 0;
  const digits = 3 - Math.ceil(Math.log10(Math.abs(value)));
  const rounded = Number(value.toFixed(Math.max(0, Math.min(10, digits))));
  return Math.min(d.max, Math.max(d.min, rounded));
}

/** The presentable values just below and just above `value` (one when it is presentable already). */
export function presentableNeighbours(d: Dimension, value: number): number[] {
  const nearest = presentable(d, value);
  if (nearest === value) return [value];
  if (d.integer) return [...new Set([Math.max(d.min, Math.floor(value)), Math.min(d.max, Math.ceil(value))])];
  const digits = Math.max(0, Math.min(10, 3 - Math.ceil(Math.log10(Math.abs(value)))));
  const unit = 10 ** -digits;
  const down = Math.max(d.min, Number((Math.floor(value / unit) * unit).toFixed(digits)));
  const up = Math.min(d.max, Number((Math.ceil(value / unit) * unit).toFixed(digits)));
  return [...new Set([down, up])];
}

/** A stable key for a value set (evaluations are cached by it). */
export const valuesKey = (values: QuantValues): string => SEARCH_SPACE.map((d) => values[d.name]).join(",");
