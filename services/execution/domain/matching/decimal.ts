// Step arithmetic for prices and quantities. Binary floats cannot hold 0.001 exactly, so every value that
// lands on a venue grid (tick size, lot step) goes through these helpers and is re-snapped after arithmetic.

/**
 * Slack, in steps, when deciding whether a float sits on a grid: 0.3 / 0.1 = 2.9999999999999996 must count as
 * exactly 3 steps. A division is off by a few ulps, so the slack grows with the step count, far below one step.
 */
function gridSlack(steps: number): number {
  return 1e-9 + Math.abs(steps) * 1e-12;
}

/** Number of decimals a step needs when printed: 0.001 → 3, 0.5 → 1, 10 → 0, 1e-7 → 7. */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`a step must be a positive finite number, got ${step}`);
  for (let decimals = 0; decimals <= 15; decimals += 1) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < gridSlack(scaled)) return decimals;
  }
  return 15;
}

export type RoundingMode = "nearest" | "down" | "up";

/** Snaps `value` to a multiple of `step`: down = towards −∞, up = towards +∞. Infinity ("no size limit") stays. */
export function roundToStep(value: number, step: number, mode: RoundingMode = "nearest"): number {
  if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) return value;
  const decimals = stepDecimals(step);
  const steps = value / step;
  const slack = gridSlack(steps);
  let whole: number;
  if (mode === "down") whole = Math.floor(steps + slack);
  else if (mode === "up") whole = Math.ceil(steps - slack);
  else whole = Math.round(steps);
  const snapped = Number((whole * step).toFixed(decimals));
  return snapped === 0 ? 0 : snapped; // no −0 in state or on the wire
}

/** True when `value` is a whole number of steps (within float noise). */
export function isOnStep(value: number, step: number): boolean {
  const steps = value / step;
  return Math.abs(steps - Math.round(steps)) <= gridSlack(steps);
}

/** Prints a grid value with exactly the step's decimals, as venues do: 0.1 at step 0.001 → "0.100". */
export function formatOnStep(value: number, step: number): string {
  return roundToStep(value, step).toFixed(stepDecimals(step));
}

/** Adds or subtracts two grid values without float residue (0.1 + 0.2 at step 0.1 → 0.3). */
export function addOnStep(a: number, b: number, step: number): number {
  return roundToStep(a + b, step);
}
