// The one trading rule a stack the bench starts itself runs differently: the SOFT circuit breaker's
// loss streak. The bench alternates long and short orders per symbol so positions net out, and each
// closing fill loses the fees: three in a row trip SOFT (REDUCING for 30 minutes) within a second, and
// every later signal would be vetoed instead of timed. Everything else (HARD breaker, freshness, TTLs,
// risk caps) is as shipped. A stack the bench did not start keeps its own rules, and the bench reports
// the vetoes it meets.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const BENCH_BRAIN_PARAMETERS = {
  breaker: { softConsecutiveLosses: 1_000_000 },
} as const;

export const BENCH_BRAIN_PARAMETERS_NOTE = `the bench's own stack raises the SOFT breaker's loss streak to ${BENCH_BRAIN_PARAMETERS.breaker.softConsecutiveLosses.toLocaleString("en-US")} (its alternating orders close at a fee loss); every other rule as shipped`;

/** Writes the parameters file into `dir` and returns the environment that makes the brain read it. */
export const benchBrainParametersEnv = (dir: string): NodeJS.ProcessEnv => {
  const file = join(dir, "bench-brain-parameters.json");
  writeFileSync(file, `${JSON.stringify(BENCH_BRAIN_PARAMETERS, null, 2)}\n`);
  return { TITAN_BRAIN_PARAMETERS_FILE: file };
};
