// Where a number comes from. A value from the operations document names its section; a value the
// document leaves open is a decision of ours and says why, so a reviewer can tell the two apart.

export type Provenance =
  | { readonly kind: "seed"; readonly section: string }
  | { readonly kind: "design"; readonly section: string }
  | { readonly kind: "decision"; readonly reason: string };

export const seed = (section: string): Provenance => ({ kind: "seed", section });
export const design = (section: string): Provenance => ({ kind: "design", section });
export const decision = (reason: string): Provenance => ({ kind: "decision", reason });

export const MINUTE_SECONDS = 60;
export const HOUR_SECONDS = 3_600;
export const DAY_SECONDS = 86_400;

/** Prometheus duration for a whole number of seconds: 900 → "15m", 7200 → "2h", 90 → "90s". */
export const promDuration = (seconds: number): string => {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`promDuration: ${seconds} is not a positive whole number of seconds`);
  if (seconds % DAY_SECONDS === 0) return `${seconds / DAY_SECONDS}d`;
  if (seconds % HOUR_SECONDS === 0) return `${seconds / HOUR_SECONDS}h`;
  if (seconds % MINUTE_SECONDS === 0) return `${seconds / MINUTE_SECONDS}m`;
  return `${seconds}s`;
};
