// Worst-case detection time of an alert: from the fault to the first notification leaving
// Alertmanager. Pure arithmetic over figures read from the real configurations by the caller.

export interface DetectionInputs {
  readonly forSeconds: number;
  /** Time the expression needs after the fault before it can turn true (see AlertSpec.conditionLagSeconds). */
  readonly conditionLagSeconds: number;
  readonly scrapeIntervalSeconds: number;
  /** The rule group's interval, or Prometheus's global evaluation_interval. */
  readonly evaluationIntervalSeconds: number;
  /** group_wait of the Alertmanager route the alert takes. */
  readonly groupWaitSeconds: number;
}

/**
 * The fault lands just after a scrape (a whole scrape interval until it is seen), the sample just
 * after an evaluation (a whole evaluation interval until the alert is pending), `for` is checked only
 * at evaluations (rounded up to one), then Alertmanager waits group_wait before the first notification.
 */
export const worstCaseDetectionSeconds = (i: DetectionInputs): number => {
  for (const [name, value] of Object.entries(i)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`worstCaseDetectionSeconds: ${name} must be a number >= 0, got ${value}`);
  }
  if (i.evaluationIntervalSeconds === 0) throw new Error("worstCaseDetectionSeconds: evaluationIntervalSeconds must be > 0");
  const forAtEvaluations = Math.ceil(i.forSeconds / i.evaluationIntervalSeconds) * i.evaluationIntervalSeconds;
  return i.scrapeIntervalSeconds + i.conditionLagSeconds + i.evaluationIntervalSeconds + forAtEvaluations + i.groupWaitSeconds;
};

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Prometheus/Alertmanager duration ("1m30s", "15s", "0s") in seconds. */
export const parsePromDuration = (text: string): number => {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) throw new Error(`"${text}" is not a Prometheus duration`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total;
};
